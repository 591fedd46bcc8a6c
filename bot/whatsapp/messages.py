"""Outbound WhatsApp message bodies (pure): text, reply buttons, list, template.

Limits of the Cloud API: text up to 4096 characters; an interactive body up to 1024;
reply buttons at most 3, titles up to 20 characters, unique; a list at most 10 rows,
row titles up to 24 characters (descriptions 72), its opening button up to 20.
"""

from __future__ import annotations

import re
from typing import Any

MAX_TEXT = 4096
MAX_BODY = 1024
MAX_BUTTONS, MAX_BUTTON_TITLE = 3, 20
MAX_ROWS, MAX_ROW_TITLE, MAX_ROW_DESCRIPTION, MAX_ROW_ID = 10, 24, 72, 200
LIST_BUTTON = "Scegli un'opzione"
CHOICES_BODY = "Scegli un'opzione:"

_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__", re.DOTALL)
_ITALIC = re.compile(r"(?<![*\w])\*(?![\s*])(.+?)(?<![\s*])\*(?![*\w])")
_STRIKE = re.compile(r"~~(.+?)~~")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.MULTILINE)
_BOLD_MARK = "\x00"


def whatsapp_markdown(text: str) -> str:
    """Markdown to WhatsApp's own: **bold** -> *bold*, *italic* -> _italic_, ~~x~~ -> ~x~,
    [text](url) -> text (url), a heading -> a bold line."""
    text = _HEADING.sub(lambda m: f"{_BOLD_MARK}{m[1]}{_BOLD_MARK}", text)
    text = _BOLD.sub(lambda m: f"{_BOLD_MARK}{m[1] or m[2]}{_BOLD_MARK}", text)
    text = _ITALIC.sub(r"_\1_", text)
    text = _STRIKE.sub(r"~\1~", text)
    text = _LINK.sub(r"\1 (\2)", text)
    return text.replace(_BOLD_MARK, "*")


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _envelope(to: str, kind: str, content: dict[str, Any]) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": kind,
        kind: content,
    }


def text_chunks(text: str, limit: int = MAX_TEXT) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at paragraphs or lines."""
    chunks: list[str] = []
    while len(text) > limit:
        cut = next(
            (at for at in (text.rfind(sep, 0, limit) for sep in ("\n\n", "\n", " ")) if at > 0),
            limit,
        )
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*chunks, text] if text else chunks


def text_message(to: str, text: str) -> dict[str, Any]:
    return _envelope(to, "text", {"preview_url": False, "body": text})


def choices(buttons: Any) -> list[tuple[str, str]]:
    """(id, title) of the bot's buttons that WhatsApp can carry: payload and title present,
    id within the row limit, first of each id kept, at most 10."""
    found: dict[str, str] = {}
    for button in buttons if isinstance(buttons, list) else []:
        if not isinstance(button, dict):
            continue
        payload, title = button.get("payload"), button.get("title")
        if isinstance(payload, str) and isinstance(title, str) and payload and title.strip():
            if len(payload) <= MAX_ROW_ID and payload not in found:
                found[payload] = title.strip()
    return list(found.items())[:MAX_ROWS]


def interactive_message(to: str, body: str, options: list[tuple[str, str]]) -> dict[str, Any]:
    """Reply buttons when they fit (at most 3, short unique titles), otherwise a list."""
    titles = [title for _, title in options]
    body_part = {"text": _short(body, MAX_BODY)}
    fits = len(titles) == len(set(titles)) and all(len(t) <= MAX_BUTTON_TITLE for t in titles)
    if len(options) <= MAX_BUTTONS and fits:
        buttons = [{"type": "reply", "reply": {"id": i, "title": t}} for i, t in options]
        content = {"type": "button", "body": body_part, "action": {"buttons": buttons}}
        return _envelope(to, "interactive", content)
    rows = []
    for option_id, title in options:
        row = {"id": option_id, "title": _short(title, MAX_ROW_TITLE)}
        if len(title) > MAX_ROW_TITLE:
            row["description"] = _short(title, MAX_ROW_DESCRIPTION)
        rows.append(row)
    action = {"button": LIST_BUTTON, "sections": [{"rows": rows}]}
    return _envelope(to, "interactive", {"type": "list", "body": body_part, "action": action})


def bot_message(to: str, message: dict[str, Any]) -> list[dict[str, Any]]:
    """The WhatsApp messages for one bot message (text and buttons together).

    One message, except when the text is too long for an interactive body (1024): then the
    text first and the choices after it, under the text's last paragraph (the question
    they answer) or "Scegli un'opzione:"; and a text over 4096 characters is cut at its
    paragraphs.
    """
    text = whatsapp_markdown(str(message.get("text") or "").strip())
    options = choices(message.get("buttons"))
    if not options:
        return [text_message(to, chunk) for chunk in text_chunks(text)]
    if text and len(text) <= MAX_BODY:
        return [interactive_message(to, text, options)]
    head, _, last = text.rpartition("\n\n")
    if not head or len(last) > MAX_BODY:
        head, last = text, CHOICES_BODY
    return [*(text_message(to, chunk) for chunk in text_chunks(head)),
            interactive_message(to, last, options)]


def template_message(to: str, name: str, language: str, parameters: list[str]) -> dict[str, Any]:
    """An approved template with text parameters in its body ({{1}}, {{2}}...)."""
    body = [{"type": "text", "text": value} for value in parameters]
    template = {
        "name": name,
        "language": {"code": language},
        "components": [{"type": "body", "parameters": body}],
    }
    return _envelope(to, "template", template)
