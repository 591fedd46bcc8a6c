"""SMS reminders through Twilio's Messages API (``POST .../Accounts/{sid}/Messages.json``).

Form fields ``To`` (the E.164 number), ``From`` (``TWILIO_FROM``) or
``MessagingServiceSid``, ``Body``; HTTP basic auth with the account sid and auth token.
The body is the reminder the dispatcher built from content/it/promemoria.yml without its
chat instructions (``avviso_come_rispondere``: there is no conversation over SMS), plus
how to stop them (``STOP_LINE``, answered by bot/channels/twilio_sms.py).

Failures, as ``ChannelError`` (see ``bot.reminders.senders``): 429 retryable and
``throttled`` (``Retry-After`` honoured: the dispatcher pauses the channel); 5xx, 401,
404 retryable (401/404: a wrong sid or token, which an operator may fix); 504, timeouts
and connections lost after the request was sent "maybe delivered" (never resent); other
4xx permanent, among them 400 with Twilio's codes for an invalid number (21211), a
number that answered STOP (21610) and a number that cannot receive SMS (21614). The API
has no idempotency key: ``idempotent`` is False. Accepted (201) means queued at Twilio;
later carrier failures are not tracked.
"""

from __future__ import annotations

import requests

from bot.content import ContentStore
from bot.reminders.senders import SENT, ChannelError, post
from bot.twilio import TwilioConfig

STOP_LINE = "Per non ricevere più questi SMS rispondi STOP."
PERMANENT_CODES = frozenset({21211, 21610, 21614})
RETRYABLE_STATUS = frozenset({401, 404, 408, 409, 425})
AMBIGUOUS_STATUS = frozenset({504})


def sms_body(text: str, content: ContentStore) -> str:
    """The reminder ``text`` without the chat instructions, then ``STOP_LINE``."""
    chat = str(content.texts("promemoria").get("avviso_come_rispondere") or "").strip()
    notice = text.strip()
    if chat:
        notice = notice.removesuffix(chat).strip()
    return f"{notice}\n{STOP_LINE}"


def _error(response: requests.Response) -> tuple[int | None, float | None]:
    """(Twilio error code, Retry-After seconds) of an error answer."""
    code = None
    try:
        body = response.json()
        if isinstance(body, dict) and isinstance(body.get("code"), int):
            code = body["code"]
    except ValueError:
        pass
    try:
        retry_after: float | None = float(response.headers.get("Retry-After", ""))
    except ValueError:
        retry_after = None
    return code, retry_after


class SmsSender:
    idempotent = False

    def __init__(
        self,
        config: TwilioConfig,
        content: ContentStore | None = None,
        *,
        timeout: tuple[float, float] = (5.0, 15.0),
        session: requests.Session | None = None,
    ) -> None:
        self.config = config
        self.content = content or ContentStore()
        self._timeout = timeout
        self._session = session or requests.Session()

    def __repr__(self) -> str:  # never show the token
        return "SmsSender()"

    def send(self, chat_id: str, text: str, *, idempotency_key: str) -> str:
        form = {"To": chat_id, **self.config.sender_fields(), "Body": sms_body(text, self.content)}
        auth = (self.config.account_sid, self.config.auth_token)
        response = post(
            self._session, self.config.messages_url, data=form, auth=auth, timeout=self._timeout
        )
        return self._check(response)

    @staticmethod
    def _check(response: requests.Response) -> str:
        status = response.status_code
        if status in (200, 201):
            return SENT
        code, retry_after = _error(response)
        label = f"http_{status}" + (f"_{code}" if code else "")
        if status in AMBIGUOUS_STATUS:
            raise ChannelError(label, retryable=True, maybe_delivered=True)
        if status == 429:
            raise ChannelError(label, retryable=True, retry_after=retry_after, throttled=True)
        if code in PERMANENT_CODES:
            raise ChannelError(label, retryable=False)
        retryable = status >= 500 or status in RETRYABLE_STATUS
        raise ChannelError(label, retryable=retryable, retry_after=retry_after)
