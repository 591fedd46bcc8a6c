"""SMS subscriptions: subscriber.linked_to_id (the web subscriber an SMS number belongs to).

Revision ID: 0004_sms_link
Revises: 0003_whatsapp_messages
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0004_sms_link"
down_revision = "0003_whatsapp_messages"
branch_labels = None
depends_on = None

INDEX_NAME = "ix_subscriber_linked_to_id"
INLINE = "linked_to_id INTEGER REFERENCES subscriber (id) ON DELETE CASCADE"
TABLE_LEVEL = "FOREIGN KEY(linked_to_id) REFERENCES subscriber (id) ON DELETE CASCADE"
PLAIN = "linked_to_id INTEGER"
CONSTRAINT = f", \n\t{TABLE_LEVEL}\n)"


def upgrade() -> None:
    # A nullable column with a REFERENCES clause: one statement on SQLite and PostgreSQL.
    # (A batch rebuild on SQLite would drop the table: with foreign keys on, that
    # cascades to every schedule and delivery.)
    op.execute(f"ALTER TABLE subscriber ADD COLUMN {INLINE}")
    if op.get_bind().dialect.name == "sqlite":
        # The same foreign key as a table constraint: the form SQLAlchemy creates and
        # reflects with its ON DELETE.
        _sqlite_subscriber_sql(lambda sql: sql.replace(INLINE, PLAIN)[:-1].rstrip() + CONSTRAINT)
    op.create_index(INDEX_NAME, "subscriber", ["linked_to_id"])


def downgrade() -> None:
    op.drop_index(INDEX_NAME, table_name="subscriber")
    if op.get_bind().dialect.name == "sqlite":  # DROP COLUMN refuses a table constraint
        _sqlite_subscriber_sql(lambda sql: sql.replace(CONSTRAINT, ")").replace(PLAIN, INLINE))
    op.execute("ALTER TABLE subscriber DROP COLUMN linked_to_id")  # and its foreign key


def _sqlite_subscriber_sql(change: Callable[[str], str]) -> None:
    """Rewrite the CREATE TABLE text of subscriber, the stored rows untouched (SQLite's
    documented procedure: writable_schema, schema_version + 1, integrity check)."""
    bind = op.get_bind()
    sql = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'subscriber'")
    ).scalar_one()
    new_sql = change(sql)
    if new_sql == sql or (INLINE in new_sql) == (TABLE_LEVEL in new_sql):
        raise RuntimeError("tabella subscriber inattesa: migrazione 0004 interrotta")
    version = bind.execute(sa.text("PRAGMA schema_version")).scalar_one()
    bind.execute(sa.text("PRAGMA writable_schema = ON"))
    bind.execute(
        sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'subscriber'"),
        {"sql": new_sql},
    )
    bind.execute(sa.text(f"PRAGMA schema_version = {int(version) + 1}"))
    bind.execute(sa.text("PRAGMA writable_schema = OFF"))
    problems = bind.execute(sa.text("PRAGMA integrity_check")).scalars().all()
    if problems != ["ok"]:
        raise RuntimeError("verifica di integrità non riuscita: migrazione 0004 interrotta")
