"""WhatsApp Cloud API sender (``POST /{phone number id}/messages``).

WhatsApp lets a business write freely only within 24 hours of the user's last message;
otherwise only an approved template. So: if the user wrote within the window (their last
message time, ``InboundLog.last_received``, recorded by the channel), the reminder text
itself; otherwise the template of its kind (WHATSAPP_TEMPLATE_6M / _12M, language
WHATSAPP_TEMPLATE_LANG) with the due date ("15 marzo 2027") as its body parameter. A text
refused as outside the window (error 131047) is sent again as the template.

Failures, as ``ChannelError`` (see ``bot.reminders.senders``): 429 and the throughput
errors 130429, 131048, 131056 are retryable and ``throttled`` (``Retry-After`` honoured;
the dispatcher pauses the channel); 5xx and 404
retryable; 504, timeouts and lost connections "maybe delivered"; 400, 401, 403 (invalid
recipient, parameters, token) permanent. The Graph API has no idempotency key:
``idempotent`` is False.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import requests
from sqlalchemy.exc import SQLAlchemyError

from bot.reminders.dates import italian_date
from bot.reminders.models import kind_and_due
from bot.reminders.senders import SENT, ChannelError, post
from bot.whatsapp.config import WhatsAppConfig
from bot.whatsapp.inbound_log import InboundLog
from bot.whatsapp.messages import template_message, text_message, whatsapp_markdown

log = logging.getLogger(__name__)
# Free text only well inside the 24 hours: the request takes time, clocks differ.
WINDOW = timedelta(hours=24) - timedelta(minutes=15)
THROUGHPUT_CODES = frozenset({130429, 131048, 131056})
OUTSIDE_WINDOW_CODE = 131047
RETRYABLE_STATUS = frozenset({404, 408, 429})
AMBIGUOUS_STATUS = frozenset({504})


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _error(response: requests.Response) -> tuple[int | None, float | None]:
    """(Graph error code, Retry-After seconds) of an error answer."""
    code = None
    try:
        error = response.json().get("error")
        if isinstance(error, dict) and isinstance(error.get("code"), int):
            code = error["code"]
    except (ValueError, AttributeError):
        pass
    retry_after = None
    try:
        retry_after = float(response.headers.get("Retry-After", ""))
    except ValueError:
        pass
    return code, retry_after


class OutsideWindow(Exception):
    """The Graph API refused free text: the user last wrote more than 24 hours ago."""


class WhatsAppSender:
    idempotent = False

    def __init__(
        self,
        config: WhatsAppConfig,
        inbound: InboundLog | None = None,
        *,
        timeout: tuple[float, float] = (5.0, 15.0),
        session: requests.Session | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.config = config
        self.inbound = inbound
        self._timeout = timeout
        self._session = session or requests.Session()
        self._clock = clock

    def __repr__(self) -> str:  # never show the token
        return "WhatsAppSender()"

    def in_window(self, wa_id: str) -> bool:
        """True if the user wrote less than 24 hours ago (minus a margin). Unknown (no log,
        database error): False, the template, which is valid at any time."""
        try:
            last = self.inbound.last_received(wa_id) if self.inbound else None
        except SQLAlchemyError:
            log.warning("ultimo messaggio WhatsApp non letto: invio il modello")
            return False
        return last is not None and self._clock() - last < WINDOW

    def template(self, wa_id: str, idempotency_key: str) -> dict[str, Any]:
        kind, due = kind_and_due(idempotency_key)
        cfg = self.config
        name, language = cfg.template_for(kind), cfg.template_lang
        return template_message(wa_id, name, language, [italian_date(due)])

    def send(self, chat_id: str, text: str, *, idempotency_key: str) -> str:
        if self.in_window(chat_id):
            try:
                return self._post(text_message(chat_id, whatsapp_markdown(text)))
            except OutsideWindow:
                pass
        return self._post(self.template(chat_id, idempotency_key))

    def _post(self, payload: dict[str, Any]) -> str:
        headers = {"Authorization": f"Bearer {self.config.token}"}
        response = post(
            self._session, self.config.messages_url, json=payload, headers=headers,
            timeout=self._timeout,
        )
        return self._check(response, payload["type"])

    @staticmethod
    def _check(response: requests.Response, sent_type: str) -> str:
        status = response.status_code
        if status == 200:
            return SENT
        code, retry_after = _error(response)
        if code == OUTSIDE_WINDOW_CODE and sent_type == "text":
            raise OutsideWindow()
        if status in AMBIGUOUS_STATUS:
            raise ChannelError(f"http_{status}", retryable=True, maybe_delivered=True)
        if code in THROUGHPUT_CODES or status == 429:
            label = f"throttled_{code or status}"
            raise ChannelError(label, retryable=True, retry_after=retry_after, throttled=True)
        retryable = status >= 500 or status in RETRYABLE_STATUS
        label = f"http_{status}" + (f"_{code}" if code else "")
        raise ChannelError(label, retryable=retryable, retry_after=retry_after)
