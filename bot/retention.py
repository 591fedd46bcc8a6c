"""Retention of conversations: what the tracker store keeps, and for how long.

A conversation (every event of one ``sender_id``) is deleted when its *last* event is
older than ``CALCINOSI_RETENTION_DAYS`` days (default 90, the period the privacy text
states). A conversation with any event at or after the cutoff is kept whole.

Why 90 days: long enough for the clinic staff to review, once a quarter, the questions the
assistant did not understand (``python -m bot report``); short enough to keep little
about anyone. Reminder data is not touched here: it lives as long as the subscription.

How: plain SQLAlchemy Core on the ``events`` table (:mod:`bot.tracker_events`), in
batches of conversations, one short transaction per batch, so the Rasa server keeps
writing meanwhile; only events before the cutoff are deleted, so a message that arrives
while its conversation is being purged is kept (as the start of a new conversation).
``python -m bot privacy purge`` runs it once; the reminder dispatcher runs it once a day
(:class:`DailyPurge`). Logs and output carry counts only.

The running Rasa server keeps recent conversations in an in-memory cache
(``bot/tracker_store.py``). That cache is bounded (``cache_size`` conversations, least
recently used out first) and per process: the purge cannot reach it. A purged
conversation has had no message for 90 days, so it is normally no longer cached; on a
quiet server (fewer conversations than ``cache_size`` in 90 days) it stays in that
process's memory until it is pushed out or the server restarts, and if its user comes
back the server goes on from the cached state.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.reminders.schedule import ROME
from bot.settings import load_settings
from bot.tracker_events import EVENTS, has_events, tracker_engine

log = logging.getLogger(__name__)

BATCH_SIZE: Final = 500  # conversations per transaction
PERIOD: Final = timedelta(hours=24)


@dataclass(frozen=True)
class PurgeResult:
    conversations: int = 0
    events: int = 0

    def summary_it(self) -> str:
        return (
            f"Conversazioni cancellate: {self.conversations}; "
            f"eventi cancellati: {self.events}."
        )


def cutoff(now: datetime, days: int) -> datetime:
    """The oldest moment kept: conversations whose last event is before it are deleted."""
    if now.tzinfo is None:
        raise ValueError("now deve avere un fuso orario")
    if days < 1:
        raise ValueError("i giorni di conservazione devono essere almeno 1")
    return now - timedelta(days=days)


def _expired(limit: float, batch_size: int) -> sa.sql.Select:
    return (
        sa.select(EVENTS.c.sender_id)
        .group_by(EVENTS.c.sender_id)
        .having(sa.func.max(EVENTS.c.timestamp) < limit)
        .limit(batch_size)
    )


def _delete_before(senders: list[str], limit: float) -> sa.sql.Delete:
    """Their events before the cutoff: all of them, unless a message arrived meanwhile."""
    old = sa.or_(EVENTS.c.timestamp < limit, EVENTS.c.timestamp.is_(None))
    return sa.delete(EVENTS).where(EVENTS.c.sender_id.in_(senders), old)


def purge_conversations(
    engine: Engine, now: datetime, days: int, batch_size: int = BATCH_SIZE
) -> PurgeResult:
    """Deletes every event of the conversations whose last event is older than the cutoff."""
    limit = cutoff(now, days).timestamp()
    if not has_events(engine):
        return PurgeResult()
    conversations = events = 0
    while True:
        with engine.begin() as conn:
            senders = conn.execute(_expired(limit, batch_size)).scalars().all()
            if not senders:
                return PurgeResult(conversations, events)
            deleted = conn.execute(_delete_before(senders, limit))
        conversations += len(senders)
        events += deleted.rowcount


def purge_url(url: str, now: datetime, days: int) -> PurgeResult:
    """:func:`purge_conversations` on the tracker database at ``url``."""
    engine = tracker_engine(url)
    try:
        return purge_conversations(engine, now, days)
    finally:
        engine.dispose()


class DailyPurge:
    """The purge at most once every 24 hours in this process; each call is a cheap check.

    The first call runs it. A failed purge is not retried before the next period.
    """

    def __init__(self, url: str, days: int) -> None:
        self.url = url
        self.days = days
        self._last: datetime | None = None

    def due(self, now: datetime) -> bool:
        return self._last is None or now - self._last >= PERIOD

    def __call__(self, now: datetime) -> PurgeResult | None:
        if not self.due(now):
            return None
        self._last = now
        result = purge_url(self.url, now, self.days)
        log.info(
            "conservazione %d giorni: cancellate %d conversazioni (%d eventi)",
            self.days,
            result.conversations,
            result.events,
        )
        return result


def parse_moment(raw: str) -> datetime:
    """An ISO date and time; without a time zone it is Europe/Rome local time."""
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"data e ora non valide: {raw!r} (esempio: 2027-03-01T10:00)") from None
    return value if value.tzinfo else value.replace(tzinfo=ROME)


def purge_command(days: int | None, now: str | None) -> int:
    """``python -m bot privacy purge [--days N] [--now ISO]``: one purge, prints the counts."""
    try:
        settings = load_settings()
        days = settings.retention_days if days is None else days
        moment = parse_moment(now) if now else datetime.now(ROME)
        result = purge_url(settings.tracker_url, moment, days)
    except ValueError as err:
        print(f"Errore: {err}", file=sys.stderr)
        return 2
    kept = cutoff(moment, days).astimezone(ROME).strftime("%d/%m/%Y %H:%M")
    print(result.summary_it())
    print(f"Restano le conversazioni con almeno un messaggio dal {kept} in poi.")
    return 0
