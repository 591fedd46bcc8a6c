"""Where the question is in a message (pure text functions): the sentences that ask
something, and, in a long message, the part that asks after the context ("Mio figlio ha 13
anni... Il papà dice di no. Può giocare a calcio?"). Used by the intent classifier
(bot/nlu/tfidf_classifier.py) and by the safety rules (bot/safety.py)."""

from __future__ import annotations

import re

LONG_MESSAGE_CHARS = 120
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def question_part(text: str) -> str | None:
    """The sentences of a long message that ask something (the last one if none does);
    None for a short message or a single sentence."""
    if len(text) < LONG_MESSAGE_CHARS:
        return None
    sentences = [s.strip() for s in SENTENCE_END.split(text) if s.strip()]
    if len(sentences) < 2:
        return None
    asking = [s for s in sentences if s.endswith("?")]
    return " ".join(asking[-2:] if asking else sentences[-1:])


def questions(text: str) -> list[str]:
    """The sentences of ``text`` that ask something, when there are at least two."""
    asking = [s.strip() for s in SENTENCE_END.split(text) if s.strip().endswith("?")]
    return asking if len(asking) >= 2 else []
