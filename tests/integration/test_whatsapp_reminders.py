"""WhatsApp reminders through the dispatcher, against a local fake Graph API.

Outside the 24-hour window a template with the due date; inside it the reminder text (and
the template when the API says the window is closed); errors mapped to retry / permanent /
throttled; ``send-due`` on the command line. SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from fake_whatsapp import APP_SECRET, PHONE_NUMBER_ID, TOKEN, FakeGraph
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot import ROOT
from bot.reminders.config import ReminderConfig
from bot.reminders.db import make_engine
from bot.reminders.dispatcher import Dispatcher, RunCounts
from bot.reminders.models import Delivery
from bot.reminders.schedule import ROME
from bot.reminders.store import ReminderStore
from bot.reminders.whatsapp import WhatsAppSender
from bot.whatsapp.config import WhatsAppConfig
from bot.whatsapp.inbound_log import InboundLog

CONFIG = ReminderConfig()
NOW = datetime(2027, 3, 1, 10, 0, tzinfo=ROME)  # first notice of tests due 15/3/2027
WA_ID = "393331234567"


@pytest.fixture
def fake() -> Iterator[FakeGraph]:
    with FakeGraph() as server:
        yield server


@pytest.fixture
def store(engine: Engine) -> ReminderStore:
    store = ReminderStore(engine, CONFIG, clock=lambda: NOW)
    store.subscribe("whatsapp", WA_ID, "v1", NOW)
    store.set_last_done("whatsapp", WA_ID, "fosfato_6m", date(2026, 9, 15), NOW)
    return store


def whatsapp_config(fake: FakeGraph) -> WhatsAppConfig:
    config = WhatsAppConfig.from_env(fake.env())
    assert config is not None
    return config


def send_once(engine: Engine, fake: FakeGraph) -> RunCounts:
    sender = WhatsAppSender(whatsapp_config(fake), InboundLog(engine, APP_SECRET))
    dispatcher = Dispatcher(engine, {"whatsapp": sender}, worker_id="test", config=CONFIG)
    return dispatcher.run_once(NOW)


def delivery(engine: Engine) -> Delivery:
    with Session(engine, future=True) as session:
        return session.execute(
            select(Delivery).where(Delivery.notice_date == date(2027, 3, 1))
        ).scalar_one()


def test_outside_the_window_a_template_with_the_due_date(
    engine: Engine, store: ReminderStore, fake: FakeGraph
) -> None:
    counts = send_once(engine, fake)
    assert (counts.sent, counts.failed) == (1, 0)
    [message] = fake.delivered(WA_ID)
    assert message["type"] == "template"
    assert message["template"] == {
        "name": "promemoria_esami_6m",
        "language": {"code": "it"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "15 marzo 2027"}]}],
    }
    call = fake.calls()[0]
    assert call.path == f"/v21.0/{PHONE_NUMBER_ID}/messages"
    assert call.authorization == f"Bearer {TOKEN}"
    assert delivery(engine).state == "sent"


def test_template_names_and_language_come_from_the_environment(
    engine: Engine, store: ReminderStore, fake: FakeGraph
) -> None:
    env = {
        **fake.env(),
        "WHATSAPP_TEMPLATE_6M": "esami_sei_mesi",
        "WHATSAPP_TEMPLATE_LANG": "it_IT",
    }
    sender = WhatsAppSender(WhatsAppConfig.from_env(env), None)  # type: ignore[arg-type]
    Dispatcher(engine, {"whatsapp": sender}, worker_id="t", config=CONFIG).run_once(NOW)
    [message] = fake.delivered(WA_ID)
    assert (message["template"]["name"], message["template"]["language"]) == (
        "esami_sei_mesi",
        {"code": "it_IT"},
    )


def test_inside_the_window_the_reminder_text(
    engine: Engine, store: ReminderStore, fake: FakeGraph
) -> None:
    InboundLog(engine, APP_SECRET).first_time("wamid.recente", WA_ID)  # the user wrote just now
    assert send_once(engine, fake).sent == 1
    [message] = fake.delivered(WA_ID)
    assert message["type"] == "text"
    assert message["text"]["body"].startswith(
        "Promemoria: tra 14 giorni, entro il 15 marzo 2027, è il momento degli esami del fosfato"
    )


def test_an_old_message_does_not_open_the_window(
    engine: Engine, store: ReminderStore, fake: FakeGraph
) -> None:
    yesterday = datetime.now(timezone.utc) - timedelta(hours=24)
    InboundLog(engine, APP_SECRET, clock=lambda: yesterday).first_time("wamid.ieri", WA_ID)
    assert send_once(engine, fake).sent == 1
    assert [m["type"] for m in fake.delivered(WA_ID)] == ["template"]


def test_text_refused_as_outside_the_window_goes_as_the_template(
    engine: Engine, store: ReminderStore, fake: FakeGraph
) -> None:
    InboundLog(engine, APP_SECRET).first_time("wamid.recente", WA_ID)
    fake.close_window(WA_ID)
    assert send_once(engine, fake).sent == 1
    assert [c.body["type"] for c in fake.calls()] == ["text", "template"]
    assert [m["type"] for m in fake.delivered(WA_ID)] == ["template"]


@pytest.mark.parametrize(
    ("status", "code", "state", "error_code", "throttled"),
    [
        (429, 130429, "pending", "throttled_130429", True),
        (400, 131056, "pending", "throttled_131056", True),  # pair rate limit
        (400, 131048, "pending", "throttled_131048", True),  # spam rate limit
        (500, 131000, "pending", "http_500_131000", False),
        (503, None, "pending", "http_503", False),
        (400, 131026, "failed", "http_400_131026", False),  # recipient cannot get it
        (400, 100, "failed", "http_400_100", False),  # invalid parameter (recipient)
        (401, 190, "failed", "http_401_190", False),  # token expired
        (403, 10, "failed", "http_403_10", False),
        (504, None, "failed_unknown", "http_504", False),  # maybe delivered: never resent
    ],
)
def test_error_mapping(
    engine: Engine,
    store: ReminderStore,
    fake: FakeGraph,
    status: int,
    code: int | None,
    state: str,
    error_code: str,
    throttled: bool,
) -> None:
    fake.fail_next(status, code=code, retry_after=120 if throttled else None)
    send_once(engine, fake)
    row = delivery(engine)
    assert (row.state, row.last_error_code) == (state, error_code)
    if state == "pending":
        assert row.next_attempt_at >= NOW + timedelta(seconds=120 if throttled else 60)


def test_throttled_errors_are_marked_for_the_dispatcher(fake: FakeGraph) -> None:
    from bot.reminders.senders import ChannelError

    sender = WhatsAppSender(whatsapp_config(fake))
    fake.fail_next(400, code=131056, retry_after=30)
    with pytest.raises(ChannelError) as raised:
        sender.send(WA_ID, "testo", idempotency_key="1:fosfato_6m:2027-03-15:2027-03-01")
    assert (raised.value.retryable, raised.value.throttled, raised.value.retry_after) == (
        True,
        True,
        30.0,
    )


def test_connection_refused_is_retried_without_doubt(engine: Engine, store: ReminderStore) -> None:
    config = WhatsAppConfig.from_env(
        {**FakeGraph().env(), "WHATSAPP_API_URL": "http://127.0.0.1:9/v21.0"}
    )
    sender = WhatsAppSender(config)  # type: ignore[arg-type]
    Dispatcher(engine, {"whatsapp": sender}, worker_id="t", config=CONFIG).run_once(NOW)
    assert (delivery(engine).state, delivery(engine).last_error_code) == ("pending", "connect")


def test_send_due_cli(db_url: str, store: ReminderStore, fake: FakeGraph) -> None:
    env = {
        **os.environ,
        **fake.env(),
        "CALCINOSI_DB_URL": db_url,
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_TOKEN": "",
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
    assert "Promemoria inviati: 1;" in result.stdout
    assert [m["type"] for m in fake.delivered(WA_ID)] == ["template"]
    for secret in (WA_ID, TOKEN, APP_SECRET):
        assert secret not in result.stderr


def test_send_due_refuses_an_incomplete_configuration(db_url: str) -> None:
    env = {
        **os.environ,
        "WHATSAPP_TOKEN": "x",
        "WHATSAPP_PHONE_NUMBER_ID": "",
        "CALCINOSI_DB_URL": db_url,
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "reminders", "send-due"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "WHATSAPP_PHONE_NUMBER_ID" in result.stderr and "Traceback" not in result.stderr


def test_an_unreadable_message_log_means_the_template(
    engine: Engine, store: ReminderStore, fake: FakeGraph, tmp_path: Path
) -> None:
    empty = make_engine(f"sqlite:///{tmp_path / 'senza_tabelle.db'}")  # no whatsapp_message
    sender = WhatsAppSender(whatsapp_config(fake), InboundLog(empty, APP_SECRET))
    counts = Dispatcher(engine, {"whatsapp": sender}, worker_id="t", config=CONFIG).run_once(NOW)
    assert (counts.sent, counts.unknown) == (1, 0)
    assert [m["type"] for m in fake.delivered(WA_ID)] == ["template"]
    empty.dispose()
