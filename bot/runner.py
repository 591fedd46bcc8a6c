"""Starts every process on localhost and watches them.

``python -m bot run``: one of each (action server, Rasa server, web page, reminder
dispatcher) on SQLite; a process that stops stops everything. ``python -m bot run --cluster``
(bot/cluster.py) starts replicas behind nginx through :func:`supervise` with restarts on.
Ctrl-C (SIGINT) or SIGTERM stops every process it started; they all stay in our process group.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from bot import ROOT
from bot.processes import NAMES, Process, environment, process
from bot.settings import MODEL_PATH, Settings, load_settings

READY_TIMEOUT_S = float(os.environ.get("CALCINOSI_READY_TIMEOUT", "240"))
RESTART_DELAY_S = 1.0


@dataclass
class Child:
    """One started process: its description, its label and its environment."""

    process: Process
    label: str
    env: dict[str, str]
    popen: subprocess.Popen[bytes] | None = None
    died_at: float | None = None

    def start(self) -> None:
        self.popen = subprocess.Popen(
            self.process.command, cwd=ROOT, env={**self.env, **self.process.extra_env}
        )
        self.died_at = None

    def exited(self) -> bool:
        return self.popen is not None and self.popen.poll() is not None


def is_up(url: str) -> bool:
    """True when ``url`` answers 2xx. Anything else is "not yet", never an error: a port of
    the ephemeral range that nobody listens on yet can connect to itself and read back our
    own request (``BadStatusLine: GET /health``), which once stopped the whole cluster."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (localhost)
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException):
        return False


def supervise(stages: list[list[Child]], ready_lines: list[str], restart: bool = False) -> int:
    """Starts the children stage by stage (a stage once the health URLs of the one before
    answer), prints ``ready_lines``, then waits for Ctrl-C. A child that stops: with
    ``restart``, it is started again after RESTART_DELAY_S (and says so); without,
    everything stops with exit code 1."""
    children: list[Child] = []
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    started = time.monotonic()

    def watch() -> bool:
        """False when a child stopped and we must stop too."""
        for child in children:
            if not child.exited():
                continue
            if not restart:
                print(f"ERRORE: il processo '{child.label}' si è fermato.", file=sys.stderr)
                return False
            now = time.monotonic()
            if child.died_at is None:
                child.died_at = now
                print(f">> Il processo '{child.label}' si è fermato: lo riavvio.", file=sys.stderr)
            elif now - child.died_at >= RESTART_DELAY_S:
                child.start()
        return True

    try:
        for stage in stages:
            for child in stage:
                child.start()
                children.append(child)
            waiting = [c for c in stage if c.process.health_url]
            while waiting and not stopping:
                if not watch():
                    return 1
                waiting = [c for c in waiting if not is_up(str(c.process.health_url))]
                if time.monotonic() - started > READY_TIMEOUT_S:
                    print("ERRORE: avvio troppo lento.", file=sys.stderr)
                    return 1
                time.sleep(0.25)
        if not stopping:
            print(f"\n>> Pronto in {time.monotonic() - started:.1f} s.", flush=True)
            for line in ready_lines:
                print(f">> {line}", flush=True)
            print(">> Ctrl-C per fermare tutto.", flush=True)
        while not stopping:
            if not watch():
                return 1
            time.sleep(0.2)
        return 0
    finally:
        _stop_all(children)


def _stop_all(children: list[Child]) -> None:
    running = [c.popen for c in children if c.popen is not None and c.popen.poll() is None]
    for popen in running:
        popen.terminate()
    deadline = time.monotonic() + 10
    for popen in running:
        try:
            popen.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            popen.kill()
    print(">> Tutti i processi sono fermi.", flush=True)


def run(settings: Settings | None = None) -> int:
    settings = settings or load_settings()
    if not MODEL_PATH.exists():
        print("ERRORE: nessun modello addestrato. Esegui prima: python -m bot train", file=sys.stderr)
        return 1
    try:
        procs = [process(name, settings) for name in NAMES]
    except ValueError as error:
        print(f"ERRORE: {error}", file=sys.stderr)
        return 2
    from bot.reminders.db import upgrade

    upgrade(settings.reminders_db_url)
    env = environment(settings)
    children = [Child(p, p.name, env) for p in procs]
    return supervise(
        [children],
        [f"Chat: {settings.web_url}", f"REST: {settings.rasa_url}/webhooks/rest/webhook"],
    )
