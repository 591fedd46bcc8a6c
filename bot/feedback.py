"""Votes on the answers ("è stata utile?"): stored as topic, vote and day, nothing else.

No sender and no text, so a vote says nothing about who gave it; votes are kept as long
as the report needs them. The table is ``feedback`` in the reminders database
(``bot.reminders.models.Feedback``, migration ``0002_feedback``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.reminders.models import VOTES, Feedback
from bot.topics import content_topics

USEFUL, NOT_USEFUL = VOTES


@dataclass(frozen=True)
class VoteCount:
    useful: int = 0
    not_useful: int = 0

    @property
    def total(self) -> int:
        return self.useful + self.not_useful


def record_vote(engine: Engine, topic: str, vote: str, day: date) -> None:
    """Stores one vote. ``day`` is the Europe/Rome date of the vote.

    Raises ``ValueError`` for a vote other than ``"utile"``/``"non_utile"``, a topic that is
    not a content topic id (``bot.topics.content_topics()``), or a datetime as ``day``.
    """
    if vote not in VOTES:
        raise ValueError(f"voto non valido: {vote!r} (utile o non_utile)")
    if topic not in content_topics():
        raise ValueError("argomento sconosciuto")
    if isinstance(day, datetime) or not isinstance(day, date):
        raise ValueError("day deve essere una data (Europe/Rome), non data e ora")
    with engine.begin() as conn:
        conn.execute(sa.insert(Feedback.__table__).values(topic=topic, vote=vote, day=day))


def vote_counts(engine: Engine, since: date, until: date) -> dict[str, VoteCount]:
    """Votes per topic for the days ``since`` to ``until`` included (none before the
    migration created the table)."""
    table = Feedback.__table__
    if not sa.inspect(engine).has_table(table.name):
        return {}
    query = (
        sa.select(table.c.topic, table.c.vote, sa.func.count())
        .where(table.c.day >= since, table.c.day <= until)
        .group_by(table.c.topic, table.c.vote)
    )
    counts: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        for topic, vote, number in conn.execute(query):
            counts.setdefault(topic, {})[vote] = int(number)
    return {
        topic: VoteCount(by_vote.get(USEFUL, 0), by_vote.get(NOT_USEFUL, 0))
        for topic, by_vote in counts.items()
    }
