"""ReminderStore on SQLite and PostgreSQL: subscription, schedule, notices, privacy, iCalendar."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.reminders.config import ReminderConfig
from bot.reminders.db import default_url, make_engine, upgrade
from bot.reminders.models import VERSION_TABLE, Base, Delivery, Schedule, Subscriber
from bot.reminders.schedule import ROME
from bot.reminders.store import NotSubscribedError, ReminderStore

CONFIG = ReminderConfig()
NOW = datetime(2027, 3, 1, 10, 0, tzinfo=ROME)  # Monday 1 March 2027, 10:00 in Rome
CHAT = "555123"


@pytest.fixture
def store(engine: Engine) -> ReminderStore:
    return ReminderStore(engine, CONFIG, clock=lambda: NOW)


def deliveries(engine: Engine) -> list[Delivery]:
    with Session(engine, future=True) as session:
        return list(
            session.execute(select(Delivery).order_by(Delivery.kind, Delivery.notice_date)).scalars()
        )


def count(engine: Engine, model: type) -> int:
    with Session(engine, future=True) as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


# -- database ---------------------------------------------------------------------


def test_migrations_match_the_models(db_url: str, engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    upgrade(db_url)  # idempotent
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "version_table": VERSION_TABLE}
        )
        assert compare_metadata(context, Base.metadata) == []
        assert context.get_current_revision() == "0004_sms_link"


def test_unique_subscriber_per_channel(engine: Engine) -> None:
    with Session(engine, future=True) as session:
        for _ in range(2):
            session.add(
                Subscriber(
                    channel="telegram",
                    channel_user_id=CHAT,
                    consent_at=NOW,
                    consent_text_version="v1",
                    created_at=NOW,
                )
            )
        with pytest.raises(IntegrityError):
            session.commit()


def test_default_url_and_engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CALCINOSI_DB_URL", raising=False)
    assert default_url().startswith("sqlite:///")
    assert default_url().endswith("/var/calcinosi.db")
    target = tmp_path / "nuova" / "cartella" / "promemoria.db"
    monkeypatch.setenv("CALCINOSI_DB_URL", f"sqlite:///{target}")
    assert default_url() == f"sqlite:///{target}"
    engine = make_engine()
    assert target.parent.is_dir()
    upgrade()
    assert ReminderStore(engine, CONFIG).next_due("telegram", CHAT) == {}
    engine.dispose()


# -- subscription and schedule ------------------------------------------------------


def test_subscribe_is_idempotent(store: ReminderStore, engine: Engine) -> None:
    assert not store.is_subscribed("telegram", CHAT)
    assert store.subscribe("telegram", CHAT, "v1", NOW) is True
    assert store.subscribe("telegram", int(CHAT), "v2", NOW + timedelta(days=1)) is False
    assert store.is_subscribed("telegram", CHAT)
    assert not store.is_subscribed("rest", CHAT)
    with Session(engine, future=True) as session:
        sub = session.execute(select(Subscriber)).scalar_one()
        assert sub.consent_text_version == "v2"
        assert sub.created_at == NOW
        assert sub.consent_at == NOW + timedelta(days=1)


def test_set_last_done_plans_two_notices(store: ReminderStore, engine: Engine) -> None:
    store.subscribe("telegram", CHAT, "v1", NOW)
    due = store.set_last_done("telegram", CHAT, "fosfato_6m", date(2026, 9, 15), now=NOW)
    assert due == date(2027, 3, 15)
    assert store.next_due("telegram", CHAT) == {"fosfato_6m": date(2027, 3, 15)}
    rows = deliveries(engine)
    assert [(r.notice_date, r.due_date, r.state) for r in rows] == [
        (date(2027, 3, 1), date(2027, 3, 15), "pending"),
        (date(2027, 3, 15), date(2027, 3, 15), "pending"),
    ]
    sub_id = rows[0].subscriber_id
    assert rows[0].idempotency_key == f"{sub_id}:fosfato_6m:2027-03-15:2027-03-01"
    # first notice is today: at once (inside the window); second at 09:00 Rome on the due day
    assert rows[0].next_attempt_at == NOW
    assert rows[1].next_attempt_at == datetime(2027, 3, 15, 9, tzinfo=ROME)
    assert rows[1].next_attempt_at.tzinfo is not None


def test_end_of_month_due_date(store: ReminderStore) -> None:
    store.subscribe("telegram", CHAT, "v1", NOW)
    assert store.set_last_done("telegram", CHAT, "fosfato_6m", date(2026, 8, 31), NOW) == date(
        2027, 2, 28
    )
    assert store.set_last_done("telegram", CHAT, "completo_12m", date(2026, 8, 31), NOW) == date(
        2027, 8, 31
    )
    assert list(store.next_due("telegram", CHAT)) == ["fosfato_6m", "completo_12m"]


def test_overdue_tests_get_one_notice_not_a_burst(store: ReminderStore, engine: Engine) -> None:
    store.subscribe("telegram", CHAT, "v1", NOW)
    store.set_last_done("telegram", CHAT, "completo_12m", date(2025, 6, 1), NOW)  # due 1/6/2026
    rows = deliveries(engine)
    assert len(rows) == 1
    assert rows[0].notice_date == date(2026, 6, 1)
    assert rows[0].next_attempt_at == NOW


def test_changing_the_date_replans_pending_notices(store: ReminderStore, engine: Engine) -> None:
    store.subscribe("telegram", CHAT, "v1", NOW)
    store.set_last_done("telegram", CHAT, "fosfato_6m", date(2026, 9, 15), NOW)
    store.set_last_done("telegram", CHAT, "fosfato_6m", date(2026, 12, 1), NOW)
    rows = deliveries(engine)
    assert {r.due_date for r in rows} == {date(2027, 6, 1)}
    assert [r.notice_date for r in rows] == [date(2027, 5, 18), date(2027, 6, 1)]
    # same date again: nothing duplicated
    store.set_last_done("telegram", CHAT, "fosfato_6m", date(2026, 12, 1), NOW)
    assert len(deliveries(engine)) == 2


def test_sent_notices_are_kept_and_never_replanned(store: ReminderStore, engine: Engine) -> None:
    store.subscribe("telegram", CHAT, "v1", NOW)
    store.set_last_done("telegram", CHAT, "fosfato_6m", date(2026, 9, 15), NOW)
    with Session(engine, future=True) as session, session.begin():
        first = session.execute(select(Delivery).order_by(Delivery.notice_date)).scalars().first()
        assert first is not None
        first.state = "sent"
    store.set_last_done("telegram", CHAT, "fosfato_6m", date(2026, 9, 15), NOW)
    assert [r.state for r in deliveries(engine)] == ["sent", "pending"]


def test_validation(store: ReminderStore) -> None:
    with pytest.raises(NotSubscribedError):
        store.set_last_done("telegram", CHAT, "fosfato_6m", date(2026, 9, 15), NOW)
    store.subscribe("telegram", CHAT, "v1", NOW)
    with pytest.raises(ValueError):
        store.set_last_done("telegram", CHAT, "fosfato_6m", date(2027, 3, 2), NOW)
    with pytest.raises(ValueError):
        store.set_last_done("telegram", CHAT, "annuale", date(2026, 9, 15), NOW)
    with pytest.raises(ValueError):
        store.subscribe("telegram", CHAT, "v1", datetime(2027, 3, 1, 10))


def test_mark_done_rolls_the_running_kind_only(store: ReminderStore) -> None:
    store.subscribe("telegram", CHAT, "v1", NOW)
    store.set_last_done("telegram", CHAT, "fosfato_6m", date(2026, 9, 15), NOW)  # due 15/3/2027
    store.set_last_done("telegram", CHAT, "completo_12m", date(2026, 9, 15), NOW)  # due 15/9/2027
    assert store.active_kinds("telegram", CHAT, NOW) == ["fosfato_6m"]
    result = store.mark_done("telegram", CHAT, date(2027, 2, 27), now=NOW)
    assert result == {"fosfato_6m": date(2027, 8, 27)}
    assert store.next_due("telegram", CHAT)["completo_12m"] == date(2027, 9, 15)
    # nothing running: every kind rolls
    assert store.active_kinds("telegram", CHAT, NOW) == []
    both = store.mark_done("telegram", CHAT, date(2027, 3, 1), now=NOW)
    assert both == {"fosfato_6m": date(2027, 9, 1), "completo_12m": date(2028, 3, 1)}
    # explicit kinds
    assert store.mark_done("telegram", CHAT, date(2027, 3, 1), ["completo_12m"], NOW) == {
        "completo_12m": date(2028, 3, 1)
    }


def test_mark_done_without_dates_sets_both(store: ReminderStore) -> None:
    store.subscribe("rest", "web-1", "v1", NOW)
    assert set(store.mark_done("rest", "web-1", date(2027, 2, 1), now=NOW)) == {
        "fosfato_6m",
        "completo_12m",
    }


def test_snooze_running_reminder(store: ReminderStore, engine: Engine) -> None:
    store.subscribe("telegram", CHAT, "v1", NOW)
    store.set_last_done("telegram", CHAT, "fosfato_6m", date(2026, 9, 15), NOW)  # due 15/3
    with Session(engine, future=True) as session, session.begin():
        first = session.execute(select(Delivery).order_by(Delivery.notice_date)).scalars().first()
        assert first is not None
        first.state = "sent"  # today's notice went out
    assert store.snooze("telegram", CHAT, 7, NOW) == {"fosfato_6m": date(2027, 3, 8)}
    assert [(r.notice_date, r.state) for r in deliveries(engine)] == [
        (date(2027, 3, 1), "sent"),
        (date(2027, 3, 8), "pending"),
        (date(2027, 3, 15), "pending"),
    ]
    # snoozing past the due day replaces the due-day notice
    assert store.snooze("telegram", CHAT, 20, NOW) == {"fosfato_6m": date(2027, 3, 21)}
    assert [r.notice_date for r in deliveries(engine) if r.state == "pending"] == [date(2027, 3, 21)]


def test_snooze_without_running_reminder_moves_the_next_notice(
    store: ReminderStore, engine: Engine
) -> None:
    store.subscribe("telegram", CHAT, "v1", NOW)
    store.set_last_done("telegram", CHAT, "completo_12m", date(2026, 9, 15), NOW)  # due 15/9/2027
    assert store.snooze("telegram", CHAT, 7, NOW) == {"completo_12m": date(2027, 9, 8)}
    assert [r.notice_date for r in deliveries(engine)] == [date(2027, 9, 8), date(2027, 9, 15)]
    assert store.snooze("telegram", "nessuno", 7, NOW) == {}
    with pytest.raises(ValueError):
        store.snooze("telegram", CHAT, 0, NOW)


def test_delete_user_removes_everything(store: ReminderStore, engine: Engine) -> None:
    for channel, user in (("telegram", CHAT), ("rest", "web-1")):
        store.subscribe(channel, user, "v1", NOW)
        store.set_last_done(channel, user, "fosfato_6m", date(2026, 9, 15), NOW)
        store.set_last_done(channel, user, "completo_12m", date(2026, 9, 15), NOW)
    assert count(engine, Delivery) == 8
    assert store.delete_user("telegram", CHAT) is True
    assert store.delete_user("telegram", CHAT) is False
    assert not store.is_subscribed("telegram", CHAT)
    assert store.next_due("telegram", CHAT) == {}
    assert (count(engine, Subscriber), count(engine, Schedule), count(engine, Delivery)) == (1, 2, 4)
    assert store.delete_user("rest", "web-1") is True
    assert store.delete_user("rest", "web-1") is False
    assert (count(engine, Subscriber), count(engine, Schedule), count(engine, Delivery)) == (0, 0, 0)


# -- web notices ---------------------------------------------------------------------


def test_pending_notices_for_web_users(store: ReminderStore) -> None:
    store.subscribe("rest", "web-1", "v1", NOW)
    store.set_last_done("rest", "web-1", "fosfato_6m", date(2026, 9, 15), NOW)
    store.set_last_done("rest", "web-1", "completo_12m", date(2026, 4, 1), NOW)  # due 1/4/2027
    early = NOW - timedelta(days=1)
    assert store.pending_notices("rest", "web-1", early) == []
    notices = store.pending_notices("rest", "web-1", NOW)
    assert [(n.kind, n.due_date, n.topic) for n in notices] == [
        ("fosfato_6m", date(2027, 3, 15), "promemoria.avviso")
    ]
    assert "tra 14 giorni, entro il 15 marzo 2027" in notices[0].text
    # without mark they stay; with mark they are shown once
    assert len(store.pending_notices("rest", "web-1", NOW, mark=True)) == 1
    assert store.pending_notices("rest", "web-1", NOW, mark=True) == []
    # weeks later, both kinds are due: one notice per kind, the latest
    later = datetime(2027, 4, 2, 18, tzinfo=ROME)
    notices = store.pending_notices("rest", "web-1", later, mark=True)
    assert [(n.kind, n.notice_date) for n in notices] == [
        ("fosfato_6m", date(2027, 3, 15)),
        ("completo_12m", date(2027, 4, 1)),
    ]
    assert "erano da fare entro il 15 marzo 2027" in notices[0].text
    assert store.pending_notices("rest", "web-1", later) == []
    assert store.pending_notices("rest", "sconosciuto", later) == []


# -- calendar ------------------------------------------------------------------------


def test_ics_for(store: ReminderStore) -> None:
    with pytest.raises(NotSubscribedError):
        store.ics_for("telegram", CHAT)
    store.subscribe("telegram", CHAT, "v1", NOW)
    store.set_last_done("telegram", CHAT, "fosfato_6m", date(2026, 9, 15), NOW)
    store.set_last_done("telegram", CHAT, "completo_12m", date(2026, 8, 31), NOW)
    raw = store.ics_for("telegram", CHAT)
    assert isinstance(raw, bytes)
    assert CHAT.encode() not in raw
    cal = Calendar.from_ical(raw)
    events = [c for c in cal.walk("VEVENT")]
    assert [(str(e["SUMMARY"]), e.decoded("DTSTART")) for e in events] == [
        ("Esami del metabolismo del fosfato (ogni 6 mesi)", date(2027, 3, 15)),
        ("Esami completi del metabolismo fosfo-calcico (ogni 12 mesi)", date(2027, 8, 31)),
    ]
    for event in events:
        assert b"VALUE=DATE" in event.to_ical()  # all-day
        assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(days=1)
        assert str(event["UID"]).endswith("@promemoria.calcinosi")
    assert len({str(e["UID"]) for e in events}) == 2


# -- privacy -------------------------------------------------------------------------


def test_logs_carry_no_user_identifiers_or_text(
    store: ReminderStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.reminders")
    store.subscribe("telegram", CHAT, "v1", NOW)
    store.set_last_done("telegram", CHAT, "fosfato_6m", date(2026, 9, 15), NOW)
    store.pending_notices("telegram", CHAT, NOW, mark=True)
    store.snooze("telegram", CHAT, 7, NOW)
    store.delete_user("telegram", CHAT)
    assert caplog.records
    for record in caplog.records:
        message = record.getMessage()
        assert CHAT not in message
        assert "Promemoria:" not in message


def test_times_are_stored_in_utc(store: ReminderStore, engine: Engine) -> None:
    store.subscribe("telegram", CHAT, "v1", NOW)
    with engine.connect() as conn:
        raw = conn.exec_driver_sql("SELECT consent_at FROM subscriber").scalar_one()
    if isinstance(raw, str):
        raw = datetime.fromisoformat(raw)
    assert raw == NOW.astimezone(timezone.utc).replace(tzinfo=None)


def test_consent_and_dates_are_stored_together_or_not_at_all(store: ReminderStore) -> None:
    dates = {"fosfato_6m": date(2026, 9, 15), "completo_12m": date(2026, 3, 1)}
    assert store.subscribe("rest", "web-9", "v1", NOW, last_done=dates)
    assert store.next_due("rest", "web-9") == {
        "fosfato_6m": date(2027, 3, 15),
        "completo_12m": date(2027, 3, 1),
    }
    future = {"fosfato_6m": date(2026, 9, 15), "completo_12m": date(2030, 1, 1)}
    with pytest.raises(ValueError):
        store.subscribe("rest", "web-10", "v1", NOW, last_done=future)
    assert not store.is_subscribed("rest", "web-10")  # nothing half-stored
