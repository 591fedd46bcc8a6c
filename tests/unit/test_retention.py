"""Conversations older than the retention period are purged, whole; nothing else is.

Fixed clocks, on SQLite and PostgreSQL (CALCINOSI_TEST_POSTGRES_URL); the dispatcher's
daily purge with a fake clock.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.shared.core.events import Event, SessionStarted
from sqlalchemy.engine import Engine

from bot.__main__ import main
from bot.reminders.cli import daily_purge
from bot.reminders.config import ReminderConfig
from bot.reminders.dispatcher import Dispatcher, RunCounts
from bot.reminders.senders import WebSender
from bot.retention import DailyPurge, PurgeResult, cutoff, purge_conversations, purge_url
from bot.settings import load_settings
from bot.tracker_events import EVENTS, tracker_engine
from tests.report_fixtures import RASA_EVENTS, store, tracker_url, turn

__all__ = ["tracker_url"]  # the fixture

UTC = timezone.utc
NOW = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
CUTOFF = NOW - timedelta(days=90)


def conversation(last: datetime) -> list[Event]:
    """A session start and one turn; the turn's last event is exactly at ``last``."""
    start = last - timedelta(seconds=3)
    return [SessionStarted(timestamp=start.timestamp() - 1), *turn("ciao", "bot.saluto", start)]


def counts(engine: Engine) -> dict[str, int]:
    query = sa.select(EVENTS.c.sender_id, sa.func.count()).group_by(EVENTS.c.sender_id)
    with engine.connect() as conn:
        return {sender: int(number) for sender, number in conn.execute(query)}


@pytest.fixture
def tracker(tracker_url: str) -> Engine:
    engine = tracker_engine(tracker_url)
    yield engine
    engine.dispose()


def test_the_table_has_the_columns_of_rasas_table() -> None:
    def shape(table: sa.Table) -> list[tuple[str, str, bool, bool]]:
        return [(c.name, repr(c.type), c.nullable, c.primary_key) for c in table.columns]

    assert shape(EVENTS) == shape(RASA_EVENTS)
    assert EVENTS.name == RASA_EVENTS.name


def test_old_conversations_go_newer_ones_stay_whole(tracker: Engine) -> None:
    store(tracker, "vecchia", conversation(CUTOFF - timedelta(days=10)))
    store(tracker, "appena-prima", conversation(CUTOFF - timedelta(seconds=1)))
    store(tracker, "al-limite", conversation(CUTOFF))  # last event exactly at the cutoff
    store(tracker, "recente", conversation(NOW - timedelta(days=1)))
    long_one = conversation(CUTOFF - timedelta(days=30)) + conversation(CUTOFF + timedelta(days=2))
    store(tracker, "lunga", long_one)
    before = counts(tracker)

    result = purge_conversations(tracker, NOW, 90)

    assert result == PurgeResult(conversations=2, events=before["vecchia"] * 2)
    assert counts(tracker) == {
        "al-limite": before["al-limite"],
        "recente": before["recente"],
        "lunga": len(long_one),
    }
    assert purge_conversations(tracker, NOW, 90) == PurgeResult()


def test_the_boundary_moves_with_the_clock_and_the_days(tracker: Engine) -> None:
    store(tracker, "al-limite", conversation(CUTOFF))
    assert purge_conversations(tracker, NOW, 90).conversations == 0
    assert purge_conversations(tracker, NOW + timedelta(microseconds=1), 90).conversations == 1

    store(tracker, "settimana-scorsa", conversation(NOW - timedelta(days=7)))
    assert purge_conversations(tracker, NOW, 8).conversations == 0
    assert purge_conversations(tracker, NOW, 7).conversations == 0  # exactly 7 days: kept
    assert purge_conversations(tracker, NOW, 6).conversations == 1


def test_in_batches(tracker: Engine) -> None:
    for index in range(7):
        store(tracker, f"vecchia-{index}", conversation(CUTOFF - timedelta(days=index + 1)))
    store(tracker, "recente", conversation(NOW))

    result = purge_conversations(tracker, NOW, 90, batch_size=2)

    assert result.conversations == 7
    assert list(counts(tracker)) == ["recente"]


def test_a_message_arriving_during_the_purge_stays(tracker: Engine, tracker_url: str) -> None:
    store(tracker, "ritorna", conversation(CUTOFF - timedelta(days=1)))
    other = tracker_engine(tracker_url)  # the Rasa server, writing between select and delete

    def new_message(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("DELETE"):
            store(other, "ritorna", turn("sono tornato", "bot.saluto", NOW))

    sa.event.listen(tracker, "before_cursor_execute", new_message)
    purge_conversations(tracker, NOW, 90)
    sa.event.remove(tracker, "before_cursor_execute", new_message)
    other.dispose()
    assert counts(tracker) == {"ritorna": 4}


def test_events_without_timestamp_go_with_their_conversation(tracker: Engine) -> None:
    store(tracker, "vecchia", conversation(CUTOFF - timedelta(days=1)))
    with tracker.begin() as conn:
        conn.execute(sa.insert(EVENTS).values(sender_id="vecchia", type_name="slot", data="{}"))
    assert purge_conversations(tracker, NOW, 90) == PurgeResult(1, 6)
    assert counts(tracker) == {}


def test_no_tracker_database_yet(tmp_path: Path) -> None:
    missing = tmp_path / "nessuno.db"
    assert purge_url(f"sqlite:///{missing}", NOW, 90) == PurgeResult()
    assert not missing.exists()


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        cutoff(NOW, 0)
    with pytest.raises(ValueError):
        cutoff(NOW.replace(tzinfo=None), 90)


# -- command line and settings ----------------------------------------------------------


@pytest.fixture
def sqlite_tracker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    monkeypatch.setenv("CALCINOSI_TRACKER_URL", url)
    monkeypatch.delenv("CALCINOSI_RETENTION_DAYS", raising=False)
    engine = tracker_engine(url)
    RASA_EVENTS.create(engine)
    yield engine
    engine.dispose()


def test_privacy_purge_prints_counts_only(
    sqlite_tracker: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    store(sqlite_tracker, "utente-segreto", conversation(datetime(2026, 11, 1, tzinfo=UTC)))
    store(sqlite_tracker, "utente-attivo", conversation(datetime(2027, 2, 20, tzinfo=UTC)))

    assert main(["privacy", "purge", "--now", "2027-03-01T10:00"]) == 0
    out = capsys.readouterr().out
    assert "Conversazioni cancellate: 1; eventi cancellati: 5." in out
    assert "01/12/2026 10:00" in out  # 90 days before, Europe/Rome
    assert "utente" not in out and "ciao" not in out

    assert main(["privacy", "purge", "--now", "2027-03-01T10:00", "--days", "5"]) == 0
    assert "Conversazioni cancellate: 1;" in capsys.readouterr().out
    assert counts(sqlite_tracker) == {}


def test_privacy_purge_bad_input(
    sqlite_tracker: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["privacy", "purge", "--now", "ieri"]) == 2
    assert "data e ora non valide" in capsys.readouterr().err
    assert main(["privacy", "purge", "--days", "0"]) == 2


def test_retention_days_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CALCINOSI_RETENTION_DAYS", raising=False)
    assert load_settings().retention_days == 90
    monkeypatch.setenv("CALCINOSI_RETENTION_DAYS", "30")
    monkeypatch.setenv("CALCINOSI_TRACKER_URL", "sqlite:////tmp/altro.db")
    purge = daily_purge()
    assert (purge.url, purge.days) == ("sqlite:////tmp/altro.db", 30)
    for bad in ("0", "-3", "novanta"):
        monkeypatch.setenv("CALCINOSI_RETENTION_DAYS", bad)
        with pytest.raises(ValueError, match="CALCINOSI_RETENTION_DAYS"):
            load_settings()


# -- the dispatcher's daily purge -------------------------------------------------------


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_dispatcher_purges_at_most_once_a_day(
    engine: Engine, tracker_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    tracker = tracker_engine(tracker_url)
    clock = FakeClock(NOW)
    dispatcher = Dispatcher(
        engine, {"rest": WebSender()}, worker_id="test", clock=clock, config=ReminderConfig(),
        daily=DailyPurge(tracker_url, 90),
    )
    store(tracker, "prima", conversation(CUTOFF - timedelta(days=1)))
    caplog.set_level(logging.INFO, logger="bot.retention")

    assert isinstance(dispatcher.run_once(), RunCounts)
    assert counts(tracker) == {}
    assert "cancellate 1 conversazioni (5 eventi)" in caplog.text
    assert "prima" not in caplog.text

    store(tracker, "seconda", conversation(CUTOFF - timedelta(days=1)))
    for later in (timedelta(minutes=1), timedelta(hours=12), timedelta(hours=23, minutes=59)):
        clock.now = NOW + later
        dispatcher.run_once()
        assert list(counts(tracker)) == ["seconda"]

    clock.now = NOW + timedelta(hours=24)
    dispatcher.run_once()
    assert counts(tracker) == {}
    tracker.dispose()


def test_a_failing_purge_does_not_stop_the_reminders(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[datetime] = []

    def broken(now: datetime) -> None:
        calls.append(now)
        raise RuntimeError("database assente")

    dispatcher = Dispatcher(
        engine, {"rest": WebSender()}, worker_id="test", clock=FakeClock(NOW),
        config=ReminderConfig(), daily=broken,
    )
    assert isinstance(dispatcher.run_once(), RunCounts)
    assert calls == [NOW]
    assert "lavoro giornaliero non riuscito" in caplog.text


def test_daily_purge_on_its_own_clock(tmp_path: Path) -> None:
    purge = DailyPurge(f"sqlite:///{tmp_path / 'assente.db'}", 90)
    assert purge(NOW) == PurgeResult()
    assert purge(NOW + timedelta(hours=23)) is None
    assert not purge.due(NOW + timedelta(hours=23, minutes=59, seconds=59))
    assert purge(NOW + timedelta(days=1)) == PurgeResult()
