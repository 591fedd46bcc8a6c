"""Readability of Italian text: the Gulpease index.

Gulpease (GULP, Università di Roma "La Sapienza") is the standard readability
index for Italian::

    G = 89 + (300 * sentences - 10 * letters) / words

Roughly: below 60 is hard for readers with a middle-school education, above 80
is easy for them. Here the counting is deliberately simple and deterministic:

* letters: alphabetic characters (``str.isalpha``: accented letters count,
  digits and punctuation do not);
* words: tokens separated by whitespace or by an apostrophe (Italian elision:
  ``l'acqua`` is two words) that contain at least one letter or digit;
* sentences: sentence ends (``.``, ``!``, ``?``, ``…``; a run such as ``...`` or
  ``?!`` counts once) that are followed by whitespace or by the end of the
  line, so dots inside numbers (``3.5``) or web addresses do not count; a dot
  after a common abbreviation (``es.``, ``ecc.``) in the middle of a line does
  not count either. Every non-empty line that does not end with a sentence end
  (a heading, a list item, a line ending with ``:``) counts as one sentence.
  There is always at least one sentence.

``markdown_to_plain`` turns Markdown into plain text with one block (paragraph,
list item, heading) per line, which is what ``gulpease`` expects.
"""

from __future__ import annotations

import re

__all__ = [
    "count_letters",
    "count_sentences",
    "count_words",
    "gulpease",
    "gulpease_markdown",
    "markdown_to_plain",
    "words",
]

SENTENCE_ENDS = ".!?…"
# Closing characters that may follow a sentence end ("Basta." or (vedi sotto.)).
_CLOSERS = "\"'”’»)]*_"
ABBREVIATIONS = frozenset(
    {
        "es",
        "ecc",
        "etc",
        "dott",
        "dr",
        "dott.ssa",
        "prof",
        "sig",
        "sigg",
        "pag",
        "pagg",
        "cfr",
        "art",
        "p.es",
        "n",
        "nr",
        "vol",
        "cap",
        "tab",
        "fig",
        "p",
        "s",
        "ca",
        "max",
        "min",
    }
)

_TOKEN_SPLIT = re.compile(r"[\s'’`]+")
_HAS_ALNUM = re.compile(r"[^\W_]")
# A run of sentence-end marks, then optional closers, then whitespace or end of line.
_SENTENCE_END = re.compile(r"([.!?…]+)[" + re.escape(_CLOSERS) + r"]*(?=\s|$)")

_FENCE = re.compile(r"^\s*(```|~~~)")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^\s*(=+|-+)\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+(.*)$")
_QUOTE = re.compile(r"^\s*>\s?")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_AUTOLINK = re.compile(r"<((?:https?://|mailto:|www\.)[^>]+)>")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_CODE = re.compile(r"`+([^`]*)`+")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EM_STAR = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])")
_EM_UNDER = re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")


def _inline(text: str) -> str:
    """Remove inline Markdown markup, keeping the visible text."""
    text = _CODE.sub(r"\1", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _REF_LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _HTML_TAG.sub("", text)
    text = _STRONG.sub(r"\2", text)
    text = _STRIKE.sub(r"\1", text)
    text = _EM_STAR.sub(r"\1", text)
    text = _EM_UNDER.sub(r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def markdown_to_plain(md: str) -> str:
    """Plain text of a Markdown body: one line per paragraph, list item or heading.

    Headings lose their ``#``, list items their bullet or number, emphasis its
    ``*``/``_`` markers, links keep only their text, inline code only its content.
    Soft-wrapped paragraph lines are joined; fences, rules and blank lines vanish.
    """
    blocks: list[str] = []
    current: list[str] | None = None  # lines of the open paragraph or list item

    def close() -> None:
        nonlocal current
        if current:
            text = _inline(" ".join(current))
            if text:
                blocks.append(text)
        current = None

    for raw in md.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw
        while _QUOTE.match(line):
            line = _QUOTE.sub("", line, count=1)
        if not line.strip() or _FENCE.match(line):
            close()
            continue
        if _RULE.match(line):
            close()
            continue
        if current and _SETEXT.match(line):
            # "Title\n=====": the open paragraph was a heading.
            close()
            continue
        heading = _HEADING.match(line)
        if heading:
            close()
            current = [heading.group(1)]
            close()
            continue
        bullet = _BULLET.match(line)
        if bullet:
            close()
            current = [bullet.group(1)]
            continue
        if current is None:
            current = []
        current.append(line.strip())
    close()
    return "\n".join(blocks)


def words(text: str) -> list[str]:
    """Word tokens: split on whitespace and apostrophes, keep those with a letter or digit."""
    return [tok for tok in _TOKEN_SPLIT.split(text) if _HAS_ALNUM.search(tok)]


def count_words(text: str) -> int:
    return len(words(text))


def count_letters(text: str) -> int:
    return sum(1 for char in text if char.isalpha())


def _is_abbreviation(line: str, mark_start: int) -> bool:
    """True if the single dot at ``mark_start`` closes a known abbreviation ("es.")."""
    if line[mark_start] != "." or line[mark_start : mark_start + 2] == "..":
        return False
    match = re.search(r"([^\W\d_]+(?:\.[^\W\d_]+)*)$", line[:mark_start])
    return bool(match) and match.group(1).lower() in ABBREVIATIONS


def _line_sentences(line: str) -> int:
    stripped = line.strip()
    if not stripped:
        return 0
    count = 0
    ends_with_mark = False
    for match in _SENTENCE_END.finditer(stripped):
        at_line_end = match.end() == len(stripped)
        if at_line_end:
            ends_with_mark = True
            count += 1
        elif not _is_abbreviation(stripped, match.start(1)):
            count += 1
    if not ends_with_mark:
        count += 1  # heading, list item or line ending without punctuation
    return count


def count_sentences(text: str) -> int:
    """Sentence ends plus lines that end without one; at least 1."""
    total = sum(_line_sentences(line) for line in text.splitlines())
    return max(total, 1)


def gulpease(text: str) -> float:
    """Gulpease index of plain text (one block per line, see ``markdown_to_plain``).

    Raises ``ValueError`` if the text has no words.
    """
    n_words = count_words(text)
    if n_words == 0:
        raise ValueError("Gulpease is undefined for a text without words")
    return 89 + (300 * count_sentences(text) - 10 * count_letters(text)) / n_words


def gulpease_markdown(md: str) -> float:
    """Gulpease index of a Markdown body (after ``markdown_to_plain``)."""
    return gulpease(markdown_to_plain(md))
