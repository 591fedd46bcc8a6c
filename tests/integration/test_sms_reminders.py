"""SMS reminders through the dispatcher, against a local fake Twilio Messages API.

Basic auth and form fields, the body (the reminder without the chat instructions, plus
STOP), errors mapped to retry / permanent / throttled / maybe delivered, ``send-due`` on
the command line and its configuration check. SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM, MESSAGES_PATH, FakeTwilio
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot import ROOT
from bot.reminders.config import ReminderConfig
from bot.reminders.dispatcher import Dispatcher, RunCounts
from bot.reminders.models import Delivery, Subscriber
from bot.reminders.schedule import ROME
from bot.reminders.senders import ChannelError
from bot.reminders.sms import STOP_LINE, SmsSender
from bot.reminders.store import ReminderStore
from bot.twilio import TwilioConfig

CONFIG = ReminderConfig()
NOW = datetime(2027, 3, 1, 10, 0, tzinfo=ROME)  # first notice of tests due 15/3/2027
NUMBER = "+393331234567"
KEY = "1:fosfato_6m:2027-03-15:2027-03-01"


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio() as server:
        yield server


@pytest.fixture
def store(engine: Engine) -> ReminderStore:
    store = ReminderStore(engine, CONFIG, clock=lambda: NOW)
    store.subscribe("rest", "web-1", "v1", NOW, last_done={"fosfato_6m": date(2026, 9, 15)})
    store.set_sms_number("rest", "web-1", "333 123 4567", "sms-v1", now=NOW)
    return store


def twilio_config(fake: FakeTwilio, **env: str) -> TwilioConfig:
    config = TwilioConfig.from_env({**fake.env(), **env})
    assert config is not None
    return config


def send_once(engine: Engine, fake: FakeTwilio, **env: str) -> RunCounts:
    senders = {"sms": SmsSender(twilio_config(fake, **env))}
    return Dispatcher(engine, senders, worker_id="test", config=CONFIG).run_once(NOW)


def sms_delivery(engine: Engine) -> Delivery:
    with Session(engine, future=True) as session:
        return session.execute(
            select(Delivery)
            .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
            .where(Subscriber.channel == "sms", Delivery.notice_date == date(2027, 3, 1))
        ).scalar_one()


def test_the_reminder_goes_out_with_basic_auth_and_form_fields(
    engine: Engine, store: ReminderStore, fake: FakeTwilio
) -> None:
    counts = send_once(engine, fake)
    assert (counts.sent, counts.failed) == (1, 0)
    [call] = fake.calls()
    assert call.path == MESSAGES_PATH
    user, _, password = base64.b64decode(call.authorization.split()[1]).decode().partition(":")
    assert (user, password) == (ACCOUNT_SID, AUTH_TOKEN)
    assert set(call.form) == {"To", "From", "Body"}
    assert (call.form["To"], call.form["From"]) == (NUMBER, FROM)
    body = call.form["Body"]
    assert body.startswith("Promemoria: tra 14 giorni, entro il 15 marzo 2027")
    assert body.endswith(STOP_LINE)
    assert "fatto" not in body and "rimanda" not in body  # no chat over SMS
    assert len(body) < 320
    assert sms_delivery(engine).state == "sent"


def test_a_messaging_service_instead_of_a_sender(
    engine: Engine, store: ReminderStore, fake: FakeTwilio
) -> None:
    send_once(engine, fake, TWILIO_FROM="", TWILIO_MESSAGING_SERVICE_SID="MG123")
    [call] = fake.calls()
    assert "From" not in call.form and call.form["MessagingServiceSid"] == "MG123"


@pytest.mark.parametrize(
    ("status", "code", "state", "error_code"),
    [
        (429, 20429, "pending", "http_429_20429"),
        (500, None, "pending", "http_500"),
        (503, 20503, "pending", "http_503_20503"),
        (401, 20003, "pending", "http_401_20003"),  # wrong sid or token: may be fixed
        (400, 21211, "failed", "http_400_21211"),  # invalid To
        (400, 21610, "failed", "http_400_21610"),  # the number answered STOP
        (400, 21614, "failed", "http_400_21614"),  # not a mobile number
        (400, 21408, "failed", "http_400_21408"),  # region not enabled
        (504, None, "failed_unknown", "http_504"),  # maybe delivered: never resent
    ],
)
def test_error_mapping(
    engine: Engine,
    store: ReminderStore,
    fake: FakeTwilio,
    status: int,
    code: int | None,
    state: str,
    error_code: str,
) -> None:
    fake.fail_next(status, code=code, retry_after=120 if status == 429 else None)
    send_once(engine, fake)
    row = sms_delivery(engine)
    assert (row.state, row.last_error_code) == (state, error_code)
    if state == "pending":
        wait = 120 if status == 429 else 60
        assert row.next_attempt_at >= NOW + timedelta(seconds=wait)
    send_once(engine, fake)  # the pass later: only pending ones are tried again
    assert len(fake.delivered()) == 0


def test_429_is_throttled_with_retry_after(fake: FakeTwilio) -> None:
    fake.fail_next(429, code=20429, retry_after=30)
    with pytest.raises(ChannelError) as raised:
        SmsSender(twilio_config(fake)).send(NUMBER, "testo", idempotency_key=KEY)
    error = raised.value
    assert (error.retryable, error.throttled, error.retry_after, error.maybe_delivered) == (
        True,
        True,
        30.0,
        False,
    )


def test_429_pauses_the_channel_and_the_reminder_goes_later(
    engine: Engine, store: ReminderStore, fake: FakeTwilio
) -> None:
    fake.fail_next(429, code=20429, retry_after=90)
    dispatcher = Dispatcher(
        engine, {"sms": SmsSender(twilio_config(fake))}, worker_id="t", config=CONFIG
    )
    dispatcher.run_once(NOW)
    assert dispatcher.limiter.paused("sms") > 60
    assert sms_delivery(engine).state == "pending"
    later = Dispatcher(engine, {"sms": SmsSender(twilio_config(fake))}, worker_id="u", config=CONFIG)
    later.run_once(NOW + timedelta(minutes=3))
    assert sms_delivery(engine).state == "sent" and len(fake.delivered(NUMBER)) == 1


def test_a_timeout_after_sending_is_maybe_delivered_and_never_resent(
    engine: Engine, store: ReminderStore
) -> None:
    with FakeTwilio(latency=1.0) as slow:
        sender = SmsSender(twilio_config(slow), timeout=(2.0, 0.2))
        Dispatcher(engine, {"sms": sender}, worker_id="t", config=CONFIG).run_once(NOW)
        row = sms_delivery(engine)
        assert (row.state, row.last_error_code) == ("failed_unknown", "timeout")
        Dispatcher(engine, {"sms": sender}, worker_id="t", config=CONFIG).run_once(
            NOW + timedelta(hours=1)
        )
        assert len(slow.calls()) == 1


def test_connection_refused_is_retried_without_doubt(engine: Engine, store: ReminderStore) -> None:
    config = TwilioConfig.from_env({**FakeTwilio().env(), "TWILIO_API_URL": "http://127.0.0.1:9"})
    sender = SmsSender(config)  # type: ignore[arg-type]
    Dispatcher(engine, {"sms": sender}, worker_id="t", config=CONFIG).run_once(NOW)
    row = sms_delivery(engine)
    assert (row.state, row.last_error_code) == ("pending", "connect")


def test_send_due_cli(db_url: str, store: ReminderStore, fake: FakeTwilio) -> None:
    env = {
        **os.environ,
        **fake.env(),
        "CALCINOSI_DB_URL": db_url,
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_TOKEN": "",
        "WHATSAPP_TOKEN": "",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "reminders", "send-due", "--now", "2027-03-01T10:00"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert [f["To"] for f in fake.delivered()] == [NUMBER]
    for secret in (NUMBER, "3331234567", AUTH_TOKEN):
        assert secret not in result.stderr and secret not in result.stdout


def test_send_due_refuses_an_incomplete_configuration(db_url: str) -> None:
    env = {**os.environ, "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "", "CALCINOSI_DB_URL": db_url}
    env.pop("TWILIO_FROM", None)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "reminders", "send-due"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "TWILIO_AUTH_TOKEN" in result.stderr and "TWILIO_FROM" in result.stderr
    assert "Traceback" not in result.stderr
