"""Tables of the reminders (and the answer votes). No names, no message text.

Datetimes are stored as naive UTC (``UTCDateTime``) and come back aware (UTC).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Final

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base
from sqlalchemy.types import TypeDecorator

VERSION_TABLE: Final = "reminders_alembic_version"

# Delivery states (see bot.reminders.dispatcher for the state machine).
PENDING: Final = "pending"  # waiting for next_attempt_at
CLAIMED: Final = "claimed"  # taken by a dispatcher (claimed_by); nothing sent yet
SENDING: Final = "sending"  # committed just before the network call
SENT: Final = "sent"  # delivered (or shown to a web user)
READY: Final = "ready"  # web channels: waiting to be shown when the user comes back
FAILED: Final = "failed"  # permanent error or too many attempts: not delivered
FAILED_UNKNOWN: Final = "failed_unknown"  # interrupted while sending: maybe delivered
STATES: Final = (PENDING, CLAIMED, SENDING, SENT, READY, FAILED, FAILED_UNKNOWN)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; naive UTC in the database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("datetime senza fuso orario")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


Base = declarative_base()


class Subscriber(Base):
    __tablename__ = "subscriber"
    __table_args__ = (
        UniqueConstraint("channel", "channel_user_id", name="uq_subscriber_channel_user"),
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    channel = Column(String(32), nullable=False)
    channel_user_id = Column(String(128), nullable=False)
    consent_at = Column(UTCDateTime(), nullable=False)
    consent_text_version = Column(String(32), nullable=False)
    created_at = Column(UTCDateTime(), nullable=False)
    # An SMS subscription (channel "sms", the E.164 number) belongs to a web subscriber:
    # deleted with it (migration 0004).
    linked_to_id = Column(
        Integer,
        ForeignKey("subscriber.id", ondelete="CASCADE"),
        nullable=True,
        index=True,
    )


class Schedule(Base):
    __tablename__ = "schedule"

    subscriber_id = Column(
        Integer, ForeignKey("subscriber.id", ondelete="CASCADE"), primary_key=True
    )
    kind = Column(String(32), primary_key=True)
    last_done = Column(Date, nullable=False)
    next_due = Column(Date, nullable=False)


class Delivery(Base):
    __tablename__ = "delivery"
    __table_args__ = (
        CheckConstraint(
            "state IN (" + ", ".join(f"'{s}'" for s in STATES) + ")", name="ck_delivery_state"
        ),
        Index("ix_delivery_state_next_attempt", "state", "next_attempt_at"),
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    subscriber_id = Column(
        Integer, ForeignKey("subscriber.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind = Column(String(32), nullable=False)
    due_date = Column(Date, nullable=False)
    notice_date = Column(Date, nullable=False)
    idempotency_key = Column(String(120), nullable=False, unique=True)
    state = Column(String(16), nullable=False, default=PENDING)
    attempts = Column(Integer, nullable=False, default=0)
    claimed_at = Column(UTCDateTime(), nullable=True)
    claimed_by = Column(String(100), nullable=True)
    next_attempt_at = Column(UTCDateTime(), nullable=False)
    sent_at = Column(UTCDateTime(), nullable=True)
    last_error_code = Column(String(32), nullable=True)


def idempotency_key(subscriber_id: int, kind: str, due: Any, notice: Any) -> str:
    return f"{subscriber_id}:{kind}:{due.isoformat()}:{notice.isoformat()}"


def kind_and_due(key: str) -> tuple[str, date]:
    """The reminder kind and due date of an :func:`idempotency_key` (senders that need
    them, e.g. WhatsApp templates, get only the key)."""
    _, kind, due, _ = key.split(":")
    return kind, date.fromisoformat(due)


VOTES: Final = ("utile", "non_utile")


class Feedback(Base):
    """One "was this answer useful?" vote: the topic, the vote and the day (Europe/Rome).

    Nothing else: no sender, no text, no time of day (bot/feedback.py).
    """

    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint(
            "vote IN (" + ", ".join(f"'{v}'" for v in VOTES) + ")", name="ck_feedback_vote"
        ),
        Index("ix_feedback_day", "day"),
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    topic = Column(String(64), nullable=False)
    vote = Column(String(16), nullable=False)
    day = Column(Date, nullable=False)


class WhatsAppMessage(Base):
    """One WhatsApp message received: answered once even when Meta delivers it again; the
    last one of a user opens the 24-hour window for free text (bot/whatsapp/inbound_log.py).

    No text. The message id and the sender are keyed hashes (HMAC with the app secret):
    message ids embed the phone number. Rows older than 7 days are purged on insert.
    """

    __tablename__ = "whatsapp_message"
    __table_args__ = (
        Index("ix_whatsapp_message_sender_received", "sender_key", "received_at"),
        Index("ix_whatsapp_message_received", "received_at"),
    )

    message_key = Column(String(64), primary_key=True)
    sender_key = Column(String(64), nullable=False)
    received_at = Column(UTCDateTime(), nullable=False)
