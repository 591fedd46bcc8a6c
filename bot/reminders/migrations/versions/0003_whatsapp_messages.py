"""WhatsApp messages received: whatsapp_message (message key, sender key, time).

Revision ID: 0003_whatsapp_messages
Revises: 0002_feedback
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_whatsapp_messages"
down_revision = "0002_feedback"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "whatsapp_message",
        sa.Column("message_key", sa.String(64), primary_key=True),
        sa.Column("sender_key", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "ix_whatsapp_message_sender_received", "whatsapp_message", ["sender_key", "received_at"]
    )
    op.create_index("ix_whatsapp_message_received", "whatsapp_message", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_whatsapp_message_received", table_name="whatsapp_message")
    op.drop_index("ix_whatsapp_message_sender_received", table_name="whatsapp_message")
    op.drop_table("whatsapp_message")
