"""The canonical form of a user's text, shared by the safety rules, the intent classifier,
the follow-up keywords and the date parser."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalize"]

_APOSTROPHES = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u00b4": "'", "\u02bc": "'", "\u2032": "'"}
)
# A vowel followed by an apostrophe at the end of a word is an accent typed by hand:
# "e'" -> "e", "perche'" -> "perche", "piu'" -> "piu".
_ACCENT_APOSTROPHE = re.compile(r"([aeiou])'(?!\w)")
# Punctuation, symbols, emoji and "_" become spaces; "." and "," survive only between
# two digits (decimal and thousands separators: "5,8", "6.1", "1.000").
_PUNCT = re.compile(r"[^\w\s.,]+|_+|[.,](?<!\d[.,])|[.,](?!\d)")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_DROP_CATEGORIES = frozenset({"Mn", "Cf"})  # combining marks (accents), invisible format chars


def _drop_marks(match: re.Match[str]) -> str:
    return "".join(ch for ch in match.group() if unicodedata.category(ch) not in _DROP_CATEGORIES)


def normalize(text: str, *, keep_punctuation: bool = False) -> str:
    """Lower case, straight apostrophes, no accents, hand-typed accents ("e'") folded,
    single spaces; punctuation dropped (not digit separators) unless ``keep_punctuation``.

    >>> normalize("  Cos'è   la  CALCINOSI?  E' grave?! 😟 Fosforo 5,8.")
    'cos e la calcinosi e grave fosforo 5,8'
    >>> normalize("Fatti l’altro ieri, il 12/03", keep_punctuation=True)
    "fatti l'altro ieri, il 12/03"
    """
    text = text.replace("`", "'").lower()
    if not text.isascii():
        text = text.translate(_APOSTROPHES)
        text = _NON_ASCII.sub(_drop_marks, unicodedata.normalize("NFKD", text))
    text = _ACCENT_APOSTROPHE.sub(r"\1", text)
    if not keep_punctuation:
        text = _PUNCT.sub(" ", text)
    return " ".join(text.split())
