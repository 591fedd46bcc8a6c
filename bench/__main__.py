"""``make bench``: starts the bot the way ``make run`` does and measures it.

Cold start to first answer, training time, sequential latency (p50/p95/p99; conversations
of 10 messages, and one conversation of all of them), throughput and errors at 1, 8 and 32
concurrent conversations, bursts of messages sent at once in one conversation, peak RSS of
every process (the supervisor included), and content-reload latency; then the cluster
(``run --cluster``) with 1 and 2 Rasa replicas side by side: msg/s and p95 at 32
conversations through nginx, peak RSS of every process. Each figure is the median of
several runs.
Prints a table and writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from bench.ports import free_port, free_ports_in_a_row

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
QUESTIONS = [
    "che cos'è la calcinosi tumorale?",
    "quali cibi hanno tanto fosforo?",
    "posso prendere la vitamina d?",
    "ogni quanto si fanno gli esami?",
    "cos'è l'esenzione rco230?",
    "come funziona la riabilitazione in acqua?",
    "è un tumore?",
    "grazie",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


class Client:
    """One keep-alive HTTP connection to the REST webhook."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def send(self, sender: str, text: str) -> tuple[int, list[dict[str, Any]]]:
        body = json.dumps({"sender": sender, "message": text})
        try:
            self.conn.request("POST", "/webhooks/rest/webhook", body, {"Content-Type": "application/json"})
            response = self.conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            return 599, []
        return response.status, json.loads(payload or b"[]") if response.status == 200 else []


def descendants(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            children = (task / "children").read_text().split() if (task / "children").exists() else []
            for child in map(int, children):
                found.append(child)
                queue.append(child)
    return found


def process_memory(pid: int) -> tuple[str, float]:
    """(short command name, peak RSS in MB) of one process."""
    status = Path(f"/proc/{pid}/status").read_text()
    peak = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")), 0)
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    name = " ".join(a.decode() for a in cmdline[1:4] if a)
    return name or Path(f"/proc/{pid}/comm").read_text().strip(), peak / 1024


class Stack:
    """``python -m bot run`` on SQLite, or with ``replicas`` the cluster (``run --cluster``:
    PostgreSQL database of its own, Redis, nginx); ``port`` is where messages go."""

    def __init__(self, work: Path, replicas: int | None = None, cache: bool = True) -> None:
        self.work, self.database = work, None
        self.content = work / "content"
        shutil.copytree(ROOT / "content" / "it", self.content)
        self.rasa_port = free_port()
        env = dict(os.environ)
        env.update(
            {
                "CALCINOSI_RASA_PORT": str(self.rasa_port),
                "CALCINOSI_ACTIONS_PORT": str(free_port()),
                "CALCINOSI_WEB_PORT": str(free_port()),
                "CALCINOSI_TRACKER_URL": f"sqlite:///{work / 'tracker.db'}",
                "CALCINOSI_DB_URL": f"sqlite:///{work / 'calcinosi.db'}",
                "CALCINOSI_CONTENT_DIR": str(self.content),
                "CALCINOSI_RUN_DIR": str(work),
            }
        )
        command = [sys.executable, "-m", "bot", "run", "--no-train"]
        self.port = self.rasa_port
        if replicas:
            self.database = f"bench_{uuid.uuid4().hex[:10]}"
            self.port = free_port()
            # Replica i listens on the base port + i - 1 (bot/cluster.py).
            env.update(
                {
                    "CALCINOSI_TRACKER_URL": f"postgresql+psycopg2://postgres@127.0.0.1:5432/{self.database}",
                    "CALCINOSI_RASA_PORT": str(free_ports_in_a_row(replicas)),
                    "CALCINOSI_ACTIONS_PORT": str(free_ports_in_a_row(replicas)),
                    "CALCINOSI_RASA_REPLICAS": str(replicas),
                    "CALCINOSI_PUBLIC_PORT": str(self.port),
                    "CALCINOSI_REDIS_PREFIX": self.database,
                    **({} if cache else {"CALCINOSI_TRACKER_CACHE": "0"}),
                }
            )
            env.pop("CALCINOSI_DB_URL")
            command.append("--cluster")
        self.started = time.monotonic()
        self.log = (work / "server.log").open("wb")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_first_answer(self, timeout: float = 300) -> float:
        client = Client(self.port)
        while time.monotonic() - self.started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError((self.work / "server.log").read_text()[-3000:])
            try:
                status, replies = client.send(f"bench-{uuid.uuid4().hex}", QUESTIONS[0])
                if status == 200 and replies:
                    return time.monotonic() - self.started
            except ConnectionError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the bot did not answer in time")

    def memory(self) -> dict[str, float]:
        """Peak RSS of every process, the supervisor included; replicas summed by name."""
        peaks: dict[str, float] = {}
        for pid in [self.process.pid, *descendants(self.process.pid)]:
            name, mb = process_memory(pid)
            peaks[name] = peaks.get(name, 0.0) + mb
        return peaks

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.log.close()
        if self.database:
            subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c",
                            f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'], check=False)


def sequential(port: int, count: int, per_conversation: int = 10) -> dict[str, float]:
    """One message after the other; a new conversation every ``per_conversation`` messages."""
    client, latencies, errors = Client(port), [], 0
    sender = f"bench-{uuid.uuid4().hex}"
    for i in range(count):
        if i % per_conversation == 0:
            sender = f"bench-{uuid.uuid4().hex}"
        start = time.perf_counter()
        status, _ = client.send(sender, QUESTIONS[i % len(QUESTIONS)])
        latencies.append((time.perf_counter() - start) * 1000)
        errors += status != 200
    return {
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
        "errors": errors,
    }


def concurrent(port: int, users: int, seconds: float) -> dict[str, float]:
    done, errors, latencies = [0], [0], []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def user() -> None:
        client, sender, i = Client(port), f"bench-{uuid.uuid4().hex}", 0
        while time.monotonic() < deadline:
            start = time.perf_counter()
            status, _ = client.send(sender, QUESTIONS[i % len(QUESTIONS)])
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                done[0] += 1
                errors[0] += status != 200
                latencies.append(elapsed)
            i += 1

    threads = [threading.Thread(target=user) for _ in range(users)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    return {
        "msg_per_s": done[0] / elapsed,
        "errors": errors[0],
        "p50_ms": percentile(latencies, 50) if latencies else 0.0,
        "p95_ms": percentile(latencies, 95) if latencies else 0.0,
    }


def burst(port: int, size: int) -> float:
    """Seconds until ``size`` messages sent at once in one conversation are all answered."""
    sender = f"bench-{uuid.uuid4().hex}"
    Client(port).send(sender, "ciao")
    clients = [Client(port) for _ in range(size)]
    threads = [
        threading.Thread(target=c.send, args=(sender, f"{QUESTIONS[i % len(QUESTIONS)]} ({i})"))
        for i, c in enumerate(clients)
    ]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


def content_reload(stack: Stack) -> float:
    """Milliseconds from saving a content file to an answer that shows the edit."""
    path = stack.content / "condizione.cos_e.md"
    original = path.read_text(encoding="utf-8")
    marker = f"Prova {uuid.uuid4().hex[:6]}."
    client = Client(stack.rasa_port)
    start = time.perf_counter()
    path.write_text(original + f"\n{marker}\n", encoding="utf-8")
    while True:
        _, replies = client.send(f"bench-{uuid.uuid4().hex}", QUESTIONS[0])
        if any(marker in (r.get("text") or "") for r in replies):
            break
    elapsed = (time.perf_counter() - start) * 1000
    path.write_text(original, encoding="utf-8")
    return elapsed


def train_time() -> float:
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "bot", "train", "--force"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - start


def cluster_unavailable() -> str | None:
    """Why the cluster cannot be measured here, or None."""
    for port, name in ((5432, "PostgreSQL"), (6379, "Redis")):
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return f"{name} non risponde su 127.0.0.1:{port}"
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        return "nginx non installato (make nginx)"
    return None


CLUSTER_VARIANTS = {
    "1 replica": (1, True),
    "2 replicas": (2, True),
    "2 replicas, tracker cache off": (2, False),
}


def cluster_figures(runs: int, seconds: float) -> dict[str, dict[str, Any]]:
    """The cluster variants side by side (alternating, so all see the same machine)."""
    measured: dict[str, list[dict[str, Any]]] = {name: [] for name in CLUSTER_VARIANTS}
    for _ in range(runs):
        for name, (replicas, cache) in CLUSTER_VARIANTS.items():
            with tempfile.TemporaryDirectory() as tmp:
                stack = Stack(Path(tmp), replicas=replicas, cache=cache)
                try:
                    cold = stack.wait_first_answer()
                    figures: dict[str, Any] = {"cold_start_s": cold, **concurrent(stack.port, 32, seconds)}
                    figures["peak_rss_mb"] = stack.memory()
                    measured[name].append(figures)
                finally:
                    stack.stop()
    out: dict[str, dict[str, Any]] = {}
    for name, figures in measured.items():
        numbers = median_of([{k: v for k, v in f.items() if k != "peak_rss_mb"} for f in figures])
        names = figures[0]["peak_rss_mb"]
        numbers["peak_rss_mb"] = {n: statistics.median(f["peak_rss_mb"].get(n, 0.0) for f in figures) for n in names}
        out[name] = numbers
    return out


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--no-cluster", action="store_true", help="only the single-node figures")
    args = parser.parse_args()

    results: dict[str, Any] = {"date": dt.datetime.now().isoformat(timespec="seconds"), "runs": args.runs}
    if not args.skip_training:
        results["training_s"] = statistics.median(train_time() for _ in range(max(1, args.runs // 2)))
    cold, seq, seq_one, conc, memory, reload_ms = [], [], [], {1: [], 8: [], 32: []}, [], []
    bursts: dict[int, list[float]] = {4: [], 16: []}
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            stack = Stack(Path(tmp))
            try:
                cold.append(stack.wait_first_answer())
                seq.append(sequential(stack.rasa_port, args.messages))
                seq_one.append(sequential(stack.rasa_port, args.messages, per_conversation=args.messages))
                for users in conc:
                    conc[users].append(concurrent(stack.rasa_port, users, args.seconds))
                for size in bursts:
                    bursts[size].append(burst(stack.rasa_port, size))
                reload_ms.append(content_reload(stack))
                memory.append(stack.memory())
            finally:
                stack.stop()
    results["cold_start_to_first_answer_s"] = statistics.median(cold)
    results["sequential"] = median_of(seq)
    results["sequential_one_conversation"] = median_of(seq_one)
    results["concurrent"] = {str(users): median_of(runs) for users, runs in conc.items()}
    results["burst_one_conversation_s"] = {str(n): statistics.median(v) for n, v in bursts.items()}
    results["content_reload_ms"] = statistics.median(reload_ms)
    results["peak_rss_mb"] = {
        name: statistics.median(m.get(name, 0.0) for m in memory) for name in memory[0]
    }
    why_not = None if not args.no_cluster else "--no-cluster"
    why_not = why_not or cluster_unavailable()
    if why_not:
        print(f"cluster non misurato: {why_not}")
    else:
        results["cluster"] = cluster_figures(args.runs, args.seconds)

    rows = [("training (s)", results.get("training_s", float("nan")))]
    rows.append(("cold start to first answer (s)", results["cold_start_to_first_answer_s"]))
    for key in ("p50_ms", "p95_ms", "p99_ms", "errors"):
        rows.append((f"sequential {key}", results["sequential"][key]))
    for key in ("p50_ms", "p95_ms", "p99_ms"):
        rows.append((f"sequential, one conversation {key}", results["sequential_one_conversation"][key]))
    for users, values in results["concurrent"].items():
        rows.append((f"{users} conversations msg/s", values["msg_per_s"]))
        rows.append((f"{users} conversations p95 ms", values["p95_ms"]))
        rows.append((f"{users} conversations errors", values["errors"]))
    for size, seconds in results["burst_one_conversation_s"].items():
        rows.append((f"{size} at once in one conversation, all answered (s)", seconds))
    rows.append(("content reload (ms)", results["content_reload_ms"]))
    for name, mb in results["peak_rss_mb"].items():
        rows.append((f"peak RSS MB: {name}", mb))
    rows.append(("peak RSS MB: whole stack", sum(results["peak_rss_mb"].values())))
    for variant, values in results.get("cluster", {}).items():
        label = f"cluster, {variant}"
        rows.append((f"{label}: cold start to first answer (s)", values["cold_start_s"]))
        rows.append((f"{label}: 32 conversations msg/s", values["msg_per_s"]))
        rows.append((f"{label}: 32 conversations p95 ms", values["p95_ms"]))
        rows.append((f"{label}: 32 conversations errors", values["errors"]))
        for name, mb in values["peak_rss_mb"].items():
            rows.append((f"{label}: peak RSS MB: {name}", mb))
        rows.append((f"{label}: peak RSS MB: whole stack", sum(values["peak_rss_mb"].values())))
    width = max(len(r[0]) for r in rows)
    print(f"\n{'metric'.ljust(width)} | median of {args.runs} runs")
    print("-" * (width + 20))
    for name, value in rows:
        print(f"{name.ljust(width)} | {value:.1f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"bench-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"\nJSON: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
