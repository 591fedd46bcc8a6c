"""Helpers for tests that need a reminder database (SQLite file or a PostgreSQL schema)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.reminders.db import make_engine

POSTGRES_ENV = "CALCINOSI_TEST_POSTGRES_URL"
POSTGRES_SKIP_REASON = "PostgreSQL non disponibile: imposta CALCINOSI_TEST_POSTGRES_URL"


def postgres_base_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


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
