"""WhatsApp conversations end to end: a local fake Graph API, the real Rasa + action servers.

Verification, signatures, text and button replies in, text/buttons/list out (WhatsApp
bold), statuses, images, redeliveries answered once (also after a restart), "cancella i
miei dati", and a reminder sign-up on WhatsApp sent by ``send-due`` inside the 24 hours.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fake_whatsapp import (
    APP_SECRET,
    VERIFY_TOKEN,
    FakeGraph,
    button_reply,
    image,
    sign,
    status,
    text,
    update,
)

from bot import ROOT
from bot.content import ContentStore
from bot.reminders.dates import italian_date
from bot.reminders.schedule import add_months
from tests.conftest import BotServer, start_stack, stop_stack

pytestmark = pytest.mark.server
WEBHOOK = "/webhooks/whatsapp/webhook"


@dataclass
class Stack:
    server: BotServer
    process: subprocess.Popen
    fake: FakeGraph
    work: Path

    def restart(self) -> None:
        """Stops the stack and starts it again on the same databases."""
        stop_stack(self.process)
        env = {
            **self.fake.env(),
            "CALCINOSI_DB_URL": f"sqlite:///{self.server.reminders_db}",
            "CALCINOSI_TRACKER_URL": f"sqlite:///{self.server.tracker_db}",
        }
        self.server, self.process = start_stack(self.work / "again", env)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    fake = FakeGraph().start()
    work = Path(tmp_path_factory.mktemp("whatsapp"))
    (work / "first").mkdir()
    server, process = start_stack(work / "first", fake.env())
    running = Stack(server, process, fake, work)
    try:
        yield running
    finally:
        stop_stack(running.process)
        fake.stop()


def post(server: BotServer, body: Any, signature: str | None = "valid") -> tuple[int, bytes]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if signature == "valid":
        headers["X-Hub-Signature-256"] = sign(raw)
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    request = urllib.request.Request(
        server.rasa_url + WEBHOOK, data=raw, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def get(server: BotServer, params: dict[str, str]) -> tuple[int, str]:
    url = f"{server.rasa_url}{WEBHOOK}?{urllib.parse.urlencode(params)}"
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def say(stack: Stack, wa_id: str, message: dict[str, Any], expect: int = 1) -> list[dict[str, Any]]:
    """Posts one message; returns the WhatsApp messages sent to ``wa_id`` because of it."""
    before = len(stack.fake.delivered(wa_id))
    assert post(stack.server, update([message]))[0] == 200
    return stack.fake.wait_for(wa_id, before + expect)[before:]


def bodies(sent: list[dict[str, Any]]) -> list[str]:
    return [
        m["text"]["body"] if m["type"] == "text" else m["interactive"]["body"]["text"] for m in sent
    ]


# -- verification and signatures ---------------------------------------------------------


def test_verification_echoes_the_challenge(stack: Stack) -> None:
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    assert get(stack.server, params) == (200, "1158201444")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "indovinato", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ],
)
def test_verification_with_a_wrong_token_is_refused(stack: Stack, params: dict[str, str]) -> None:
    assert get(stack.server, params)[0] == 403


@pytest.mark.parametrize(
    ("signature", "status_code"),
    [
        (None, 401),
        ("", 401),
        ("sha256=" + "0" * 64, 403),
        (sign(b"altro corpo"), 403),
        (sign(b"x", "un altro segreto"), 403),
    ],
)
def test_unsigned_or_badly_signed_updates_are_refused(
    stack: Stack, signature: str | None, status_code: int
) -> None:
    """Otherwise anyone who knows the URL could write as any user, e.g. delete their data."""
    wa_id = "39300" + str(status_code) + str(len(stack.fake.calls()))
    body = update([text(wa_id, "cancella i miei dati")])
    assert post(stack.server, body, signature)[0] == status_code
    assert stack.fake.delivered(wa_id) == []
    assert stack.server.stored_event_count(wa_id) == 0


@pytest.mark.parametrize(
    ("raw", "status_code"),
    [
        (b"{not json", 400),
        (b"\xff\xfe", 400),
        (b"[1, 2]", 200),
        (b'{"entry": "x"}', 200),
        (b'{"entry": [{"changes": [{"value": {"messages": [{"id": 5}]}}]}]}', 200),
    ],
)
def test_malformed_bodies_get_no_5xx(stack: Stack, raw: bytes, status_code: int) -> None:
    before = len(stack.fake.calls())
    got, answer = post(stack.server, raw)
    assert got == status_code
    if got == 400:
        assert "JSON" in json.loads(answer)["errore"]
    assert len(stack.fake.calls()) == before


# -- conversations -----------------------------------------------------------------------


def test_question_in_answer_out_with_whatsapp_bold(stack: Stack) -> None:
    sent = say(stack, "393330000001", text("393330000001", "che cos'è la calcinosi tumorale?"), 2)
    assert all(m["messaging_product"] == "whatsapp" and m["to"] == "393330000001" for m in sent)
    call = stack.fake.calls()[-1]
    assert call.authorization == "Bearer " + stack.fake.env()["WHATSAPP_TOKEN"]
    joined = "\n".join(bodies(sent))
    assert "assistente automatico" in joined
    assert "*Che cos'è la calcinosi tumorale*" in joined and "**" not in joined
    choices = sent[-1]["interactive"]  # related topics and the vote: more than 3, a list
    assert choices["type"] == "list"
    rows = choices["action"]["sections"][0]["rows"]
    assert 3 < len(rows) <= 10 and all(len(r["title"]) <= 24 for r in rows)
    assert any(r["id"].startswith("/utile") for r in rows)


def test_reply_buttons_and_a_button_reply(stack: Stack) -> None:
    wa_id = "393330000002"
    sent = say(stack, wa_id, text(wa_id, "attiva i promemoria"))
    question = sent[-1]["interactive"]
    assert question["type"] == "button"
    buttons = question["action"]["buttons"]
    assert [(b["reply"]["id"], b["reply"]["title"]) for b in buttons] == [
        ("/affermazione", "Sì"),
        ("/negazione", "No"),
    ]
    assert "*Sei d'accordo?*" in question["body"]["text"]
    after = say(stack, wa_id, button_reply(wa_id, "/affermazione"))
    assert "esami del fosfato" in bodies(after)[-1]  # the form asks the first date


def test_status_callbacks_get_nothing(stack: Stack) -> None:
    before = len(stack.fake.calls())
    assert post(stack.server, update(statuses=[status("393330000003")]))[0] == 200
    assert len(stack.fake.calls()) == before


def test_an_image_gets_a_polite_answer(stack: Stack) -> None:
    sent = say(stack, "393330000004", image("393330000004"))
    assert bodies(sent) == [
        "Per ora capisco solo i messaggi scritti: immagini, audio, adesivi e "
        "allegati non riesco a leggerli. Scrivimi la tua domanda con un "
        "messaggio di testo, per favore."
    ]
    assert stack.server.stored_event_count("393330000004") == 0  # never reached Rasa


def test_forget_my_data_also_forgets_the_conversation(stack: Stack) -> None:
    wa_id = "393330000005"
    say(stack, wa_id, text(wa_id, "ciao"))
    assert stack.server.stored_event_count(wa_id) > 0
    say(stack, wa_id, text(wa_id, "cancella i miei dati"))
    assert stack.server.stored_event_count(wa_id) == 0


def test_sign_up_on_whatsapp_then_the_reminder_due_months_later_is_a_template(stack: Stack) -> None:
    """``send-due --now`` judges the 24-hour window at the time of the pass: the patient wrote
    today, the reminder is due in months, so it is the approved template with the date."""
    wa_id, done = "393330000006", date.today() - timedelta(days=10)
    for message in (
        "attiva i promemoria",
        "sì",
        done.strftime("%d/%m/%Y"),
        done.strftime("%d/%m/%Y"),
    ):
        say(stack, wa_id, text(wa_id, message))
    with sqlite3.connect(stack.server.reminders_db) as db:
        assert db.execute(
            "SELECT channel, consent_text_version FROM subscriber WHERE channel_user_id = ?",
            (wa_id,),
        ).fetchall() == [("whatsapp", ContentStore().texts("promemoria")["versione_consenso"])]
    first_notice = add_months(done, 6) - timedelta(days=14)
    now = datetime.combine(first_notice, datetime.min.time()).replace(hour=10).isoformat()
    before = len(stack.fake.delivered(wa_id))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "reminders", "send-due", "--now", now],
        env={
            **os.environ,
            **stack.fake.env(),
            "PYTHONPATH": str(ROOT),
            "CALCINOSI_DB_URL": f"sqlite:///{stack.server.reminders_db}",
            "CALCINOSI_TRACKER_URL": f"sqlite:///{stack.server.tracker_db}",
            "CALCINOSI_CONTENT_DIR": str(stack.server.content_dir),
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Promemoria inviati: 1;" in result.stdout
    reminder = stack.fake.delivered(wa_id)[before:]
    assert [m["type"] for m in reminder] == ["template"]
    parameters = reminder[0]["template"]["components"][0]["parameters"]
    assert parameters == [{"type": "text", "text": italian_date(add_months(done, 6))}]
    for secret in (wa_id, APP_SECRET, stack.fake.env()["WHATSAPP_TOKEN"]):
        assert secret not in result.stderr


def test_a_redelivered_message_is_answered_once_also_after_a_restart(stack: Stack) -> None:
    wa_id = "393330000007"
    message = text(wa_id, "ciao", mid="wamid.HBgLMzkzMzMwMDAwMDA3FQIAEhgg")
    first = say(stack, wa_id, message)
    assert first
    assert post(stack.server, update([message]))[0] == 200
    assert post(stack.server, update([message, message]))[0] == 200
    stack.restart()
    assert post(stack.server, update([message]))[0] == 200
    other = say(stack, wa_id, text(wa_id, "grazie"))  # still answering, after the others
    assert stack.fake.delivered(wa_id) == first + other
    logs = [stack.server.log_path, stack.work / "first" / "server.log"]
    for path in logs:  # no user ids, no message text
        log = path.read_text(errors="replace")
        assert wa_id not in log and "393330000001" not in log and "calcinosi tumorale?" not in log
