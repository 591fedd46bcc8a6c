"""Starts everything on localhost: action server, Rasa server, web page, reminder dispatcher.

Ctrl-C (SIGINT) or SIGTERM stops every process it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from bot import ROOT
from bot.settings import (
    MODEL_PATH,
    Settings,
    child_environment,
    load_settings,
    write_credentials,
    write_endpoints,
)

MAX_REQUEST_BYTES = 1024 * 1024
READY_TIMEOUT_S = float(os.environ.get("CALCINOSI_READY_TIMEOUT", "240"))


@dataclass
class Service:
    name: str
    command: list[str]
    health_url: str | None
    extra_env: dict[str, str]


def services(settings: Settings, endpoints: str, credentials: str) -> list[Service]:
    py = sys.executable
    return [
        Service(
            "azioni",
            [py, "-m", "rasa_sdk", "--actions", "actions", "-p", str(settings.actions_port)],
            f"http://{settings.host}:{settings.actions_port}/health",
            {"SANIC_HOST": settings.host},
        ),
        Service(
            "rasa",
            [
                py, "-m", "bot.rasa_server", "run",
                "--model", str(MODEL_PATH),
                "--endpoints", endpoints,
                "--credentials", credentials,
                "--interface", settings.host,
                "--port", str(settings.rasa_port),
                "--enable-api", f"--auth-token={settings.api_token}",
                "--cors", settings.cors_origin,
            ],
            f"{settings.rasa_url}/webhooks/rest/",
            # Sanic refuses bodies over 1 MB before reading them (default 100 MB);
            # our channels answer bodies over 64 KB with a polite 413 of their own.
            {"SANIC_REQUEST_MAX_SIZE": str(MAX_REQUEST_BYTES)},
        ),
        Service(
            "web",
            [py, "-m", "bot", "web"],
            f"http://{settings.host}:{settings.web_port}/salute",
            {},
        ),
        Service("promemoria", [py, "-m", "bot", "reminders", "run"], None, {}),
    ]


def _is_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (localhost)
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _report_stopped(children: list[tuple[Service, subprocess.Popen[bytes]]]) -> bool:
    """True (and says which) when one of the started processes has exited."""
    for service, process in children:
        if process.poll() is not None:
            print(f"ERRORE: il processo '{service.name}' si è fermato.", file=sys.stderr)
            return True
    return False


def run(settings: Settings | None = None) -> int:
    settings = settings or load_settings()
    if not MODEL_PATH.exists():
        print("ERRORE: nessun modello addestrato. Esegui prima: python -m bot train", file=sys.stderr)
        return 1
    endpoints = write_endpoints(settings)
    try:
        credentials = write_credentials(settings)
    except ValueError as error:
        print(f"ERRORE: {error}", file=sys.stderr)
        return 2
    from bot.reminders.db import upgrade

    upgrade(settings.reminders_db_url)

    env = child_environment()
    env["CALCINOSI_DB_URL"] = settings.reminders_db_url
    env["CALCINOSI_RASA_URL"] = settings.rasa_url
    children: list[tuple[Service, subprocess.Popen[bytes]]] = []
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    started = time.monotonic()
    try:
        for service in services(settings, str(endpoints), str(credentials)):
            process = subprocess.Popen(service.command, cwd=ROOT, env={**env, **service.extra_env})
            children.append((service, process))
        waiting = [s for s, _ in children if s.health_url]
        while waiting and not stopping:
            if _report_stopped(children):
                return 1
            waiting = [s for s in waiting if not _is_up(str(s.health_url))]
            if time.monotonic() - started > READY_TIMEOUT_S:
                print("ERRORE: avvio troppo lento.", file=sys.stderr)
                return 1
            time.sleep(0.25)
        if not stopping:
            print(f"\n>> Pronto in {time.monotonic() - started:.1f} s.", flush=True)
            print(f">> Chat: {settings.web_url}", flush=True)
            print(f">> REST: {settings.rasa_url}/webhooks/rest/webhook", flush=True)
            print(">> Ctrl-C per fermare tutto.", flush=True)
        while not stopping:
            if _report_stopped(children):
                return 1
            time.sleep(0.5)
        return 0
    finally:
        for _, process in children:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 10
        for _, process in children:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
        print(">> Tutti i processi sono fermi.", flush=True)
