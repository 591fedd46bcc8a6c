"""What the staff report counts, read from the tracker store's ``events`` table.

Bot messages are counted by their ``custom.topic``; weeks start on Monday, Europe/Rome.
An *unanswered question* is a user text whose next bot message in the same conversation
had the topic ``bot.non_capito``; its text is masked (:mod:`bot.masking`) as soon as it
is read. Sender ids are only used to follow a conversation and never leave this module.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.masking import mask_personal_data
from bot.reminders.schedule import ROME
from bot.tracker_events import EVENTS, has_events

FALLBACK: Final = "bot.non_capito"
# A clarifying question ("Intendi il calcio nel cibo o lo sport?") is a bot.non_capito
# message with custom.chiarimento (bot/answers.py); the report counts it under this label.
CLARIFICATION: Final = "bot.chiarimento"
URGENT: Final = "sicurezza.urgenza"


@dataclass(frozen=True)
class Message:
    sender: str
    from_user: bool
    at: datetime  # Europe/Rome
    topic: str | None  # bot messages
    text: str  # user messages


@dataclass(frozen=True)
class Unanswered:
    text: str  # masked
    times: int
    last_day: date


@dataclass
class Activity:
    weeks: list[date]  # Mondays, oldest first
    questions: Counter[date] = field(default_factory=Counter)  # user messages per week
    topics: dict[str, Counter[date]] = field(default_factory=dict)  # bot messages
    unanswered: list[Unanswered] = field(default_factory=list)  # most frequent first

    def per_week(self, topic: str) -> list[int]:
        counts = self.topics.get(topic, Counter())
        return [counts[week] for week in self.weeks]


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def last_weeks(now: datetime, weeks: int) -> list[date]:
    """The Mondays of the ``weeks`` weeks ending with the week of ``now``, oldest first."""
    if weeks < 1:
        raise ValueError("le settimane devono essere almeno 1")
    current = monday(now.astimezone(ROME).date())
    return [current - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]


def week_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=ROME)


def bot_topic(data: dict[str, Any]) -> str | None:
    """The topic a bot message (its event ``data``) is counted under: ``custom.topic``, or
    :data:`CLARIFICATION` for a clarifying question. Also the Rasa server's metrics
    (bot/rasa_metrics.py)."""
    custom = data.get("custom")
    if not isinstance(custom, dict):
        return None
    topic = CLARIFICATION if custom.get("chiarimento") else custom.get("topic")
    return topic if isinstance(topic, str) else None


def _message(sender: str, type_name: str, timestamp: float, raw: str | None) -> Message:
    data: dict[str, Any] = json.loads(raw or "{}")
    return Message(
        sender=sender,
        from_user=type_name == "user",
        at=datetime.fromtimestamp(timestamp, ROME),
        topic=bot_topic(data.get("data") or {}),
        text=str(data.get("text") or ""),
    )


def read_messages(engine: Engine, since: datetime) -> Iterator[Message]:
    """User and bot messages from ``since`` on, conversation by conversation, in order."""
    if not has_events(engine):
        return
    query = (
        sa.select(EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
        .where(EVENTS.c.type_name.in_(("user", "bot")), EVENTS.c.timestamp >= since.timestamp())
        .order_by(EVENTS.c.sender_id, EVENTS.c.id)
    )
    with engine.connect() as conn:
        for row in conn.execution_options(stream_results=True).execute(query):
            yield _message(*row)


def _unanswered(questions: list[tuple[date, str]]) -> list[Unanswered]:
    times = Counter(text for _, text in questions)
    last: dict[str, date] = {}
    for day, text in questions:
        last[text] = max(day, last.get(text, day))
    ordered = sorted(times, key=lambda text: (-times[text], -last[text].toordinal(), text))
    return [Unanswered(text, times[text], last[text]) for text in ordered]


def _asked(question: Message | None, since: datetime) -> bool:
    return question is not None and question.at >= since and bool(question.text.strip())


def summarise(
    messages: Iterable[Message], weeks: list[date], questions_since: datetime
) -> Activity:
    """Counts per week, and the unanswered questions asked from ``questions_since`` on."""
    activity = Activity(weeks)
    in_window = set(weeks)
    waiting: dict[str, Message] = {}  # per conversation: the user text before the next bot one
    unanswered: list[tuple[date, str]] = []
    for message in messages:
        week = monday(message.at.date())
        if message.from_user:
            waiting[message.sender] = message
            if week in in_window:
                activity.questions[week] += 1
            continue
        question = waiting.pop(message.sender, None)
        if message.topic == FALLBACK and _asked(question, questions_since):
            unanswered.append((question.at.date(), mask_personal_data(question.text)))
        if message.topic and week in in_window:
            activity.topics.setdefault(message.topic, Counter())[week] += 1
    activity.unanswered = _unanswered(unanswered)
    return activity
