"""Reminder deliveries per channel on the web page server's ``/metrics``, counted from the
reminders database (SQLite and PostgreSQL) by the real ``python -m bot web`` process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timezone

import pytest
from scrape import get_status, scrape
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot import ROOT
from bot.reminders.db import make_engine
from bot.reminders.metrics import ReminderDeliveries
from bot.reminders.models import Delivery, Subscriber
from bot.runner import is_up
from tests.conftest import free_port

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)
# deliveries per channel and state: every state, different numbers everywhere
ROWS = {
    "telegram": {"sent": 3, "failed": 1, "failed_unknown": 2, "pending": 4, "sending": 1},
    "whatsapp": {"sent": 5, "failed": 2, "claimed": 1},
    "sms": {"sent": 1, "failed_unknown": 1, "ready": 2},
    "rest": {"sent": 4, "ready": 3},
}


def seed(engine: Engine) -> None:
    with Session(engine, future=True) as session:
        for channel, states in ROWS.items():
            subscriber = Subscriber(
                channel=channel, channel_user_id=f"u-{uuid.uuid4().hex}", consent_at=NOW,
                consent_text_version="v1", created_at=NOW,
            )
            session.add(subscriber)
            session.flush()
            n = 0
            for state, count in states.items():
                for _ in range(count):
                    n += 1
                    session.add(
                        Delivery(
                            subscriber_id=subscriber.id, kind="fosfato_6m",
                            due_date=date(2027, 3, 15), notice_date=date(2027, 3, n),
                            idempotency_key=f"{subscriber.id}:{n}", state=state,
                            next_attempt_at=NOW,
                        )
                    )
        session.commit()


@pytest.fixture
def web_url(db_url: str, engine: Engine) -> Iterator[str]:
    """``python -m bot web`` on a free port, on the seeded database, with no Rasa running."""
    seed(engine)
    port = free_port()
    env = {
        **os.environ,
        "CALCINOSI_WEB_PORT": str(port),
        "CALCINOSI_RASA_PORT": str(free_port()),  # nothing listens there
        "CALCINOSI_DB_URL": db_url,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "web"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while not is_up(url + "health/live"):
            assert process.poll() is None and time.monotonic() < deadline, "web non partito"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_deliveries_per_channel_and_outcome(web_url: str) -> None:
    samples = scrape(web_url + "metrics")
    deliveries = {
        (dict(labels)["channel"], dict(labels)["state"]): value
        for (name, labels), value in samples.items()
        if name == "calcinosi_reminder_deliveries"
    }
    expected = {
        (channel, state): ROWS.get(channel, {}).get(state, 0)
        for channel in ("telegram", "whatsapp", "sms", "rest")
        for state in ("sent", "failed", "failed_unknown")
    }
    assert deliveries == expected
    assert samples[("calcinosi_reminders_db_up", ())] == 1


def test_web_page_is_live_but_not_ready_without_rasa(web_url: str) -> None:
    assert get_status(web_url + "health/live") == 200
    assert get_status(web_url + "health/ready") == 503


def test_unreadable_database_is_reported_not_raised(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'vuoto.db'}")  # no tables
    families = {family.name: family for family in ReminderDeliveries(engine).collect()}
    assert list(families) == ["calcinosi_reminders_db_up"]
    assert families["calcinosi_reminders_db_up"].samples[0].value == 0
