"""Alembic environment of the reminder tables.

The caller passes either ``config.attributes["connection"]`` (what
``bot.reminders.db.upgrade`` does) or ``config.attributes["url"]``; otherwise
the URL comes from ``sqlalchemy.url`` or ``CALCINOSI_DB_URL``.
"""

from __future__ import annotations

from alembic import context

from bot.reminders.db import default_url, make_engine
from bot.reminders.models import VERSION_TABLE, Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return str(config.attributes.get("url") or config.get_main_option("sqlalchemy.url") or default_url())


def _configure(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.begin() as conn:
            _configure(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
