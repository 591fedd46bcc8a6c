"""REST channel at /webhooks/rest/webhook, replacing Rasa's own.

Differences from Rasa's RestInput: input is checked before it reaches the model
(size, JSON shape, encoding, sender id) with polite Italian 4xx answers; each bot
message keeps text, buttons and ``custom`` together; message text is never logged;
"cancella i miei dati" also removes the conversation from the tracker store.
"""

from __future__ import annotations

import json
import logging
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.common import (
    MAX_BODY_BYTES,
    InputRejected,
    TopicCollector,
    clean_sender,
    clean_text,
    forget_after_reply,
)

logger = logging.getLogger(__name__)


def parse_request_body(raw: bytes) -> tuple[str, str, dict[str, Any] | None]:
    """Returns (sender, text, metadata) from a request body, or raises InputRejected."""
    if len(raw) > MAX_BODY_BYTES:
        raise InputRejected(413, "Il messaggio è troppo lungo. Prova a scriverlo in parti più brevi.")
    try:
        body = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputRejected(400, "Il testo non è leggibile (codifica non UTF-8).") from None
    except json.JSONDecodeError:
        raise InputRejected(400, "La richiesta non è un JSON valido.") from None
    if not isinstance(body, dict):
        raise InputRejected(
            400, "La richiesta deve essere un oggetto JSON con i campi \"sender\" e \"message\"."
        )
    sender = clean_sender(body.get("sender"))  # no shared "default" conversation
    text = clean_text(body.get("message"))
    metadata = body.get("metadata")
    return sender, text, metadata if isinstance(metadata, dict) else None


def error_response(error: InputRejected) -> HTTPResponse:
    return response.json({"errore": str(error)}, status=error.status)


class RestInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("calcinosi_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, text, metadata = parse_request_body(request.body or b"")
            except InputRejected as error:
                return error_response(error)
            collector = TopicCollector()
            try:
                await on_new_message(
                    UserMessage(
                        text, collector, sender, input_channel=self.name(), metadata=metadata
                    )
                )
            except CancelledError:
                logger.error("messaggio non elaborato: tempo scaduto")
                return response.json(
                    {"errore": "Il servizio è molto occupato. Riprova tra poco."}, status=503
                )
            if collector.forget_requested:
                await forget_after_reply(request.app.ctx.agent, sender)
            return response.json(collector.messages)

        return webhook
