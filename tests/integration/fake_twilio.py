"""A local fake of Twilio's Messages API (``POST /2010-04-01/Accounts/{sid}/Messages.json``),
and a helper to sign incoming-SMS webhooks as Twilio does.

Runs ``http.server`` in a thread on 127.0.0.1 with a random port, records every request
(basic auth, form fields), and fails on demand::

    with FakeTwilio() as fake:
        fake.fail_next(429, code=20429, retry_after=30)
        ...
        fake.delivered()    # [form fields, ...] a real API would have queued
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl

from bot.twilio import signature
from tests.integration.fake_server import FakeServer

ACCOUNT_SID = "AC" + "0" * 30
AUTH_TOKEN = "twilio-auth-token-for-tests"
FROM = "Calcinosi"
MESSAGES_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


@dataclass(frozen=True)
class Call:
    path: str
    authorization: str
    form: dict[str, str]
    status: int
    delivered: bool


class FakeTwilio(FakeServer):
    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._fail_queue: list[tuple[int, int | None, float | None]] = []
        super().__init__()

    @property
    def url(self) -> str:
        return self.origin

    def env(self) -> dict[str, str]:
        """The TWILIO_* variables pointing at this fake."""
        return {
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM": FROM,
            "TWILIO_API_URL": self.url,
        }

    def fail_next(
        self, status: int, code: int | None = None, times: int = 1, retry_after: float | None = None
    ) -> None:
        with self._lock:
            self._fail_queue.extend([(status, code, retry_after)] * times)

    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def delivered(self, to: str | None = None) -> list[dict[str, str]]:
        return [c.form for c in self.calls() if c.delivered and to in (None, c.form.get("To"))]

    def delivered_counts(self) -> Counter[tuple[str, str]]:
        """How many times each (To, Body) was accepted."""
        return Counter((f["To"], f["Body"]) for f in self.delivered())

    def _decide(self) -> tuple[int, int | None, float | None]:
        with self._lock:
            if self._fail_queue:
                return self._fail_queue.pop(0)
            return 201, None, None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self
        expected_auth = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def handle(self) -> None:
                try:
                    super().handle()
                except ConnectionResetError:
                    pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode("utf-8"), True))
                auth = self.headers.get("Authorization", "")
                if self.path != MESSAGES_PATH:
                    status, code, retry_after = 404, 20404, None
                elif auth != expected_auth:
                    status, code, retry_after = 401, 20003, None
                elif not form.get("To") or not form.get("Body"):
                    status, code, retry_after = 400, 21604, None
                elif not (form.get("From") or form.get("MessagingServiceSid")):
                    status, code, retry_after = 400, 21603, None
                else:
                    status, code, retry_after = fake._decide()
                with fake._lock:
                    fake._calls.append(Call(self.path, auth, form, status, status == 201))
                if fake.latency:  # recorded first: a client that gives up may still have sent it
                    time.sleep(fake.latency)
                if status == 201:
                    answer: dict[str, Any] = {
                        "sid": f"SM{uuid.uuid4().hex}",
                        "status": "queued",
                        "to": form.get("To"),
                        "body": form.get("Body"),
                    }
                else:
                    answer = {"code": code, "message": "errore simulato", "status": status}
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if retry_after is not None:
                    self.send_header("Retry-After", str(retry_after))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def signed(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> dict[str, str]:
    """The headers Twilio sends with a webhook of ``params`` to ``url``."""
    return {
        "X-Twilio-Signature": signature(url, params, token),
        "Content-Type": "application/x-www-form-urlencoded",
    }


def inbound(number: str, body: str) -> dict[str, str]:
    """The form fields of an incoming SMS, as Twilio posts them."""
    return {
        "MessageSid": f"SM{uuid.uuid4().hex}",
        "AccountSid": ACCOUNT_SID,
        "From": number,
        "To": "+390550000000",
        "Body": body,
        "NumMedia": "0",
    }
