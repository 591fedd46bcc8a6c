"""Helpers for tests that need a reminder database (SQLite file or a PostgreSQL schema)."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.reminders.db import make_engine

POSTGRES_ENV = "CALCINOSI_TEST_POSTGRES_URL"
POSTGRES_LOCAL_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
POSTGRES_SKIP_REASON = (
    "PostgreSQL non disponibile: nessun server su 127.0.0.1:5432 e CALCINOSI_TEST_POSTGRES_URL non impostata"
)
REDIS_ENV = "CALCINOSI_TEST_REDIS_URL"
REDIS_LOCAL_URL = "redis://127.0.0.1:6379/0"
REDIS_SKIP_REASON = (
    "Redis non disponibile: nessun server su 127.0.0.1:6379 e CALCINOSI_TEST_REDIS_URL non impostata"
)


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _service_url(env: str, local_url: str, port: int) -> str | None:
    """The URL in ``env``; else the local server on its default port, when it answers."""
    if os.environ.get(env):
        return os.environ[env]
    return local_url if _answers("127.0.0.1", port) else None


def postgres_base_url() -> str | None:
    return _service_url(POSTGRES_ENV, POSTGRES_LOCAL_URL, 5432)


def redis_url() -> str | None:
    return _service_url(REDIS_ENV, REDIS_LOCAL_URL, 6379)


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'promemoria.db'}"


@contextmanager
def postgres_schema(base_url: str) -> Iterator[str]:
    """A fresh schema; yields a URL whose ``search_path`` points to it; drops it after."""
    schema = f"test_promemoria_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base_url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
