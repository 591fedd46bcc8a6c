"""Incoming SMS (Twilio) at /webhooks/twilio/webhook (on with TWILIO_ACCOUNT_SID): only STOP.

* POST only with a valid ``X-Twilio-Signature`` (HMAC-SHA1 of ``TWILIO_WEBHOOK_URL`` and the
  sorted form parameters, keyed with the auth token; bot/twilio.py): 403 otherwise, nothing
  read or deleted.
* Body "STOP", "basta", "cancella" (any case, trimmed; also Twilio's own opt-out words)
  deletes the SMS subscription of the ``From`` number (``ReminderStore.delete_user("sms",
  number)``; the web reminders it belongs to stay) and confirms in TwiML.
* Any other SMS gets a short TwiML answer pointing to the web chat: there is no Rasa
  conversation over SMS.

Logs never carry the number or the text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.reminders.db import make_engine
from bot.reminders.phone import is_italian_mobile
from bot.reminders.store import SMS_CHANNEL, ReminderStore
from bot.twilio import SIGNATURE_HEADER, TwilioConfig, valid_signature

logger = logging.getLogger(__name__)
STOP_WORDS = frozenset(
    {"stop", "basta", "cancella", "stopall", "unsubscribe", "cancel", "end", "quit"}
)
STOPPED = (
    "Fatto: non riceverai più promemoria per SMS e ho cancellato il tuo numero. "
    "I promemoria nella chat del sito restano finché non scrivi \"stop promemoria\"."
)
ONLY_REMINDERS = (
    "Questo numero manda solo i promemoria degli esami e non legge i messaggi. "
    "Per domande usa la chat sul sito. Per non ricevere più SMS rispondi STOP."
)


def twiml(text: str) -> HTTPResponse:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Response><Message>{escape(text)}</Message></Response>"
    )
    return response.text(body, content_type="text/xml; charset=utf-8")


def is_stop(body: str) -> bool:
    return body.strip().strip(".!").strip().lower() in STOP_WORDS


class TwilioSmsInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        config = TwilioConfig.from_credentials(credentials)
        return cls(config, ReminderStore(make_engine(credentials.get("db_url") or None)))

    def __init__(self, config: TwilioConfig, store: ReminderStore) -> None:
        self.config = config
        self.store = store

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("calcinosi_twilio_sms_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                params = dict(parse_qsl((request.body or b"").decode("utf-8"), True))
            except UnicodeDecodeError:
                params = {}
            given = request.headers.get(SIGNATURE_HEADER, "")
            if not params or not valid_signature(
                self.config.webhook_url, params, self.config.auth_token, given
            ):
                return response.text("Firma della richiesta non valida.", status=403)
            if not is_stop(params.get("Body", "")):
                return twiml(ONLY_REMINDERS)
            number = params.get("From", "")
            deleted = is_italian_mobile(number) and await asyncio.to_thread(
                self.store.delete_user, SMS_CHANNEL, number
            )
            logger.info("STOP per SMS: iscrizione cancellata=%s", deleted)
            return twiml(STOPPED)

        return webhook
