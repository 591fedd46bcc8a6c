"""SMS subscriptions in ReminderStore (SQLite and PostgreSQL): number validation, the link
to the web subscriber, its dates kept in step, deletion; the Twilio signature and STOP words."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.channels.twilio_sms import is_stop
from bot.reminders.config import ReminderConfig
from bot.reminders.models import Delivery, Schedule, Subscriber
from bot.reminders.phone import is_italian_mobile, italian_mobile
from bot.reminders.schedule import ROME
from bot.reminders.store import NotSubscribedError, ReminderStore
from bot.twilio import TwilioConfig, signature, valid_signature

CONFIG = ReminderConfig()
NOW = datetime(2027, 3, 1, 10, 0, tzinfo=ROME)
WEB = "web-utente-1"
NUMBER = "+393331234567"
DONE = {"fosfato_6m": date(2026, 9, 15), "completo_12m": date(2026, 3, 15)}


@pytest.fixture
def store(engine: Engine) -> ReminderStore:
    store = ReminderStore(engine, CONFIG, clock=lambda: NOW)
    store.subscribe("rest", WEB, "v1", NOW, last_done=DONE)
    return store


def subscriber(engine: Engine, channel: str, user: str) -> Subscriber | None:
    with Session(engine, future=True) as session:
        return session.execute(
            select(Subscriber).where(
                Subscriber.channel == channel, Subscriber.channel_user_id == user
            )
        ).scalar_one_or_none()


def plan(engine: Engine, channel: str, user: str) -> list[tuple[str, date, date, str]]:
    """(kind, due, notice, state) of a subscriber's deliveries."""
    with Session(engine, future=True) as session:
        rows = session.execute(
            select(Delivery.kind, Delivery.due_date, Delivery.notice_date, Delivery.state)
            .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
            .where(Subscriber.channel == channel, Subscriber.channel_user_id == user)
            .order_by(Delivery.kind, Delivery.notice_date)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def unsent_plan(engine: Engine, channel: str, user: str) -> list[tuple[str, date, date]]:
    return [(k, d, n) for k, d, n, s in plan(engine, channel, user) if s in ("pending", "ready")]


@pytest.mark.parametrize(
    "raw",
    ["3331234567", "333 123 4567", "333-123.4567", "+39 333 123 4567", "+393331234567",
     "0039 333 1234567", " 333 1234567 "],  # fmt: skip
)
def test_italian_mobiles_are_normalised_to_e164(raw: str) -> None:
    assert italian_mobile(raw) == NUMBER


@pytest.mark.parametrize(
    "raw",
    ["", "055 1234567", "0551234567", "333123456", "33312345678", "+44 7911 123456",
     "393331234567", "+39 333 123 456a", "+39+3331234567", "tre tre tre", "+390551234567"],  # fmt: skip
)
def test_anything_else_is_refused_without_repeating_it(raw: str) -> None:
    with pytest.raises(ValueError) as refused:
        italian_mobile(raw)
    assert raw.strip() == "" or raw not in str(refused.value)


def test_is_italian_mobile_takes_only_e164() -> None:
    assert is_italian_mobile(NUMBER)
    assert not is_italian_mobile("3331234567") and not is_italian_mobile("+447911123456")


def test_the_number_gets_its_own_consent_the_dates_and_a_link(
    engine: Engine, store: ReminderStore, caplog: pytest.LogCaptureFixture
) -> None:
    later = NOW + timedelta(minutes=5)
    with caplog.at_level(logging.DEBUG):
        store.set_sms_number("rest", WEB, "333 123 4567", "sms-v1", now=later)
    sms, web = subscriber(engine, "sms", NUMBER), subscriber(engine, "rest", WEB)
    assert sms is not None and web is not None
    assert (sms.linked_to_id, sms.consent_text_version, sms.consent_at) == (
        web.id,
        "sms-v1",
        later,
    )
    assert store.next_due("sms", NUMBER) == store.next_due("rest", WEB)
    assert unsent_plan(engine, "sms", NUMBER) == unsent_plan(engine, "rest", WEB)
    assert "3331234567" not in caplog.text and "123 4567" not in caplog.text


def test_a_wrong_number_or_no_reminders_stores_nothing(
    engine: Engine, store: ReminderStore
) -> None:
    with pytest.raises(ValueError):
        store.set_sms_number("rest", WEB, "055 123456", "sms-v1")
    with pytest.raises(NotSubscribedError):
        store.set_sms_number("rest", "sconosciuto", NUMBER, "sms-v1")
    with pytest.raises(ValueError):
        store.set_sms_number("sms", NUMBER, NUMBER, "sms-v1")
    assert subscriber(engine, "sms", NUMBER) is None


def test_again_updates_consent_and_a_new_number_replaces_the_old(
    engine: Engine, store: ReminderStore
) -> None:
    store.set_sms_number("rest", WEB, NUMBER, "sms-v1")
    store.set_sms_number("rest", WEB, NUMBER, "sms-v2", now=NOW + timedelta(days=1))
    sms = subscriber(engine, "sms", NUMBER)
    assert sms is not None and sms.consent_text_version == "sms-v2"
    store.set_sms_number("rest", WEB, "3479876543", "sms-v2")
    assert subscriber(engine, "sms", NUMBER) is None
    assert store.next_due("sms", "+393479876543") == store.next_due("rest", WEB)
    assert plan(engine, "sms", NUMBER) == []


def test_a_number_given_by_another_user_moves_to_them(engine: Engine, store: ReminderStore) -> None:
    store.subscribe("rest", "web-2", "v1", NOW, last_done={"fosfato_6m": date(2026, 10, 1)})
    store.set_sms_number("rest", WEB, NUMBER, "sms-v1")
    store.set_sms_number("rest", "web-2", NUMBER, "sms-v1")
    other = subscriber(engine, "rest", "web-2")
    sms = subscriber(engine, "sms", NUMBER)
    assert other is not None and sms is not None and sms.linked_to_id == other.id
    assert store.next_due("sms", NUMBER) == {"fosfato_6m": date(2027, 4, 1)}
    assert {k for k, *_ in plan(engine, "sms", NUMBER)} == {"fosfato_6m"}


def test_deleting_the_web_user_deletes_the_number(engine: Engine, store: ReminderStore) -> None:
    store.set_sms_number("rest", WEB, NUMBER, "sms-v1")
    assert store.delete_user("rest", WEB)
    assert subscriber(engine, "sms", NUMBER) is None
    with Session(engine, future=True) as session:
        assert session.execute(select(Delivery)).first() is None
        assert session.execute(select(Schedule)).first() is None


def test_stop_deletes_only_the_number(engine: Engine, store: ReminderStore) -> None:
    store.set_sms_number("rest", WEB, NUMBER, "sms-v1")
    assert store.delete_user("sms", NUMBER)
    assert subscriber(engine, "sms", NUMBER) is None
    assert store.is_subscribed("rest", WEB) and plan(engine, "rest", WEB)


def test_the_database_cascades_too(engine: Engine, store: ReminderStore) -> None:
    """Migration 0004: ON DELETE CASCADE from the web subscriber to its SMS subscriber."""
    store.set_sms_number("rest", WEB, NUMBER, "sms-v1")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM subscriber WHERE channel = 'rest'"))
    assert subscriber(engine, "sms", NUMBER) is None


def test_done_and_snooze_on_the_web_move_the_sms_too(engine: Engine, store: ReminderStore) -> None:
    store.set_sms_number("rest", WEB, NUMBER, "sms-v1")
    # 1 March 2027: both kinds (due 15 March) are running.
    moved = store.snooze("rest", WEB, days=7)
    assert moved == {"fosfato_6m": date(2027, 3, 8), "completo_12m": date(2027, 3, 8)}
    assert unsent_plan(engine, "sms", NUMBER) == unsent_plan(engine, "rest", WEB)
    assert ("fosfato_6m", date(2027, 3, 15), date(2027, 3, 8)) in unsent_plan(engine, "sms", NUMBER)
    store.mark_done("rest", WEB, date(2027, 2, 27), kinds=["fosfato_6m"])
    assert store.next_due("sms", NUMBER)["fosfato_6m"] == date(2027, 8, 27)
    assert unsent_plan(engine, "sms", NUMBER) == unsent_plan(engine, "rest", WEB)
    store.set_last_done("rest", WEB, "completo_12m", date(2027, 2, 1))
    assert store.next_due("sms", NUMBER) == store.next_due("rest", WEB)


def test_snooze_before_the_reminders_start_moves_the_next_notice_of_both(
    engine: Engine, store: ReminderStore
) -> None:
    store.mark_done("rest", WEB, date(2027, 2, 1))  # nothing running now
    store.set_sms_number("rest", WEB, NUMBER, "sms-v1")
    store.snooze("rest", WEB, days=3)
    assert unsent_plan(engine, "sms", NUMBER) == unsent_plan(engine, "rest", WEB)


def test_twilio_signature_is_the_documented_one() -> None:
    # The example of Twilio's own libraries' tests (twilio-python, RequestValidator).
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    assert signature(url, params, "12345") == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert valid_signature(url, params, "12345", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    expected = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert not valid_signature(url, {**params, "Digits": "1235"}, "12345", expected)
    assert not valid_signature(url, params, "12345", "")


@pytest.mark.parametrize(("body", "stop"), [
    ("STOP", True), (" stop ", True), ("Basta", True), ("CANCELLA", True), ("Stop.", True),
    ("stop promemoria", False), ("ciao", False), ("", False),
])  # fmt: skip
def test_stop_words(body: str, stop: bool) -> None:
    assert is_stop(body) is stop


def test_twilio_configuration_needs_its_companions() -> None:
    assert TwilioConfig.from_env({}) is None
    with pytest.raises(ValueError, match="TWILIO_AUTH_TOKEN.*TWILIO_FROM"):
        TwilioConfig.from_env({"TWILIO_ACCOUNT_SID": "AC1"})
    config = TwilioConfig.from_env(
        {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_MESSAGING_SERVICE_SID": "MG1"},
        default_webhook_url="http://127.0.0.1:5005/webhooks/twilio/webhook",
    )
    assert config is not None and config.sender_fields() == {"MessagingServiceSid": "MG1"}
    assert config.webhook_url.endswith("/webhooks/twilio/webhook")
    assert config.messages_url == "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json"
    assert "t" not in repr(config).split("auth_token")[0][-3:]
    assert "auth_token" not in repr(config)
