"""What every channel of ours shares: input checks, the output collector, forgetting."""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel

from bot.answers import FORGET_FLAG

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
MAX_MESSAGE_CHARS = 5000
SENDER_PATTERN = re.compile(r"\A[A-Za-z0-9_.:@-]{1,128}\Z")
# Control characters other than tab and newline are dropped: they carry no meaning.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class InputRejected(ValueError):
    """A request that is not a usable message; ``str()`` is a polite Italian explanation."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status


def clean_text(value: Any) -> str:
    """Validates and normalises the text of a message, or raises :class:`InputRejected`."""
    if not isinstance(value, str):
        raise InputRejected(400, "Il campo \"message\" deve contenere il testo del messaggio.")
    text = CONTROL_CHARS.sub("", unicodedata.normalize("NFC", value)).strip()
    if not text:
        raise InputRejected(400, "Il messaggio è vuoto. Scrivi la tua domanda, per favore.")
    if len(text) > MAX_MESSAGE_CHARS:
        raise InputRejected(
            413,
            f"Il messaggio è troppo lungo (più di {MAX_MESSAGE_CHARS} caratteri). "
            "Prova a scriverlo in parti più brevi.",
        )
    return text


def take_forget_flag(message: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The bot message without the deletion signal, and whether it carried it.

    The action that confirms "cancella i miei dati" marks its message (bot.answers.Reply);
    the channel that delivers it must then forget the conversation (:func:`forget_after_reply`).
    """
    custom = message.get("custom")
    if not isinstance(custom, dict) or FORGET_FLAG not in custom:
        return message, False
    rest = {key: value for key, value in custom.items() if key != FORGET_FLAG}
    return {**message, "custom": rest}, bool(custom[FORGET_FLAG])


def clean_sender(value: Any) -> str:
    if not isinstance(value, str) or not SENDER_PATTERN.match(value):
        raise InputRejected(
            400,
            "Il campo \"sender\" deve essere un codice di 1-128 caratteri "
            "(lettere, cifre, - _ . : @).",
        )
    return value


class TopicCollector(CollectingOutputChannel):
    """Collects each bot message whole: text, buttons and custom (topic) together.

    Rasa's own collector splits text on blank lines and sends ``custom`` as a separate
    message; our answers must carry ``custom.topic`` on the message with the text.
    """

    @classmethod
    def name(cls) -> str:
        return "collector"

    def __init__(self) -> None:
        super().__init__()
        self.forget_requested = False

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        message, forget = take_forget_flag(message)
        self.forget_requested |= forget
        out: dict[str, Any] = {"recipient_id": recipient_id}
        for key in ("text", "buttons", "image", "attachment", "custom"):
            if message.get(key):
                out[key] = message[key]
        await self._persist_message(out)


def unwrap_tracker_store(store: Any) -> Any:
    """The store under Rasa's wrappers (AwaitableTrackerStore, FailSafeTrackerStore)."""
    seen = 0
    while seen < 5 and hasattr(store, "_tracker_store"):
        store = store._tracker_store
        seen += 1
    return store


def forget_conversation(tracker_store: Any, sender_id: str) -> int:
    """Deletes every stored event of one conversation; returns how many were removed.

    Called by the channel after Rasa has saved the tracker, so that nothing is written
    back afterwards.
    """
    store = unwrap_tracker_store(tracker_store)
    if hasattr(store, "forget"):
        removed = store.forget(sender_id)
    elif hasattr(store, "SQLEvent") and hasattr(store, "session_scope"):
        from bot.tracker_store import delete_events

        removed = delete_events(store, sender_id)
    elif isinstance(getattr(store, "store", None), dict):
        removed = 1 if store.store.pop(sender_id, None) is not None else 0
    else:
        logger.warning("archivio conversazioni non supportato per la cancellazione")
        return 0
    logger.info("conversazione cancellata su richiesta (eventi: %d)", removed)
    return removed


async def forget_after_reply(agent: Any, sender_id: str) -> int:
    """:func:`forget_conversation` under the conversation's lock, so that a message of the
    same conversation still being answered cannot write the conversation back afterwards."""
    async with agent.lock_store.lock(sender_id):
        return forget_conversation(agent.tracker_store, sender_id)
