"""A local fake of the Telegram Bot API (``sendMessage`` only) for the dispatcher tests.

Runs ``http.server`` in a thread on 127.0.0.1 with a random port, records every
request, and fails on demand::

    with FakeTelegram() as fake:
        fake.fail_next(500, times=2)      # the next 2 requests answer 500
        fake.fail_chat("42", 403)         # chat 42 always answers 403 (bot blocked)
        fake.delay_next(2.0)              # the next request is delivered, answered late
        fake.drop_next()                  # the next request is delivered, connection closed
        FakeTelegram(throttle=limits.check)  # 429 + retry_after when limits.check(chat) says so
        ...
        fake.delivered()                  # [(chat_id, text), ...] actually delivered
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

from tests.integration.fake_server import FakeServer

TOKEN = "123456:TEST-TOKEN"


@dataclass(frozen=True)
class Call:
    token: str
    chat_id: str
    text: str
    status: int  # what the fake answered (0: connection dropped)
    delivered: bool  # True if a real Telegram would have shown the message


class FakeTelegram(FakeServer):
    def __init__(
        self, latency: float = 0.0, throttle: Callable[[str], float | None] | None = None
    ) -> None:
        self.latency = latency
        self._throttle = throttle  # chat_id -> retry_after if sent too fast, else None
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._fail_queue: list[tuple[int, float | None]] = []
        self._fail_chats: dict[str, int] = {}
        self._delays: list[float] = []
        self._drops = 0
        self._message_id = 0
        super().__init__()

    # -- lifecycle ---------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.origin

    # -- failure plan ------------------------------------------------------------

    def fail_next(self, status: int, times: int = 1, retry_after: float | None = None) -> None:
        with self._lock:
            self._fail_queue.extend([(status, retry_after)] * times)

    def fail_chat(self, chat_id: str, status: int) -> None:
        with self._lock:
            self._fail_chats[str(chat_id)] = status

    def delay_next(self, seconds: float, times: int = 1) -> None:
        with self._lock:
            self._delays.extend([seconds] * times)

    def drop_next(self, times: int = 1) -> None:
        with self._lock:
            self._drops += times

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._fail_queue.clear()
            self._fail_chats.clear()
            self._delays.clear()
            self._drops = 0

    # -- what happened -----------------------------------------------------------

    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def delivered(self) -> list[tuple[str, str]]:
        return [(c.chat_id, c.text) for c in self.calls() if c.delivered]

    def delivered_counts(self) -> Counter[tuple[str, str]]:
        return Counter(self.delivered())

    def requests_for(self, chat_id: str) -> int:
        return sum(1 for c in self.calls() if c.chat_id == str(chat_id))

    # -- server ------------------------------------------------------------------

    def _decide(self, chat_id: str) -> tuple[int, float | None, float, bool]:
        """(status, retry_after, delay, drop) for one request."""
        with self._lock:
            if chat_id in self._fail_chats:
                return self._fail_chats[chat_id], None, 0.0, False
            if self._fail_queue:
                status, retry_after = self._fail_queue.pop(0)
                return status, retry_after, 0.0, False
            retry_after = self._throttle(chat_id) if self._throttle else None
            if retry_after is not None:
                return 429, retry_after, 0.0, False
            if self._drops:
                self._drops -= 1
                return 0, None, 0.0, True
            delay = self._delays.pop(0) if self._delays else 0.0
            return 200, None, delay, False

    def _record(self, call: Call) -> int:
        with self._lock:
            self._calls.append(call)
            self._message_id += 1
            return self._message_id

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms stalls

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                parts = self.path.strip("/").split("/")
                if len(parts) != 2 or not parts[0].startswith("bot") or parts[1] != "sendMessage":
                    self._answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                    return
                token = parts[0][3:]
                if "json" in (self.headers.get("Content-Type") or ""):
                    body = json.loads(raw or "{}")
                else:
                    body = {k: v[0] for k, v in parse_qs(raw).items()}
                chat_id, text = str(body.get("chat_id", "")), str(body.get("text", ""))
                if fake.latency:
                    time.sleep(fake.latency)
                if token != TOKEN:
                    fake._record(Call(token, chat_id, text, 401, False))
                    self._answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                    return
                status, retry_after, delay, drop = fake._decide(chat_id)
                if drop:
                    fake._record(Call(token, chat_id, text, 0, True))
                    self.close_connection = True
                    self.connection.close()
                    return
                if status != 200:
                    fake._record(Call(token, chat_id, text, status, False))
                    answer: dict[str, Any] = {
                        "ok": False,
                        "error_code": status,
                        "description": {
                            403: "Forbidden: bot was blocked by the user",
                            429: "Too Many Requests: retry later",
                        }.get(status, "Internal Server Error"),
                    }
                    if retry_after is not None:
                        answer["parameters"] = {"retry_after": retry_after}
                    self._answer(status, answer)
                    return
                message_id = fake._record(Call(token, chat_id, text, 200, True))
                if delay:
                    time.sleep(delay)
                self._answer(
                    200,
                    {"ok": True, "result": {"message_id": message_id, "chat": {"id": chat_id}, "text": text}},
                )

            def _answer(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler
