"""The ``events`` table of Rasa's SQL tracker store, for tools that read or purge it.

The columns are those of ``rasa.core.tracker_store.SQLTrackerStore.SQLEvent`` (checked by
``tests/unit/test_retention.py``), declared here so that the purge and the report run on
any SQLAlchemy URL without importing Rasa. The table itself is created by Rasa.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

EVENTS: Final = sa.Table(
    "events",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)


def tracker_engine(url: str) -> Engine:
    """An engine on the tracker database; bound values (user ids) never appear in errors.

    SQLite waits up to 30 s for the Rasa server's write lock.
    """
    parsed = make_url(url)
    connect_args = {"timeout": 30} if parsed.get_backend_name() == "sqlite" else {}
    return sa.create_engine(parsed, future=True, hide_parameters=True, connect_args=connect_args)


def has_events(engine: Engine) -> bool:
    """True when the database exists and holds the ``events`` table (Rasa creates it)."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        if not Path(url.database).exists():
            return False  # do not create an empty file
    return sa.inspect(engine).has_table(EVENTS.name)
