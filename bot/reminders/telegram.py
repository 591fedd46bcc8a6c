"""Telegram Bot API sender (``sendMessage``) with a classification of failures.

The Bot API has no idempotency key, so ``TelegramSender.idempotent`` is False:
when the outcome of a request is unknown the dispatcher does not resend it.
"""

from __future__ import annotations

from typing import Any

import requests

from bot.reminders.config import DEFAULT_TELEGRAM_API_URL
from bot.reminders.senders import SENT, ChannelError, WebSender, post

__all__ = ["ChannelError", "TelegramSender", "WebSender"]

# 401/404: wrong token or URL, a configuration problem that may be fixed: retry.
RETRYABLE_STATUS = {401, 404, 408, 409, 425, 429}
# 504 from a gateway: the Bot API behind it may have handled the request.
AMBIGUOUS_STATUS = {504}


class TelegramSender:
    idempotent = False

    def __init__(
        self,
        token: str,
        api_base_url: str = DEFAULT_TELEGRAM_API_URL,
        *,
        timeout: tuple[float, float] = (5.0, 15.0),
        session: requests.Session | None = None,
    ) -> None:
        if not token:
            raise ValueError("token Telegram mancante")
        self._url = f"{api_base_url.rstrip('/')}/bot{token}/sendMessage"
        self._timeout = timeout
        self._session = session or requests.Session()

    def __repr__(self) -> str:  # never show the token
        return "TelegramSender()"

    def send(self, chat_id: str, text: str, *, idempotency_key: str) -> str:
        payload = {"chat_id": chat_id, "text": text, "disable_web_page_preview": True}
        response = post(self._session, self._url, json=payload, timeout=self._timeout)
        return self._check(response)

    @staticmethod
    def _check(response: requests.Response) -> str:
        status = response.status_code
        if status == 200:
            return SENT
        body: dict[str, Any] = {}
        try:
            parsed = response.json()
            if isinstance(parsed, dict):
                body = parsed
        except ValueError:
            pass
        retry_after = None
        params = body.get("parameters")
        if isinstance(params, dict) and isinstance(params.get("retry_after"), int | float):
            retry_after = float(params["retry_after"])
        code = f"http_{status}"
        if status in AMBIGUOUS_STATUS:
            raise ChannelError(code, retryable=True, maybe_delivered=True)
        # Any other error answer means Telegram did not deliver the message.
        retryable = status >= 500 or status in RETRYABLE_STATUS
        raise ChannelError(code, retryable=retryable, retry_after=retry_after)
