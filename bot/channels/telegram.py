"""Telegram conversations through Rasa's connector, fixed for our needs.

Differences from ``rasa.core.channels.telegram``:
- the Bot API base URL is configurable (``api_url`` in credentials, or TELEGRAM_API_URL),
  so tests talk to a local fake and deployments can use a local Bot API server;
- the webhook is registered after the server starts, inside its event loop (Rasa 3.6 calls
  ``asyncio.run`` inside the running loop, which breaks);
- each bot message is sent whole (text and buttons), ``custom`` stays internal;
- "/start" is a greeting; "cancella i miei dati" also forgets the conversation;
- the webhook is registered with a ``secret_token`` and updates without it get 403:
  otherwise anyone who knows the URL could write as any chat id (and, say, delete
  someone else's reminders).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.bot.api import TelegramAPIServer
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput as RasaTelegramInput
from rasa.core.channels.telegram import TelegramOutput as RasaTelegramOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.common import (
    CONTROL_CHARS,
    MAX_MESSAGE_CHARS,
    forget_after_reply,
    take_forget_flag,
)

logger = logging.getLogger(__name__)
DEFAULT_API_URL = "https://api.telegram.org"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)


def webhook_secret(access_token: str) -> str:
    """A stable secret for the webhook, derived from the bot token (64 hex characters)."""
    return hmac.new(access_token.encode(), b"calcinosi-telegram-webhook", hashlib.sha256).hexdigest()


class TelegramOutput(RasaTelegramOutput):
    def __init__(self, access_token: str, api_url: str) -> None:
        super(RasaTelegramOutput, self).__init__(  # aiogram Bot with our server
            access_token, server=TelegramAPIServer.from_base(api_url.rstrip("/"))
        )

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        text = str(message.get("text") or "").replace("**", "")
        buttons = message.get("buttons")
        if buttons:
            await self.send_text_with_buttons(recipient_id, text, buttons)
        elif text:
            await self.send_message(recipient_id, text)


class _Recorder(OutputChannel):
    """Per-message wrapper: forwards to Telegram and notes a request to forget."""

    def __init__(self, inner: TelegramOutput) -> None:
        self.inner = inner
        self.forget_requested = False

    @classmethod
    def name(cls) -> str:
        return "telegram"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        message, forget = take_forget_flag(message)
        self.forget_requested |= forget
        await self.inner.send_response(recipient_id, message)


def _object(value: Any) -> dict[str, Any]:
    """The value if it is a JSON object, else an empty one (updates come from outside)."""
    return value if isinstance(value, dict) else {}


class TelegramInput(RasaTelegramInput):
    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            credentials.get("access_token"),
            credentials.get("verify"),
            credentials.get("webhook_url"),
            debug_mode=False,
            api_url=credentials.get("api_url") or os.environ.get("TELEGRAM_API_URL") or DEFAULT_API_URL,
            secret_token=credentials.get("secret_token"),
        )

    def __init__(self, access_token: str | None, verify: str | None, webhook_url: str | None,
                 debug_mode: bool = False, api_url: str = DEFAULT_API_URL,
                 secret_token: str | None = None) -> None:
        super().__init__(access_token, verify, webhook_url, debug_mode)
        self.api_url = api_url
        self.secret_token = secret_token or webhook_secret(access_token or "")

    def get_output_channel(self) -> TelegramOutput:
        return TelegramOutput(str(self.access_token), self.api_url)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("calcinosi_telegram_webhook", __name__)
        out_channel = self.get_output_channel()

        @webhook.listener("after_server_start")
        async def register_webhook(app: Any, _loop: Any) -> None:
            try:
                # aiogram 2.15's set_webhook has no secret_token parameter: the raw method.
                await out_channel.request(
                    "setWebhook", {"url": self.webhook_url, "secret_token": self.secret_token}
                )
                logger.info("webhook Telegram registrato")
            except Exception as error:  # noqa: BLE001 (the chat must start anyway)
                logger.warning("webhook Telegram non registrato: %s", type(error).__name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            given = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), self.secret_token.encode()):
                return response.json({"errore": "Richiesta non autorizzata."}, status=403)
            try:
                update = _object(json.loads(request.body or b"null"))
            except (ValueError, UnicodeDecodeError):
                return response.json({"errore": "La richiesta non è un JSON valido."}, status=400)
            callback = _object(update.get("callback_query"))
            msg = _object(
                callback.get("message") or update.get("message") or update.get("edited_message")
            )
            text = callback.get("data") or msg.get("text")
            chat_id = _object(msg.get("chat")).get("id")
            if not isinstance(text, str) or type(chat_id) is not int:  # Telegram ids are integers
                return response.text("success")  # stickers, photos...: nothing to answer
            text = CONTROL_CHARS.sub("", text).strip()[:MAX_MESSAGE_CHARS]
            if text in ("/start", "/start@" + str(self.verify)):
                text = "ciao"
            if not text:
                return response.text("success")
            recorder = _Recorder(out_channel)
            await on_new_message(
                UserMessage(text, recorder, str(chat_id), input_channel=self.name())
            )
            if recorder.forget_requested:
                await forget_after_reply(request.app.ctx.agent, str(chat_id))
            return response.text("success")

        return webhook
