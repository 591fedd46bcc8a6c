"""Engine creation and programmatic ``alembic upgrade head``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url

from bot import ROOT

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
DEFAULT_SQLITE_PATH = ROOT / "var" / "calcinosi.db"


def default_url() -> str:
    """``CALCINOSI_DB_URL`` or ``sqlite:///<repo>/var/calcinosi.db``."""
    return os.environ.get("CALCINOSI_DB_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Every commit durable before returning: the dispatcher relies on the 'sending'
    # mark being on disk before it calls the channel (also across power loss).
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def make_engine(url: str | URL | None = None, **kwargs: Any) -> Engine:
    """A SQLAlchemy 2.0-style (``future=True``) engine.

    SQLite: creates the parent folder, turns on foreign keys (for ``ON DELETE
    CASCADE``), WAL journaling with ``synchronous=FULL``, and waits up to 30 s on locks.
    Bound parameters (which may contain user ids) never appear in error messages.
    """
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url or default_url())
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        file_based = bool(database) and database != ":memory:" and not database.startswith("file:")
        if file_based:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {}).setdefault("timeout", 30)
        engine = create_engine(parsed, future=True, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        if file_based:
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, future=True, **kwargs)


def alembic_config(engine_or_url: Engine | str | URL | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if engine_or_url is not None and not isinstance(engine_or_url, Engine):
        cfg.attributes["url"] = engine_or_url
    return cfg


def upgrade(url: str | URL | Engine | None = None, revision: str = "head") -> None:
    """Run ``alembic upgrade <revision>`` on ``url`` (or an engine)."""
    from alembic import command

    engine = url if isinstance(url, Engine) else make_engine(url)
    try:
        with engine.begin() as connection:
            cfg = alembic_config()
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
    finally:
        if not isinstance(url, Engine):
            engine.dispose()
