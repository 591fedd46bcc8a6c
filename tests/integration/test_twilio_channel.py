"""SMS STOP through the real stack: the Twilio webhook of the Rasa server, signatures,
and "cancella i miei dati" from the web chat deleting the number too (fake Twilio)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fake_twilio import AUTH_TOKEN, FakeTwilio, inbound, signed

from bot.channels.twilio_sms import ONLY_REMINDERS, STOPPED
from bot.reminders.db import make_engine
from bot.reminders.store import ReminderStore
from tests.conftest import BotServer, start_stack, stop_stack

pytestmark = pytest.mark.server
WEBHOOK = "/webhooks/twilio/webhook"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[BotServer, FakeTwilio]]:
    fake = FakeTwilio().start()
    server, process = start_stack(tmp_path_factory.mktemp("twilio"), fake.env())
    try:
        yield server, fake
    finally:
        stop_stack(process)
        fake.stop()


def store(server: BotServer) -> ReminderStore:
    return ReminderStore(make_engine(f"sqlite:///{server.reminders_db}"))


def with_sms(server: BotServer, number: str) -> str:
    """A web subscriber with an SMS number; returns its browser id."""
    web = f"web-{uuid.uuid4().hex}"
    today = datetime.now(ZoneInfo("Europe/Rome")).date()
    reminders = store(server)
    reminders.subscribe("rest", web, "v1", last_done={"fosfato_6m": today - timedelta(days=30)})
    reminders.set_sms_number("rest", web, number, "sms-v1")
    return web


def post(
    server: BotServer, params: dict[str, str], headers: dict[str, str] | None = None
) -> tuple[int, str]:
    url = server.rasa_url + WEBHOOK
    body = urllib.parse.urlencode(params).encode()
    request = urllib.request.Request(
        url, data=body, headers=signed(url, params) if headers is None else headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_stop_with_a_valid_signature_deletes_the_number(stack: tuple[BotServer, FakeTwilio]) -> None:
    server, _ = stack
    web = with_sms(server, "3331110001")
    status, body = post(server, inbound("+393331110001", " Stop "))
    assert status == 200
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?><Response><Message>')
    assert STOPPED.replace('"', "&quot;") in body or STOPPED in body
    assert not store(server).is_subscribed("sms", "+393331110001")
    assert store(server).is_subscribed("rest", web)  # the web reminders stay
    assert "3331110001" not in server.log_path.read_text(errors="replace")


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/x-www-form-urlencoded"},  # no signature
        {"X-Twilio-Signature": "AAAA", "Content-Type": "application/x-www-form-urlencoded"},
        "other-token",
        "other-url",
    ],
)
def test_a_wrong_or_missing_signature_is_refused_and_nothing_deleted(
    stack: tuple[BotServer, FakeTwilio], headers: dict[str, str] | str
) -> None:
    server, _ = stack
    number = f"+3933322{uuid.uuid4().int % 10**5:05d}"
    with_sms(server, number)
    params = inbound(number, "STOP")
    if headers == "other-token":
        headers = signed(server.rasa_url + WEBHOOK, params, token=AUTH_TOKEN + "x")
    elif headers == "other-url":
        headers = signed("https://example.org" + WEBHOOK, params)
    assert isinstance(headers, dict)
    status, _ = post(server, params, headers)
    assert status == 403
    assert store(server).is_subscribed("sms", number)


def test_any_other_sms_points_to_the_web_chat(stack: tuple[BotServer, FakeTwilio]) -> None:
    server, fake = stack
    with_sms(server, "3331110003")
    status, body = post(server, inbound("+393331110003", "quando devo fare gli esami?"))
    assert status == 200 and "<Message>" in body
    assert ONLY_REMINDERS.split(".")[0] in body
    assert store(server).is_subscribed("sms", "+393331110003")
    assert fake.calls() == []  # no conversation, no message sent


def test_delete_my_data_on_the_web_deletes_the_number(stack: tuple[BotServer, FakeTwilio]) -> None:
    server, _ = stack
    sender = f"test-{uuid.uuid4().hex}"
    assert server.send("voglio ricevere i promemoria degli esami", sender)[-1]["custom"]["asks"]
    server.send("sì", sender)
    day = (date.today() - timedelta(days=20)).strftime("%d/%m/%Y")
    server.send(day, sender)
    server.send(day, sender)
    assert store(server).is_subscribed("rest", sender)
    request = urllib.request.Request(
        server.web_url + "api/sms",
        data=json.dumps({"sender": sender, "numero": "333 111 0004", "consenso": True}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
    assert store(server).is_subscribed("sms", "+393331110004")
    server.send("cancella i miei dati", sender)
    assert not store(server).is_subscribed("rest", sender)
    assert not store(server).is_subscribed("sms", "+393331110004")
