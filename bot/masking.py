"""Masks personal data in a user's text before clinic staff read it (``bot/report.py``).

In order: e-mail addresses -> ``[email]``; codici fiscali -> ``[codice fiscale]``; phone
numbers (``+39 ...``/``0039 ...``, or 9-11 digits starting with 0 or 3, Italian landlines
and mobiles, spaces/dots/dashes allowed) -> ``[telefono]``; any other digits ->
``[numero]``; capitalised words that look like personal names -> ``[nome]``.

A name is a capitalised word (``Rossi``, ``D'Amico``) that is not at the start of a
sentence (after ``.!?…:``, a line break, or nothing; ``dott.``, ``prof.``... do not end
one) and not in :data:`ALLOWED` (places, hospitals, associations, titles...). Words in
capitals (``AIFOSF``) are taken for acronyms and kept. So a name that opens a sentence
("Mario Rossi ha...") keeps its first word, and names written in lower case are not seen:
the mask lowers the risk, it does not remove it; the report is for clinic staff only.
"""

from __future__ import annotations

import re
from typing import Final

EMAIL: Final = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
TAX_CODE: Final = re.compile(r"\b[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z]\b", re.IGNORECASE)
PHONE: Final = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\d{2,3}[ .-]?\d(?:[ .-]?\d){5,11}|[03](?:[ .-]?\d){8,10})(?!\w)"
)
DIGITS: Final = re.compile(r"\d+")
LETTER: Final = r"[^\W\d_]"
WORD: Final = re.compile(
    rf"(?<!{LETTER})(?:[A-ZÀ-Þ]['’])?[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+(?:['’][A-ZÀ-Þ]?[a-zß-öø-ÿ]+)?"
    rf"(?!{LETTER})"
)
OPENING: Final = " \t\"'«“(-–•*"  # may stand between a sentence end and its first word
SENTENCE_END: Final = ".!?…:\n"
ABBREVIATION: Final = re.compile(r"\b(?:dott|dr|prof|sig|sigg|ing|avv)\.$", re.IGNORECASE)

# Capitalised words that are not personal names: keep them (compared in lower case).
ALLOWED: Final = frozenset(
    """
    aifosf careggi meyer gaslini gemelli niguarda rizzoli sant santa san gesù bambino
    regina margherita umberto policlinico ospedale ospedaliera ospedaliero azienda
    universitaria università istituto clinica centro fondazione associazione servizio
    sanitario nazionale regionale regione asl usl ausl ats aou irccs ern orphanet
    telethon uniamo pediatria ortopedia reumatologia endocrinologia nefrologia fisiatria
    genetica radiologia traumatologia riabilitazione oncologica metabolismo minerale osseo
    italia italiana italiano europa toscana lombardia lazio piemonte liguria veneto emilia
    romagna campania puglia sicilia sardegna calabria marche umbria abruzzo molise basilicata
    trentino friuli firenze pisa siena livorno prato lucca arezzo roma milano torino
    napoli bologna genova venezia padova verona bari palermo cagliari trieste ancona
    perugia
    dott dr prof sig ing avv dottore dottoressa dottor professore professoressa signor signora
    signore infermiere infermiera pediatra
    calcinosi tumorale fosfato fosforo vitamina
    ciao salve buongiorno buonasera grazie
    """.split()
)


def _allowed(word: str) -> bool:
    """In :data:`ALLOWED`, or elided after an allowed word (Sant'Orsola, Sant'Anna)."""
    lower = word.lower().replace("’", "'")
    return lower in ALLOWED or lower.split("'")[0] in ALLOWED


def _masked_name(text: str, match: re.Match[str]) -> bool:
    return not _allowed(match.group()) and not _at_sentence_start(text, match.start())


def _at_sentence_start(text: str, index: int) -> bool:
    before = text[:index].rstrip(OPENING)
    if not before:
        return True
    return before[-1] in SENTENCE_END and not ABBREVIATION.search(before)


def _mask_names(text: str) -> str:
    return WORD.sub(lambda m: "[nome]" if _masked_name(text, m) else m.group(), text)


def mask_personal_data(text: str) -> str:
    """The text with e-mails, tax codes, phone numbers, other numbers and names masked."""
    text = EMAIL.sub("[email]", text)
    text = TAX_CODE.sub("[codice fiscale]", text)
    text = PHONE.sub("[telefono]", text)
    text = DIGITS.sub("[numero]", text)
    return _mask_names(text)
