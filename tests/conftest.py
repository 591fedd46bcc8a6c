"""Shared fixtures. ``bot_server`` starts the real stack (``python -m bot run``) once."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bench.ports import free_port
from bot.reminders.db import make_engine, upgrade
from bot.reminders.testing import (
    POSTGRES_SKIP_REASON,
    postgres_base_url,
    postgres_schema,
)

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "calcinosi.tar.gz"


@dataclass
class BotServer:
    rasa_url: str
    web_url: str
    content_dir: Path
    tracker_db: Path
    reminders_db: Path
    log_path: Path
    actions_port: int
    api_token: str

    @property
    def rasa_port(self) -> int:
        return int(self.rasa_url.rsplit(":", 1)[1])

    def send_raw(self, body: bytes, timeout: float = 60) -> tuple[int, Any]:
        request = urllib.request.Request(
            f"{self.rasa_url}/webhooks/rest/webhook",
            data=body,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            payload = error.read()
            try:
                return error.code, json.loads(payload)
            except ValueError:
                return error.code, payload.decode("utf-8", "replace")

    def stored_user_texts(self, sender: str) -> list[str]:
        """Texts of the user messages the tracker store holds for one conversation."""
        from bench.load import stored_user_texts

        return stored_user_texts(self.tracker_db, sender)

    def stored_event_count(self, sender: str) -> int:
        with sqlite3.connect(self.tracker_db) as db:
            return int(
                db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]
            )

    def subscriber_count(self, sender: str) -> int:
        with sqlite3.connect(self.reminders_db) as db:
            return int(
                db.execute(
                    "SELECT COUNT(*) FROM subscriber WHERE channel_user_id = ?", (sender,)
                ).fetchone()[0]
            )

    def send(self, message: str, sender: str | None = None) -> list[dict[str, Any]]:
        sender = sender or f"test-{uuid.uuid4().hex}"
        status, payload = self.send_raw(
            json.dumps({"sender": sender, "message": message}).encode("utf-8")
        )
        assert status == 200, (status, payload)
        assert isinstance(payload, list)
        return payload


def topics(messages: list[dict[str, Any]]) -> list[str]:
    return [str((m.get("custom") or {}).get("topic")) for m in messages]


def start_stack(work: Path, extra_env: dict[str, str] | None = None) -> tuple[BotServer, subprocess.Popen]:
    """Starts ``python -m bot run --no-train`` on free ports with its own databases."""
    if not MODEL.exists():
        pytest.fail("Nessun modello addestrato: esegui `make train` (make test lo fa da sé).")
    content_dir = work / "content"
    shutil.copytree(ROOT / "content" / "it", content_dir)
    rasa_port, actions_port, web_port = free_port(), free_port(), free_port()
    api_token = uuid.uuid4().hex
    tracker_db, reminders_db = work / "tracker.db", work / "calcinosi.db"
    env = dict(os.environ)
    env.update(
        {
            "CALCINOSI_RASA_PORT": str(rasa_port),
            "CALCINOSI_ACTIONS_PORT": str(actions_port),
            "CALCINOSI_API_TOKEN": api_token,
            "CALCINOSI_WEB_PORT": str(web_port),
            "CALCINOSI_TRACKER_URL": f"sqlite:///{tracker_db}",
            "CALCINOSI_DB_URL": f"sqlite:///{reminders_db}",
            "CALCINOSI_CONTENT_DIR": str(content_dir),
            "CALCINOSI_RUN_DIR": str(work),
            "TELEGRAM_TOKEN": "",
            "WHATSAPP_TOKEN": "",
            # The tracker cache trims long conversations in memory (bot/tracker_store.py);
            # at its minimum it trims on nearly every message, so every test runs through it.
            "CALCINOSI_TRACKER_MAX_EVENTS": "20",
            **(extra_env or {}),
        }
    )
    log_path = work / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--no-train"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    server = BotServer(
        rasa_url=f"http://127.0.0.1:{rasa_port}",
        web_url=f"http://127.0.0.1:{web_port}/",
        content_dir=content_dir,
        tracker_db=tracker_db,
        reminders_db=reminders_db,
        log_path=log_path,
        actions_port=actions_port,
        api_token=api_token,
    )
    deadline = time.monotonic() + 300
    while b">> Chat:" not in log_path.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            stop_stack(process)
            pytest.fail("Il server non è partito:\n" + log_path.read_text(errors="replace")[-4000:])
        time.sleep(0.5)
    return server, process


def stop_stack(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="session")
def bot_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotServer]:
    server, process = start_stack(tmp_path_factory.mktemp("server"))
    try:
        yield server
    finally:
        stop_stack(process)


@pytest.fixture(scope="module", autouse=True)
def _browser_uses_the_real_bot(request: pytest.FixtureRequest) -> Iterator[None]:
    """Browser tests drive the page served by the real stack (``make test`` trains first)."""
    if request.node.get_closest_marker("browser") is None or not MODEL.exists():
        yield
        return
    before = os.environ.get("CALCINOSI_WEB_URL")
    os.environ["CALCINOSI_WEB_URL"] = request.getfixturevalue("bot_server").web_url
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("CALCINOSI_WEB_URL", None)
        else:
            os.environ["CALCINOSI_WEB_URL"] = before


@contextmanager
def empty_database(kind: str, folder: Path, filename: str) -> Iterator[str]:
    """An empty database: ``kind`` "sqlite", the file ``filename`` in ``folder``;
    "postgres", a fresh schema on the test server, dropped after (the test skips, saying
    why, without one)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / filename}"
        return
    base = postgres_base_url()
    if not base:
        pytest.skip(POSTGRES_SKIP_REASON)
    with postgres_schema(base) as url:
        yield url


# The database kinds a test runs on; the PostgreSQL one is marked.
DATABASE_KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=DATABASE_KINDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated reminders database: SQLite, and PostgreSQL (local server or
    CALCINOSI_TEST_POSTGRES_URL)."""
    with empty_database(request.param, tmp_path, "promemoria.db") as url:
        upgrade(url)
        yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()
