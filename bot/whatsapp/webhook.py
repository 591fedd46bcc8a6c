"""Reading WhatsApp webhooks (pure): the signature check and the messages of a body.

Meta signs every POST with ``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body
with the app secret>``. A body holds ``entry[].changes[].value`` with ``messages`` (what
users wrote), ``statuses`` (delivery receipts, nothing to answer) or both.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

SIGNATURE_HEADER = "X-Hub-Signature-256"
# Types answered with nothing: a reaction to our message, a system notice (number changed).
SILENT_TYPES = frozenset({"reaction", "system"})


def signature(raw: bytes, app_secret: str) -> str:
    """The header value Meta sends for ``raw``."""
    return "sha256=" + hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()


def valid_signature(raw: bytes, header: str | None, app_secret: str) -> bool:
    """True if ``header`` signs the raw body (constant-time comparison)."""
    if not header or not app_secret:
        return False
    return hmac.compare_digest(header.strip().encode(), signature(raw, app_secret).encode())


@dataclass(frozen=True)
class Inbound:
    """One user message: ``text`` is None for types we do not read (image, audio...)."""

    message_id: str
    wa_id: str
    kind: str
    text: str | None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def message_text(message: dict[str, Any]) -> str | None:
    """What the user wrote or chose: text, a reply button or list row id (our payload),
    a template quick-reply button's text; None for anything else."""
    kind = message.get("type")
    if kind == "text":
        value = _object(message.get("text")).get("body")
    elif kind == "interactive":
        interactive = _object(message.get("interactive"))
        reply = _object(interactive.get(str(interactive.get("type"))))
        chosen = interactive.get("type") in ("button_reply", "list_reply")
        value = reply.get("id") if chosen else None
    elif kind == "button":
        value = _object(message.get("button")).get("text")
    else:
        value = None
    return value if isinstance(value, str) else None


def inbound_messages(body: Any, phone_number_id: str) -> list[Inbound]:
    """The user messages of a webhook body addressed to our number, in order.

    Statuses, other numbers' messages and malformed parts are left out; reactions and
    system notices too (nothing to answer).
    """
    found: list[Inbound] = []
    for entry in _list(_object(body).get("entry")):
        for change in _list(_object(entry).get("changes")):
            value = _object(_object(change).get("value"))
            if str(_object(value.get("metadata")).get("phone_number_id")) != phone_number_id:
                continue
            for message in map(_object, _list(value.get("messages"))):
                message_id, wa_id = message.get("id"), message.get("from")
                kind = message.get("type")
                readable = isinstance(message_id, str) and message_id and isinstance(wa_id, str)
                if readable and kind not in SILENT_TYPES:
                    found.append(Inbound(message_id, wa_id, str(kind), message_text(message)))
    return found
