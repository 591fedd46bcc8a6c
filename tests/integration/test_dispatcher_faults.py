"""Crash tests with real processes: ``kill -9`` a dispatcher at each step, then restart.

Each run seeds 4 due reminders, starts a ``send-due`` process with the crash hook of
fault_server.py as the dispatcher's step hook and ``CALCINOSI_FAULT_PAUSE=<step>`` (the
process prints a marker and waits at that step), kills it with SIGKILL, then runs a fresh
dispatcher after the claim lease and checks, per reminder, how many times the fake
Telegram server received it.

The 20-run loops fork their processes from a small fork server
(``python -m tests.integration.fault_server``: imports once, one real child process per
run) to stay within the time budget; ``test_kill_9_real_cli`` does each step with a fresh
``python -m tests.integration.fault_server send-due`` process, and the random kills and
the two concurrent dispatchers use plain ``python -m bot.reminders.cli`` processes.

Steps: ``after_claim`` (claims committed, nothing sent), ``before_send`` (``sending``
committed, HTTP not made), ``after_send`` (HTTP done, ``sent`` not recorded), plus kills
at random moments. Expected figures (the guarantee of bot.reminders.dispatcher):
never a duplicate; after_claim loses nothing; a kill after ``sending`` is committed
leaves exactly that reminder as ``failed_unknown`` (not resent; delivered or not,
depending on whether the HTTP call happened) - never silently lost.
The same crash tests for the WhatsApp and SMS senders: test_dispatcher_faults_channels.py.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest
from fake_telegram import TOKEN, FakeTelegram
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot import ROOT
from bot.reminders.config import ReminderConfig
from bot.reminders.db import make_engine, upgrade
from bot.reminders.dispatcher import Dispatcher
from bot.reminders.models import Delivery, Subscriber
from bot.reminders.schedule import ROME
from bot.reminders.store import ReminderStore
from bot.reminders.telegram import TelegramSender
from bot.reminders.testing import (
    POSTGRES_SKIP_REASON,
    postgres_base_url,
    postgres_schema,
    sqlite_url,
)

CONFIG = ReminderConfig()
NOW = datetime(2027, 3, 1, 10, 0, tzinfo=ROME)
AFTER_LEASE = NOW + CONFIG.lease + timedelta(minutes=1)
RUNS = 20  # per step
RANDOM_RUNS = 6
WORKERS = 2  # runs in parallel, each with its own database and fork server
KINDS = {"fosfato_6m": "ogni 6 mesi", "completo_12m": "ogni 12 mesi"}  # in the sent text
DONE = {"fosfato_6m": date(2026, 9, 15), "completo_12m": date(2026, 3, 15)}


@dataclass
class Figures:
    runs: int = 0
    reminders: int = 0
    delivered: int = 0
    duplicated: int = 0
    lost_silently: int = 0  # not delivered and not flagged
    unknown_delivered: int = 0  # failed_unknown, but the user got it
    unknown_not_delivered: int = 0  # failed_unknown, the user did not get it
    states: dict[str, int] = field(default_factory=dict)

    def add(self, other: Figures) -> None:
        for name in ("runs", "reminders", "delivered", "duplicated", "lost_silently",
                     "unknown_delivered", "unknown_not_delivered"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for state, n in other.states.items():
            self.states[state] = self.states.get(state, 0) + n

    def line(self, label: str) -> str:
        return (
            f"{label:<28} runs={self.runs:>3} promemoria={self.reminders:>3} "
            f"ricevuti={self.delivered:>3} duplicati={self.duplicated} "
            f"persi_in_silenzio={self.lost_silently} "
            f"incerti(ricevuti/non ricevuti)={self.unknown_delivered}/{self.unknown_not_delivered} "
            f"stati={dict(sorted(self.states.items()))}"
        )


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


def env_for(url: str, fake: FakeTelegram, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALCINOSI_")}
    env.update(
        CALCINOSI_DB_URL=url,
        TELEGRAM_TOKEN=TOKEN,
        TELEGRAM_API_URL=fake.url,
        PYTHONPATH=str(ROOT),
        CALCINOSI_LOG_LEVEL="WARNING",
        **extra,
    )
    return env


def send_due(url: str, fake: FakeTelegram, **fault: str) -> subprocess.Popen[str]:
    """A ``send-due`` process; with ``fault`` variables, the one with the crash hook."""
    module = "tests.integration.fault_server" if fault else "bot.reminders.cli"
    return subprocess.Popen(
        [sys.executable, "-m", module, "send-due", "--now", NOW.isoformat()],
        env=env_for(url, fake, **fault),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def seed(engine: Engine, chats: list[str]) -> None:
    store = ReminderStore(engine, CONFIG, clock=lambda: NOW)
    for chat in chats:
        store.subscribe("telegram", chat, "v1", NOW)
        for kind, done in DONE.items():
            store.set_last_done("telegram", chat, kind, done, NOW)


def fresh_dispatcher(engine: Engine, fake: FakeTelegram) -> Dispatcher:
    return Dispatcher(engine, {"telegram": TelegramSender(TOKEN, fake.url)}, worker_id="fresh", config=CONFIG)


def evaluate(engine: Engine, fake: FakeTelegram, chats: list[str]) -> Figures:
    """Compare, per reminder due now, the database state with what Telegram received."""
    received = fake.delivered_counts()
    figures = Figures(runs=1)
    with Session(engine, future=True) as session:
        rows = session.execute(
            select(Subscriber.channel_user_id, Delivery.kind, Delivery.state)
            .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
            .where(Subscriber.channel_user_id.in_(chats), Delivery.notice_date == NOW.date())
        ).all()
    for chat, kind, state in rows:
        got = sum(n for (c, text), n in received.items() if c == chat and KINDS[kind] in text)
        figures.reminders += 1
        figures.states[state] = figures.states.get(state, 0) + 1
        figures.delivered += got > 0
        figures.duplicated += max(0, got - 1)
        if state == "failed_unknown":
            if got:
                figures.unknown_delivered += 1
            else:
                figures.unknown_not_delivered += 1
        elif not got:
            figures.lost_silently += 1
    return figures


def kill_at_marker(proc: subprocess.Popen[str]) -> str:
    """Wait for the FAULT_PAUSE marker, then SIGKILL. Returns the marker line."""
    watchdog = threading.Timer(30, proc.kill)
    watchdog.start()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("FAULT_PAUSE"):
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
                return line.strip()
        raise AssertionError(f"the process ended without reaching the fault (rc={proc.wait()})")
    finally:
        watchdog.cancel()
        proc.stdout.close() if proc.stdout else None


class ForkServer:
    """Client of ``python -m tests.integration.fault_server`` (one per worker thread)."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.fault_server"],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )

    def run_and_kill(self, env: dict[str, str]) -> int:
        """Run ``send-due`` in a forked child, SIGKILL it at the fault marker; its exit status."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        argv = ["send-due", "--now", NOW.isoformat()]
        self.proc.stdin.write(json.dumps({"argv": argv, "env": env}) + "\n")
        self.proc.stdin.flush()
        watchdog = threading.Timer(30, self.proc.kill)
        watchdog.start()
        child, paused, killed = 0, False, False
        try:
            for line in self.proc.stdout:
                word, _, rest = line.partition(" ")
                if word == "CHILD":
                    child = int(rest)
                elif word == "FAULT_PAUSE":
                    paused = True
                elif word == "EXIT":
                    pid, status = (int(x) for x in rest.split())
                    assert pid == child and killed, "the child ended without reaching the fault"
                    return status
                if child and paused and not killed:
                    os.kill(child, signal.SIGKILL)
                    killed = True
            raise AssertionError("fork server ended")
        finally:
            watchdog.cancel()

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(10)
        if self.proc.stdout:
            self.proc.stdout.close()


@dataclass
class Backend:
    name: str
    urls: list[str]  # one fresh, migrated database per worker
    servers: list[ForkServer]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    base = postgres_base_url()
    if request.param == "postgres" and not base:
        pytest.skip(POSTGRES_SKIP_REASON)
    with ExitStack() as stack:
        urls = []
        for index in range(WORKERS):
            if request.param == "sqlite":
                url = sqlite_url(tmp_path_factory.mktemp(f"faults{index}"))
            else:
                url = stack.enter_context(postgres_schema(str(base)))
            upgrade(url)
            urls.append(url)
        servers = [ForkServer() for _ in range(WORKERS)]
        for server in servers:
            stack.callback(server.close)
        yield Backend(request.param, urls, servers)


def run_once_with_fault(
    url: str, fake: FakeTelegram, step: str, run: int, server: ForkServer | None = None
) -> Figures:
    engine = make_engine(url)
    try:
        chats = [f"{step}-{run}-{i}-{random.randrange(10**6)}" for i in range(2)]
        seed(engine, chats)  # 4 reminders due now
        at = "0" if step == "after_claim" else str(random.randrange(4))
        fault = {"CALCINOSI_FAULT_PAUSE": step, "CALCINOSI_FAULT_AT": at, "CALCINOSI_FAULT_SLEEP": "30"}
        if server is None:  # a fresh `python -m tests.integration.fault_server send-due` process
            proc = send_due(url, fake, **fault)
            kill_at_marker(proc)
            assert proc.returncode == -signal.SIGKILL
        else:
            status = server.run_and_kill(env_for(url, fake, **fault))
            assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        fresh_dispatcher(engine, fake).run_once(AFTER_LEASE)
        # another restart later on must not change anything
        fresh_dispatcher(engine, fake).run_once(AFTER_LEASE + timedelta(hours=2))
        return evaluate(engine, fake, chats)
    finally:
        engine.dispose()


def run_parallel(
    backend: Backend,
    job: Callable[[str, int, ForkServer | None], Figures],
    runs: int,
    fork_server: bool = False,
) -> Figures:
    total = Figures()

    def worker(index: int) -> list[Figures]:
        server = backend.servers[index] if fork_server else None
        return [job(backend.urls[index], run, server) for run in range(index, runs, WORKERS)]

    with ThreadPoolExecutor(WORKERS) as pool:
        for figures_list in pool.map(worker, range(WORKERS)):
            for figures in figures_list:
                total.add(figures)
    return total


@pytest.mark.parametrize("step", ["after_claim", "before_send", "after_send"])
def test_kill_9_at_each_step(
    step: str,
    backend: Backend,
    fake: FakeTelegram,
    capsys: pytest.CaptureFixture[str],
) -> None:
    figures = run_parallel(
        backend, lambda url, run, srv: run_once_with_fault(url, fake, step, run, srv), RUNS, True
    )
    with capsys.disabled():
        print("\n" + figures.line(f"[{backend.name}] kill -9 {step}"))
    assert figures.runs == RUNS
    assert figures.reminders == 4 * RUNS
    assert figures.duplicated == 0
    assert figures.lost_silently == 0
    if step == "after_claim":
        assert figures.delivered == 4 * RUNS
        assert figures.states == {"sent": 4 * RUNS}
    elif step == "before_send":
        # the killed one: flagged, not resent, not delivered (the HTTP call never happened)
        assert figures.unknown_not_delivered == RUNS and figures.unknown_delivered == 0
        assert figures.delivered == 3 * RUNS
    else:
        # the killed one was delivered; it is flagged, never resent
        assert figures.unknown_delivered == RUNS and figures.unknown_not_delivered == 0
        assert figures.delivered == 4 * RUNS


def test_kill_9_real_cli(
    backend: Backend,
    fake: FakeTelegram,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each step once with a fresh ``python -m tests.integration.fault_server send-due`` process."""
    url = backend.urls[0]
    for step in ("after_claim", "before_send", "after_send"):
        figures = run_once_with_fault(url, fake, step, 0)
        with capsys.disabled():
            print("\n" + figures.line(f"[{backend.name}] cli {step}"), end="")
        assert figures.duplicated == 0 and figures.lost_silently == 0
        assert figures.delivered == (3 if step == "before_send" else 4)


def run_once_random_kill(url: str, fake: FakeTelegram, run: int) -> Figures:
    engine = make_engine(url)
    try:
        chats = [f"random-{run}-{i}-{random.randrange(10**6)}" for i in range(15)]
        seed(engine, chats)  # 30 reminders due now
        proc = send_due(url, fake)
        # wait until this process is sending, then kill it at a random moment
        deadline = threading.Event()
        for _ in range(300):
            if any(c.chat_id in chats for c in fake.calls()) or proc.poll() is not None:
                break
            deadline.wait(0.01)
        deadline.wait(random.uniform(0.0, 0.25))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        if proc.stdout:
            proc.stdout.close()
        fresh_dispatcher(engine, fake).run_once(AFTER_LEASE)
        fresh_dispatcher(engine, fake).run_once(AFTER_LEASE + timedelta(hours=2))
        return evaluate(engine, fake, chats)
    finally:
        engine.dispose()


def test_kill_9_at_random_moments(
    backend: Backend,
    fake: FakeTelegram,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with FakeTelegram(latency=0.01) as slow:  # ~15 ms per message: a wide sending phase
        figures = run_parallel(
            backend, lambda url, run, _srv: run_once_random_kill(url, slow, run), RANDOM_RUNS
        )
    with capsys.disabled():
        print("\n" + figures.line(f"[{backend.name}] kill -9 a caso"))
    assert figures.duplicated == 0
    assert figures.lost_silently == 0
    # at most the one reminder that was being sent when the process died is uncertain
    assert figures.unknown_delivered + figures.unknown_not_delivered <= RANDOM_RUNS
    assert figures.delivered + figures.unknown_not_delivered == figures.reminders
    assert figures.runs == RANDOM_RUNS


def test_two_dispatcher_processes_at_once(
    backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    url = backend.urls[0]
    engine = make_engine(url)
    chats = [f"proc-{i}" for i in range(100)]
    seed(engine, chats)  # 200 reminders due now
    with FakeTelegram(latency=0.002) as server:
        procs = [send_due(url, server) for _ in range(2)]
        outputs = [p.communicate(timeout=60)[0] for p in procs]
        received = server.delivered_counts()
    figures = evaluate(engine, server, chats)
    engine.dispose()
    with capsys.disabled():
        print("\n" + figures.line(f"[{backend.name}] 2 processi insieme"))
        for out in outputs:
            print("   " + out.strip())
    assert all(p.returncode == 0 for p in procs)
    assert sum(received.values()) == 200 == len(received)
    assert figures.delivered == 200 and figures.duplicated == 0
    assert figures.states == {"sent": 200}
