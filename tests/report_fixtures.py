"""Tracker databases for the retention and report tests: Rasa's own ``events`` table,
filled with events as Rasa stores them, at chosen times."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, UserUttered
from sqlalchemy.engine import Engine

from bot.feedback import record_vote
from bot.reminders.schedule import ROME
from bot.tracker_events import tracker_engine
from tests.conftest import DATABASE_KINDS, empty_database

RASA_EVENTS = SQLTrackerStore.SQLEvent.__table__
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=ROME)  # a Monday
SECRET_SENDER = "utente-riservato-4711"
PERSONAL_QUESTION = (
    "Sono Mario Rossi, posso farmi seguire dal dott. Bianchi a Careggi? "
    "Il mio numero è 333 1234567, la mia e-mail mario.rossi@example.com"
)
MASKED_QUESTION = (
    "Sono [nome] [nome], posso farmi seguire dal dott. [nome] a Careggi? "
    "Il mio numero è [telefono], la mia e-mail [email]"
)
OLD_QUESTION = "Una domanda di quattro mesi fa"
HEADINGS = [  # the report's h2, in order
    "Messaggi dell'assistente per argomento",
    "Domande non capite e richieste di chiarimento",
    "Utilità delle risposte",
    "Risposte urgenti",
    "Domande senza risposta (ultimi 90 giorni)",
]


@pytest.fixture(params=DATABASE_KINDS)
def tracker_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A tracker database with Rasa's empty ``events`` table: SQLite, and PostgreSQL (local
    server or CALCINOSI_TEST_POSTGRES_URL)."""
    with empty_database(request.param, tmp_path, "tracker.db") as url:
        create_events_table(url)
        yield url


def create_events_table(url: str) -> None:
    engine = tracker_engine(url)
    RASA_EVENTS.create(engine)
    engine.dispose()


def store(engine: Engine, sender: str, events: list[Event]) -> None:
    """The rows Rasa's SQLTrackerStore writes for these events."""
    rows = [
        {
            "sender_id": sender,
            "type_name": event.type_name,
            "timestamp": event.timestamp,
            "intent_name": event.as_dict().get("parse_data", {}).get("intent", {}).get("name"),
            "action_name": event.as_dict().get("name"),
            "data": json.dumps(event.as_dict()),
        }
        for event in events
    ]
    with engine.begin() as conn:
        conn.execute(sa.insert(RASA_EVENTS), rows)


def turn(text: str, topic: str, at: datetime) -> list[Event]:
    """One user message and the bot's answer with ``custom.topic``, from ``at`` on."""
    stamp = at.timestamp()
    return [
        UserUttered(text, {"name": "domanda", "confidence": 0.9}, timestamp=stamp),
        ActionExecuted("action_rispondi", timestamp=stamp + 1),
        BotUttered(f"risposta: {topic}", {"custom": {"topic": topic}}, timestamp=stamp + 2),
        ActionExecuted("action_listen", timestamp=stamp + 3),
    ]


def seed_conversations(engine: Engine) -> None:
    """Six weeks of conversations before NOW, plus one four months old."""
    topics = ["condizione.cos_e", "dieta.povera_fosforo", "terapia.dolore", "rete.aifosf"]
    for week in range(6):
        start = NOW - timedelta(weeks=week, days=2)
        events: list[Event] = []
        for index in range(week + 2):
            events += turn(f"domanda {index}", topics[index % len(topics)], start)
            start += timedelta(minutes=5)
        if week % 2 == 0:
            events += turn("ho la febbre alta e la ferita è rossa", "sicurezza.urgenza", start)
        events += turn("blablabla", "bot.non_capito", start + timedelta(minutes=10))
        store(engine, f"{SECRET_SENDER}-{week}", events)
    store(engine, SECRET_SENDER, turn(PERSONAL_QUESTION, "bot.non_capito", NOW - timedelta(days=3)))
    store(engine, "vecchio", turn(OLD_QUESTION, "bot.non_capito", NOW - timedelta(days=120)))


def seed_votes(engine: Engine) -> None:
    today = NOW.date()
    votes = [("condizione.cos_e", "utile")] * 5 + [("condizione.cos_e", "non_utile")] * 2
    votes += [("dieta.povera_fosforo", "utile")] * 3 + [("terapia.dolore", "non_utile")]
    for index, (topic, vote) in enumerate(votes):
        record_vote(engine, topic, vote, today - timedelta(days=index))
    record_vote(engine, "rete.aifosf", "utile", date(2025, 1, 1))  # outside the weeks shown
