"""Reminder tables: subscriber, schedule, delivery.

Revision ID: 0001_reminder_tables
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_reminder_tables"
down_revision = None
branch_labels = None
depends_on = None

STATES = ("pending", "claimed", "sending", "sent", "ready", "failed", "failed_unknown")


def upgrade() -> None:
    op.create_table(
        "subscriber",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("channel_user_id", sa.String(128), nullable=False),
        sa.Column("consent_at", sa.DateTime(), nullable=False),
        sa.Column("consent_text_version", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("channel", "channel_user_id", name="uq_subscriber_channel_user"),
    )
    op.create_table(
        "schedule",
        sa.Column(
            "subscriber_id",
            sa.Integer(),
            sa.ForeignKey("subscriber.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("last_done", sa.Date(), nullable=False),
        sa.Column("next_due", sa.Date(), nullable=False),
    )
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "subscriber_id",
            sa.Integer(),
            sa.ForeignKey("subscriber.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("notice_date", sa.Date(), nullable=False),
        sa.Column("idempotency_key", sa.String(120), nullable=False, unique=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(100), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("last_error_code", sa.String(32), nullable=True),
        sa.CheckConstraint(
            "state IN (" + ", ".join(f"'{s}'" for s in STATES) + ")", name="ck_delivery_state"
        ),
    )
    op.create_index("ix_delivery_subscriber_id", "delivery", ["subscriber_id"])
    op.create_index("ix_delivery_state_next_attempt", "delivery", ["state", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_delivery_state_next_attempt", table_name="delivery")
    op.drop_index("ix_delivery_subscriber_id", table_name="delivery")
    op.drop_table("delivery")
    op.drop_table("schedule")
    op.drop_table("subscriber")
