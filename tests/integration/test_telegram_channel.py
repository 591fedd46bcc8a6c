"""Telegram conversation end to end: a local fake Bot API, the real Rasa + action servers."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bot.channels.telegram import SECRET_HEADER, webhook_secret
from tests.conftest import start_stack, stop_stack

pytestmark = pytest.mark.server
TOKEN = "123456:TEST-token_for-calcinosi"


class FakeBotApi:
    """Answers getMe, setWebhook and sendMessage like the Bot API, recording each call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                method = self.path.rsplit("/", 1)[-1]
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                ctype = self.headers.get("Content-Type", "")
                if "json" in ctype:
                    params = json.loads(raw or "{}")
                else:
                    from urllib.parse import parse_qsl

                    params = dict(parse_qsl(raw))
                    if "multipart" in ctype:
                        params = {"raw": raw}
                fake.calls.append((method, params))
                result: Any = True
                if method == "getMe":
                    result = {"id": 1, "is_bot": True, "first_name": "Bot", "username": "calcinosi_bot"}
                elif method == "sendMessage":
                    result = {"message_id": len(fake.calls), "date": 0, "chat": {"id": 42, "type": "private"}, "text": "x"}
                body = json.dumps({"ok": True, "result": result}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def sent(self) -> list[dict[str, Any]]:
        return [params for method, params in self.calls if method == "sendMessage"]


@pytest.fixture(scope="module")
def telegram_stack(tmp_path_factory: pytest.TempPathFactory):
    fake = FakeBotApi()
    server, process = start_stack(
        Path(tmp_path_factory.mktemp("telegram")),
        {"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_API_URL": fake.url},
    )
    try:
        yield server, fake
    finally:
        stop_stack(process)
        fake.server.shutdown()


SECRET = {SECRET_HEADER: webhook_secret(TOKEN)}


def post_update(server, update: dict[str, Any]) -> None:
    request = urllib.request.Request(
        f"{server.rasa_url}/webhooks/telegram/webhook",
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json", **SECRET},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200


def update(text: str, chat_id: int = 42) -> dict[str, Any]:
    return {
        "update_id": int(time.time() * 1000) % 10**9,
        "message": {
            "message_id": 1, "date": int(time.time()), "text": text,
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Paziente"},
        },
    }


def test_webhook_is_registered_at_start(telegram_stack) -> None:
    server, fake = telegram_stack
    deadline = time.monotonic() + 10
    while not any(m == "setWebhook" for m, _ in fake.calls) and time.monotonic() < deadline:
        time.sleep(0.1)
    params = next(p for m, p in fake.calls if m == "setWebhook")
    assert "/webhooks/telegram/webhook" in json.dumps(params)
    assert params["secret_token"] == webhook_secret(TOKEN)


def test_question_in_answer_out(telegram_stack) -> None:
    server, fake = telegram_stack
    before = len(fake.sent())
    post_update(server, update("che cos'è la calcinosi tumorale?", chat_id=4242))
    sent = fake.sent()[before:]
    texts = [str(p.get("text", "")) + str(p.get("raw", "")) for p in sent]
    assert any("assistente automatico" in t for t in texts)
    assert any("Che cos'è la calcinosi tumorale" in t for t in texts)
    assert all("**" not in t for t in texts)


def test_start_command_is_a_greeting_and_stickers_are_ignored(telegram_stack) -> None:
    server, fake = telegram_stack
    before = len(fake.sent())
    post_update(server, update("/start", chat_id=777))
    assert len(fake.sent()) > before
    sticker = update("x", chat_id=778)
    del sticker["message"]["text"]
    before = len(fake.sent())
    post_update(server, sticker)
    assert len(fake.sent()) == before


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b"\xff\xfe", 400),
        (b"[1, 2]", 200),
        (b'{"message": "testo invece di un oggetto"}', 200),
        (b'{"callback_query": "x", "message": {"text": "ciao", "chat": "x"}}', 200),
        (b'{"message": {"text": "ciao", "chat": {"id": "x' + b"9" * 5000 + b'"}}}', 200),
        (b'{"message": {"text": ["lista"], "chat": {"id": 7}}}', 200),
    ],
)
def test_malformed_updates_get_no_5xx_and_no_answer(telegram_stack, body: bytes, status: int) -> None:
    server, fake = telegram_stack
    before = len(fake.sent())
    request = urllib.request.Request(
        f"{server.rasa_url}/webhooks/telegram/webhook", data=body,
        headers={"Content-Type": "application/json", **SECRET}, method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            got = response.status
    except urllib.error.HTTPError as error:
        got = error.code
    assert got == status
    assert len(fake.sent()) == before
    post_update(server, update("ciao", chat_id=77))  # still answering


@pytest.mark.parametrize("secret", [None, "", "indovinato", webhook_secret("un altro token")])
def test_updates_without_the_webhook_secret_are_refused(telegram_stack, secret: str | None) -> None:
    """Otherwise anyone who knows the URL could write as any chat, e.g. delete its data."""
    server, fake = telegram_stack
    before, chat_id = len(fake.sent()), 900_000 + len(fake.calls)
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    request = urllib.request.Request(
        f"{server.rasa_url}/webhooks/telegram/webhook",
        data=json.dumps(update("cancella i miei dati", chat_id=chat_id)).encode(),
        headers=headers, method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 403
    assert len(fake.sent()) == before
    assert server.stored_event_count(str(chat_id)) == 0
