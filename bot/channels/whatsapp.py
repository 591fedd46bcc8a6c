"""WhatsApp Cloud API conversations at /webhooks/whatsapp/webhook (on with WHATSAPP_TOKEN).

* GET: Meta's verification (``hub.mode=subscribe``, ``hub.verify_token``): the
  ``hub.challenge`` back as plain text, 403 on a wrong token.
* POST: only with a valid ``X-Hub-Signature-256`` (HMAC of the raw body with the app
  secret): 401 without it, 403 when wrong, nothing processed. Malformed JSON: 400.
  Text messages and button/list replies (their id is our payload, e.g. "/affermazione")
  go to Rasa as the user's wa_id, through the same checks as the other channels; other
  types (image, audio, sticker...) get a polite answer that only text is understood;
  statuses get nothing. Each message id is answered once, also when Meta delivers it
  again after a restart (bot/whatsapp/inbound_log.py).
* Replies: one WhatsApp message per bot message (bot/whatsapp/messages.py), sent with
  aiohttp; a failed reply is logged with its HTTP status only.
* "cancella i miei dati" also forgets the conversation and the user's received-message log.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.common import (
    InputRejected,
    clean_sender,
    clean_text,
    forget_after_reply,
    take_forget_flag,
)
from bot.reminders.db import make_engine
from bot.whatsapp.config import WhatsAppConfig
from bot.whatsapp.inbound_log import InboundLog
from bot.whatsapp.messages import bot_message
from bot.whatsapp.webhook import SIGNATURE_HEADER, Inbound, inbound_messages, valid_signature

logger = logging.getLogger(__name__)
ONLY_TEXT = (
    "Per ora capisco solo i messaggi scritti: immagini, audio, adesivi e allegati non "
    "riesco a leggerli. Scrivimi la tua domanda con un messaggio di testo, per favore."
)
TIMEOUT = aiohttp.ClientTimeout(total=15, connect=5)


class WhatsAppOutput(OutputChannel):
    """Sends each bot message of one turn and notes a request to forget."""

    def __init__(self, config: WhatsAppConfig, session: aiohttp.ClientSession) -> None:
        self.config = config
        self.session = session
        self.forget_requested = False

    @classmethod
    def name(cls) -> str:
        return "whatsapp"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        message, forget = take_forget_flag(message)
        self.forget_requested |= forget
        for payload in bot_message(recipient_id, message):
            await self.post(payload)

    async def post(self, payload: dict[str, Any]) -> None:
        headers = {"Authorization": f"Bearer {self.config.token}"}
        try:
            async with self.session.post(
                self.config.messages_url, json=payload, headers=headers, timeout=TIMEOUT
            ) as answer:
                if answer.status != 200:
                    logger.warning("risposta WhatsApp non inviata: HTTP %d", answer.status)
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.warning("risposta WhatsApp non inviata: %s", type(error).__name__)


class WhatsAppInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "whatsapp"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        config = WhatsAppConfig.from_credentials(credentials)
        engine = make_engine(credentials.get("db_url") or None)
        return cls(config, InboundLog(engine, config.app_secret))

    def __init__(self, config: WhatsAppConfig, inbound: InboundLog) -> None:
        self.config = config
        self.inbound = inbound
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        """One HTTP session for every reply, opened in the server's event loop."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("calcinosi_whatsapp_webhook", __name__)

        @webhook.listener("before_server_stop")
        async def close_session(_app: Any, _loop: Any) -> None:
            if self._session is not None:
                await self._session.close()

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            token = str(request.args.get("hub.verify_token") or "")
            challenge = str(request.args.get("hub.challenge") or "")
            subscribe = request.args.get("hub.mode") == "subscribe"
            if subscribe and challenge and self._token_matches(token):
                return response.text(challenge)
            return response.text("Verifica non riuscita.", status=403)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            raw = request.body or b""
            given = request.headers.get(SIGNATURE_HEADER)
            if not given:
                return response.json({"errore": "Richiesta non firmata."}, status=401)
            if not valid_signature(raw, given, self.config.app_secret):
                return response.json({"errore": "Firma della richiesta non valida."}, status=403)
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                return response.json({"errore": "La richiesta non è un JSON valido."}, status=400)
            for message in inbound_messages(body, self.config.phone_number_id):
                await self._answer(message, on_new_message, request.app.ctx.agent)
            return response.text("ok")

        return webhook

    def _token_matches(self, token: str) -> bool:
        return hmac.compare_digest(token.encode(), self.config.verify_token.encode())

    async def _answer(
        self,
        message: Inbound,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        agent: Any,
    ) -> None:
        try:
            sender = clean_sender(message.wa_id)
        except InputRejected:
            return  # not a WhatsApp id: nobody to answer
        if not await asyncio.to_thread(self.inbound.first_time, message.message_id, sender):
            logger.info("messaggio WhatsApp già ricevuto: non risposto di nuovo")
            return
        out = WhatsAppOutput(self.config, self.session())
        if message.text is None:
            await out.send_response(sender, {"text": ONLY_TEXT})
            return
        try:
            text = clean_text(message.text)
        except InputRejected as error:
            await out.send_response(sender, {"text": str(error)})
            return
        await on_new_message(UserMessage(text, out, sender, input_channel=self.name()))
        if out.forget_requested:
            await forget_after_reply(agent, sender)
            await asyncio.to_thread(self.inbound.forget_sender, sender, message.message_id)
