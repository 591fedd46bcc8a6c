"""A local fake of the WhatsApp Cloud API (``POST /{phone number id}/messages``), and
helpers to build signed webhook bodies as Meta sends them.

Runs ``http.server`` in a thread on 127.0.0.1 with a random port, records every
request, and fails on demand::

    with FakeGraph() as fake:
        fake.fail_next(429, code=130429, retry_after=30)  # the next request is throttled
        fake.close_window("393331234567")  # free text to this user: error 131047
        ...
        fake.delivered()                   # [message body, ...] a real API would accept
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.integration.fake_server import FakeServer

TOKEN = "EAAG-test-token"
PHONE_NUMBER_ID = "109876543210"
APP_SECRET = "app-secret-for-tests"
VERIFY_TOKEN = "verifica-calcinosi"


@dataclass(frozen=True)
class Call:
    path: str
    authorization: str
    body: dict[str, Any]
    status: int
    delivered: bool


class FakeGraph(FakeServer):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._fail_queue: list[tuple[int, int | None, float | None]] = []
        self._closed_windows: set[str] = set()
        super().__init__()

    @property
    def url(self) -> str:
        return f"{self.origin}/v21.0"

    def env(self) -> dict[str, str]:
        """The WHATSAPP_* variables pointing at this fake."""
        return {
            "WHATSAPP_TOKEN": TOKEN,
            "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
            "WHATSAPP_APP_SECRET": APP_SECRET,
            "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
            "WHATSAPP_API_URL": self.url,
        }

    # -- failure plan ------------------------------------------------------------

    def fail_next(
        self, status: int, code: int | None = None, times: int = 1, retry_after: float | None = None
    ) -> None:
        with self._lock:
            self._fail_queue.extend([(status, code, retry_after)] * times)

    def close_window(self, wa_id: str) -> None:
        """Free text (not templates) to ``wa_id`` is refused with error 131047."""
        with self._lock:
            self._closed_windows.add(wa_id)

    # -- what happened -----------------------------------------------------------

    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def delivered(self, to: str | None = None) -> list[dict[str, Any]]:
        return [c.body for c in self.calls() if c.delivered and to in (None, c.body.get("to"))]

    def wait_for(self, to: str, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        """The messages delivered to ``to`` once there are ``count`` (or after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while len(self.delivered(to)) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.delivered(to)

    # -- server ------------------------------------------------------------------

    def _decide(self, body: dict[str, Any]) -> tuple[int, int | None, float | None]:
        with self._lock:
            if body.get("type") == "text" and body.get("to") in self._closed_windows:
                return 400, 131047, None
            if self._fail_queue:
                return self._fail_queue.pop(0)
            return 200, None, None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def handle(self) -> None:
                try:
                    super().handle()
                except ConnectionResetError:  # a stopped stack drops its kept-alive connection
                    pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                auth = self.headers.get("Authorization", "")
                if self.path != f"/v21.0/{PHONE_NUMBER_ID}/messages":
                    status, code, retry_after = 404, 803, None
                elif auth != f"Bearer {TOKEN}":
                    status, code, retry_after = 401, 190, None
                elif body.get("messaging_product") != "whatsapp":
                    status, code, retry_after = 400, 100, None
                else:
                    status, code, retry_after = fake._decide(body)
                with fake._lock:
                    fake._calls.append(Call(self.path, auth, body, status, status == 200))
                if status == 200:
                    answer: dict[str, Any] = {
                        "messaging_product": "whatsapp",
                        "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                        "messages": [{"id": f"wamid.{uuid.uuid4().hex}"}],
                    }
                else:
                    answer = {
                        "error": {
                            "message": "errore simulato",
                            "type": "OAuthException",
                            "code": code,
                            "fbtrace_id": "x",
                        }
                    }
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if retry_after is not None:
                    self.send_header("Retry-After", str(retry_after))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


# -- webhook bodies, as Meta sends them ----------------------------------------------


def sign(raw: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def message_id() -> str:
    return f"wamid.{uuid.uuid4().hex}"


def text(wa_id: str, body: str, mid: str | None = None) -> dict[str, Any]:
    return {
        "from": wa_id,
        "id": mid or message_id(),
        "timestamp": str(int(time.time())),
        "type": "text",
        "text": {"body": body},
    }


def button_reply(wa_id: str, payload: str, title: str = "Sì") -> dict[str, Any]:
    return {
        "from": wa_id,
        "id": message_id(),
        "timestamp": str(int(time.time())),
        "type": "interactive",
        "interactive": {"type": "button_reply", "button_reply": {"id": payload, "title": title}},
    }


def image(wa_id: str) -> dict[str, Any]:
    return {
        "from": wa_id,
        "id": message_id(),
        "timestamp": str(int(time.time())),
        "type": "image",
        "image": {"id": "media-1", "mime_type": "image/jpeg", "sha256": "x"},
    }


def update(
    messages: list[dict[str, Any]] | None = None, statuses: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "390550000000", "phone_number_id": PHONE_NUMBER_ID},
    }
    if messages:
        value["contacts"] = [
            {"profile": {"name": "Paziente"}, "wa_id": m["from"]} for m in messages
        ]
        value["messages"] = messages
    if statuses:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"value": value, "field": "messages"}]}],
    }


def status(wa_id: str) -> dict[str, Any]:
    return {
        "id": message_id(),
        "status": "delivered",
        "timestamp": str(int(time.time())),
        "recipient_id": wa_id,
    }
