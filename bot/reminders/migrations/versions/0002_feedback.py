"""Answer votes: feedback (topic, vote, day).

Revision ID: 0002_feedback
Revises: 0001_reminder_tables
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_feedback"
down_revision = "0001_reminder_tables"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("vote", sa.String(16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.CheckConstraint("vote IN ('utile', 'non_utile')", name="ck_feedback_vote"),
    )
    op.create_index("ix_feedback_day", "feedback", ["day"])


def downgrade() -> None:
    op.drop_index("ix_feedback_day", table_name="feedback")
    op.drop_table("feedback")
