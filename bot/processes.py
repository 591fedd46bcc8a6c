"""The command of each process of the service, in one place.

``python -m bot run`` (one of each, SQLite), ``python -m bot run --cluster`` (replicas behind
nginx, bot/cluster.py) and the systemd units of ``deploy/`` (``python -m bot service <nome>``)
start the same commands, built here from the settings (environment variables).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from bot import ROOT
from bot.settings import (
    MODEL_PATH,
    Settings,
    child_environment,
    env_value,
    load_settings,
    run_dir,
    write_credentials,
    write_endpoints,
)

# Sanic refuses bodies over 1 MB before reading them (default 100 MB); our channels answer
# bodies over 64 KB with a polite 413 of their own.
MAX_REQUEST_BYTES = 1024 * 1024
NAMES = ("azioni", "rasa", "web", "promemoria")


@dataclass(frozen=True)
class Process:
    name: str
    command: list[str]
    health_url: str | None
    extra_env: dict[str, str]


def process(name: str, settings: Settings) -> Process:
    """The process ``name`` (one of NAMES) with ``settings``; for ``rasa`` this writes its
    endpoints and credentials files in ``run_dir()`` (one pair per port)."""
    py = sys.executable
    if name == "azioni":
        return Process(
            name,
            [py, "-m", "bot.action_server", "--actions", "actions", "-p", str(settings.actions_port)],
            f"http://{settings.host}:{settings.actions_port}/health",
            {"SANIC_HOST": settings.host},
        )
    if name == "rasa":
        endpoints = write_endpoints(settings, run_dir() / f"endpoints-{settings.rasa_port}.yml")
        credentials = write_credentials(settings, run_dir() / f"credentials-{settings.rasa_port}.yml")
        return Process(
            name,
            [
                py, "-m", "bot.rasa_server", "run",
                "--model", str(MODEL_PATH),
                "--endpoints", str(endpoints),
                "--credentials", str(credentials),
                "--interface", settings.host,
                "--port", str(settings.rasa_port),
                "--enable-api", f"--auth-token={settings.api_token}",
                "--cors", settings.cors_origin,
            ],
            f"{settings.rasa_url}/webhooks/rest/",
            {"SANIC_REQUEST_MAX_SIZE": str(MAX_REQUEST_BYTES)},
        )
    if name == "web":
        return Process(name, [py, "-m", "bot", "web"], f"{settings.web_url}salute", {})
    if name == "promemoria":
        return Process(name, [py, "-m", "bot", "reminders", "run"], None, {})
    raise ValueError(f"processo sconosciuto: {name!r} (uno di: {', '.join(NAMES)})")


def environment(settings: Settings, rasa_url: str | None = None) -> dict[str, str]:
    """The environment every process gets: the databases and where Rasa answers."""
    env = child_environment()
    env["CALCINOSI_DB_URL"] = settings.reminders_db_url
    env["CALCINOSI_TRACKER_URL"] = settings.tracker_url
    env["CALCINOSI_RASA_URL"] = rasa_url or settings.rasa_url
    env["CALCINOSI_API_TOKEN"] = settings.api_token
    return env


def serve(name: str) -> int:
    """``python -m bot service <nome>``: becomes that one process (for systemd)."""
    settings = load_settings()
    try:
        chosen = process(name, settings)
    except ValueError as error:
        print(f"ERRORE: {error}", file=sys.stderr)
        return 2
    env = {**environment(settings, env_value("CALCINOSI_RASA_URL", settings.rasa_url)), **chosen.extra_env}
    os.chdir(ROOT)
    os.execve(chosen.command[0], chosen.command, env)  # noqa: S606 (our own commands)
    return 0  # not reached
