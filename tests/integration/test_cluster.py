"""``python -m bot run --cluster`` for real: PostgreSQL, Redis, 2 Rasa replicas, nginx.

Skips, saying which, without PostgreSQL, Redis or nginx. Its own database and user (created
by the cluster, dropped after), its own Redis key prefix, free ports.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench.ports import free_port, free_ports_in_a_row
from bot import ROOT
from bot.reminders.testing import (
    POSTGRES_SKIP_REASON,
    REDIS_SKIP_REASON,
    postgres_base_url,
    redis_url,
)
from bot.runner import is_up
from tests.conftest import stop_stack

MODEL = ROOT / "models" / "calcinosi.tar.gz"


@dataclass
class Cluster:
    public_url: str
    rasa_ports: list[int]
    database_url: str
    log_path: Path
    process: subprocess.Popen[bytes]

    def post(self, path: str, sender: str, message: str, timeout: float = 60) -> tuple[int, object]:
        request = urllib.request.Request(
            f"{self.public_url}{path}",
            data=json.dumps({"sender": sender, "message": message}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            return 0, type(error).__name__

    def events(self, sender: str) -> list[tuple[str, str | None]]:
        """(type, text of a user message) of every stored event of ``sender``, in order."""
        engine = sa.create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    sa.text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                    {"s": sender},
                ).all()
        finally:
            engine.dispose()
        return [(t, json.loads(d).get("text") if t == "user" else None) for t, d in rows]

    def messages_counted(self, port: int) -> float:
        """calcinosi_messages_total of one replica, summed over channels (its /metrics)."""
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            text = response.read().decode()
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("calcinosi_messages_total{")
        )

    def replica_pid(self, port: int) -> int:
        found = subprocess.run(
            ["pgrep", "-f", f"bot.rasa_server run .*--port {port}"], capture_output=True, text=True
        ).stdout.split()
        assert found, f"nessuna replica sulla porta {port}"
        return int(found[0])


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    base, redis = postgres_base_url(), redis_url()
    if base is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    if redis is None:
        pytest.skip(REDIS_SKIP_REASON)
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        pytest.skip("nginx non installato (scripts/install-nginx.sh, chiamato da make test)")
    if not MODEL.exists():
        pytest.fail("Nessun modello addestrato: esegui `make train` (make test lo fa da sé).")
    work = tmp_path_factory.mktemp("cluster")
    name = f"calcinosi_test_{uuid.uuid4().hex[:10]}"
    server = make_url(base)
    database_url = server.set(username=name, password=None, database=name).render_as_string(False)
    admin_url = server.set(database="postgres").render_as_string(False)
    rasa_base, actions_base = free_ports_in_a_row(2), free_ports_in_a_row(2)
    public_port = free_port()
    env = {
        **os.environ,
        "CALCINOSI_TRACKER_URL": database_url,
        "CALCINOSI_PG_ADMIN_URL": admin_url,
        "CALCINOSI_REDIS_URL": redis,
        "CALCINOSI_REDIS_PREFIX": name,
        "CALCINOSI_RASA_PORT": str(rasa_base),
        "CALCINOSI_ACTIONS_PORT": str(actions_base),
        "CALCINOSI_WEB_PORT": str(free_port()),
        "CALCINOSI_PUBLIC_PORT": str(public_port),
        "CALCINOSI_RUN_DIR": str(work),
        "TELEGRAM_TOKEN": "",
        "WHATSAPP_TOKEN": "",
    }
    env.pop("CALCINOSI_DB_URL", None)
    log_path = work / "cluster.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--cluster", "--no-train"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    cluster = Cluster(f"http://127.0.0.1:{public_port}", [rasa_base, rasa_base + 1], database_url, log_path, process)
    try:
        deadline = time.monotonic() + 300
        while b">> Chat:" not in log_path.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("Il cluster non è partito:\n" + log_path.read_text(errors="replace")[-4000:])
            time.sleep(0.5)
        yield cluster
    finally:
        stop_stack(process)
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'DROP ROLE IF EXISTS "{name}"'))
        admin.dispose()


def _errors(log_path: Path) -> list[str]:
    """The messages of the cluster log's ERROR lines (JSON logs), for a failure's report."""
    found = []
    for line in log_path.read_text(errors="replace").splitlines():
        if '"level": "ERROR"' in line:
            try:
                found.append(str(json.loads(line).get("message"))[:200])
            except ValueError:
                found.append(line[:200])
    return found


def _turns(events: list[tuple[str, str | None]]) -> list[tuple[str, list[str]]]:
    """The user messages in stored order, each with the event types that follow it."""
    turns: list[tuple[str, list[str]]] = []
    for kind, text in events:
        if kind == "user":
            turns.append((str(text), []))
        elif turns:
            turns[-1][1].append(kind)
    return turns


def test_sixteen_messages_at_once_on_one_conversation_are_answered_one_after_the_other(
    cluster: Cluster,
) -> None:
    sender = f"gara-{uuid.uuid4().hex}"
    texts = [f"domanda numero {i}: cosa posso mangiare?" for i in range(16)]
    cluster.post("/webhooks/rest/webhook", sender, "ciao")  # the conversation exists
    start = threading.Barrier(16)

    def send(text: str) -> int:
        start.wait()
        return cluster.post("/webhooks/rest/webhook", sender, text)[0]

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(send, texts))
    assert statuses == [200] * 16
    turns = _turns(cluster.events(sender))
    stored = [text for text, _ in turns]
    assert sorted(stored) == sorted(["ciao", *texts])  # none lost, none twice
    for text, after in turns:
        # Each message's answer is complete before the next message starts: bot answer,
        # then back to listening; no other user message in between.
        assert "bot" in after and after[-1] == "action", (text, after)


def test_failover_kill_9_of_a_replica_under_load_loses_no_accepted_message(cluster: Cluster) -> None:
    victim_port = cluster.rasa_ports[0]
    victim = cluster.replica_pid(victim_port)
    stop_at = time.monotonic() + 25
    killed_at: list[float] = []
    results: dict[str, list[tuple[float, float, str, int]]] = {}
    answered: dict[str, Counter[str]] = {}  # topics of the answers, to explain a failure

    def conversation(n: int) -> None:
        sender = f"failover-{n}-{uuid.uuid4().hex[:8]}"
        results[sender], answered[sender] = [], Counter()
        i = 0
        while time.monotonic() < stop_at:
            text = f"conversazione {n} messaggio {i}: e il latte?"
            began = time.monotonic()
            status, body = cluster.post("/api/messaggio", sender, text)
            results[sender].append((began, time.monotonic(), text, status))
            if status == 200 and isinstance(body, list):
                answered[sender].update(str((m.get("custom") or {}).get("topic")) for m in body)
            i += 1

    def kill_later() -> None:
        time.sleep(5)
        killed_at.append(time.monotonic())
        os.kill(victim, signal.SIGKILL)

    threads = [threading.Thread(target=conversation, args=(n,)) for n in range(16)]
    threads.append(threading.Thread(target=kill_later))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert killed_at
    kill = killed_at[0]
    failed = [(b, e) for rows in results.values() for b, e, _, s in rows if s != 200]
    # Only requests in flight on the killed replica may fail; the page resends once, so
    # usually none does.
    assert all(b <= kill + 0.5 <= e + 0.5 for b, e in failed), failed
    assert len(failed) <= 16
    for sender, rows in results.items():
        accepted = [text for _, _, text, status in rows if status == 200]
        assert any(b > kill + 2 for b, _, _, s in rows if s == 200), "la conversazione non è continuata"
        stored = [text for text, _ in _turns(cluster.events(sender))]
        missing = [text for text in accepted if text not in stored]
        assert not missing, (
            f"{sender}: {len(missing)} of {len(accepted)} accepted messages not stored "
            f"({len(stored)} stored), first {missing[:3]}; answers {dict(answered[sender])}; "
            f"errors in the log: {_errors(cluster.log_path)[:3]}"
        )
    # The killed replica was started again and answers.
    deadline = time.monotonic() + 120
    while not is_up(f"http://127.0.0.1:{victim_port}/webhooks/rest/"):
        if time.monotonic() > deadline:
            pytest.fail("la replica uccisa non è ripartita")
        time.sleep(0.5)
    assert cluster.replica_pid(victim_port) != victim
    assert "rasa-1' si è fermato: lo riavvio" in cluster.log_path.read_text(errors="replace")
    # It rejoins: nginx sends it messages again (its own counter, from zero since the restart).
    time.sleep(3)  # nginx retries a failed server after fail_timeout (2 s)
    for i in range(20):
        assert cluster.post("/webhooks/rest/webhook", f"rientro-{i}-{uuid.uuid4().hex[:6]}", "ciao")[0] == 200
    assert cluster.messages_counted(victim_port) > 0
    total = sum(len(rows) for rows in results.values())
    print(f"\nfailover: {total} messaggi, {len(failed)} falliti, 16 conversazioni continuate")
