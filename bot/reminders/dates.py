"""Understand the date of the last tests from an Italian answer (pure, no I/O).

``parse_italian_date("li ho fatti il 12 marzo", today)`` -> ``DateAnswer``.

Statuses:

* ``ok``       - ``value`` is a date not after ``today``;
* ``future``   - a date (or month) after ``today``; ``value``/``month``/``year`` say which;
* ``need_day`` - only the month is known ("a settembre"): ``month``/``year`` are set,
  ask the day and call again with ``month_hint=(month, year)``;
* ``invalid``  - a date that does not exist (31/2/2026, 32 marzo);
* ``none``     - no date found.

Dates without a year ("il 30 settembre", "il 12", "12/3") are the most recent
past occurrence, today included.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from bot.reminders.schedule import add_months
from bot.text import normalize

Status = Literal["ok", "future", "need_day", "invalid", "none"]

MONTH_NAMES = (
    "gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno",
    "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre",
)  # fmt: skip
MONTHS: dict[str, int] = {name: number for number, name in enumerate(MONTH_NAMES, start=1)} | {
    "genn": 1, "gen": 1, "febb": 2, "feb": 2, "mar": 3, "apr": 4, "mag": 5, "giu": 6,
    "lug": 7, "ago": 8, "sett": 9, "set": 9, "ott": 10, "nov": 11, "dic": 12,
}  # fmt: skip

NUMBER_WORDS: dict[str, int] = {
    "un": 1, "uno": 1, "una": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5, "sei": 6,
    "sette": 7, "otto": 8, "nove": 9, "dieci": 10, "undici": 11, "dodici": 12,
    "quindici": 15, "venti": 20, "trenta": 30, "qualche": 3,
}  # fmt: skip

WEEKDAYS: dict[str, int] = {
    "lunedi": 0, "martedi": 1, "mercoledi": 2, "giovedi": 3, "venerdi": 4, "sabato": 5,
    "domenica": 6,
}  # fmt: skip


@dataclass(frozen=True)
class DateAnswer:
    status: Status
    value: date | None = None
    month: int | None = None
    year: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


NONE = DateAnswer("none")
INVALID = DateAnswer("invalid")

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_NUM = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_YEAR = r"(\d{4}|'\d{2}|\d{2})"

_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_NUMERIC_FULL = re.compile(r"(?<![\d/.\-])(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})(?![\d/.\-])")
_NUMERIC_MONTH_YEAR = re.compile(r"(?<![\d/.\-])(\d{1,2})\s*/\s*(\d{4})(?![\d/.\-])")
_NUMERIC_SHORT = re.compile(r"(?<![\d/.\-])(\d{1,2})\s*/\s*(\d{1,2})(?![\d/.\-])")
_DAY_MONTH = re.compile(
    rf"(?<![\d/.\-])(\d{{1,2}}|primo)\s*[°º]?\s+(?:di\s+)?({_MONTH})\b\.?(?:\s+(?:del\s+|dell'\s*)?{_YEAR}(?![\d/]))?"
)
_TWO_DAYS_AGO = re.compile(r"\b(?:l'\s*altro\s*ieri|altro\s*ieri|altroieri|avantieri|avant'ieri|ieri\s+l'altro)\b")
_SIMPLE_DAYS = re.compile(r"\b(ieri|oggi|stamattina|stamani|stamane|stasera|domani|dopodomani)\b")
_AGO = re.compile(rf"\b(\d{{1,3}}|{_NUM})\s+(giorni|giorno|settimane|settimana|mesi|mese|anni|anno)\s+fa\b")
_IN = re.compile(rf"\b(?:tra|fra)\s+(\d{{1,3}}|{_NUM})\s+(giorni|giorno|settimane|settimana)\b")
_WEEKDAY = re.compile(rf"\b({'|'.join(WEEKDAYS)})\b(\s+prossim[oa])?")
_MONTH_RELATIVE = re.compile(r"\b(?:il\s+)?mese\s+scorso\b|\bscorso\s+mese\b|\b(questo|quest')\s*mese\b")
_FULL_MONTH = "|".join(MONTH_NAMES)
_ABBR_MONTH = "|".join(sorted((name for name in MONTHS if name not in MONTH_NAMES), key=len, reverse=True))
# Abbreviations alone are ambiguous ("giu" is also "giù"): they need a dot or a year.
_MONTH_ONLY = re.compile(
    rf"\b(?:({_FULL_MONTH})\b(?:\s+(?:del\s+|dell'\s*)?(\d{{4}}|'\d{{2}}))?"
    rf"|({_ABBR_MONTH})(?:\.|\b(?=\s+(?:\d{{4}}|'\d{{2}})))\s*(\d{{4}}|'\d{{2}})?)"
)
_DAY_ONLY = re.compile(r"(?:\b(?:il|lo|del|dal|al|giorno)\s+|\bl'\s*)(\d{1,2}|primo)\s*[°º]?(?![\d/.\-])")
_BARE_DAY = re.compile(r"^\s*(?:il\s+|l'\s*)?(\d{1,2})\s*[°º]?\s*[.!]?\s*$")

_LAST_YEAR = re.compile(r"\banno\s+scorso\b|\bscorso\s+anno\b")
_THIS_YEAR = re.compile(r"\bquest'\s*anno\b")

_RELATIVE_DAYS = {"ieri": 1, "oggi": 0, "stamattina": 0, "stamani": 0, "stamane": 0,
                  "stasera": 0, "domani": -1, "dopodomani": -2}  # fmt: skip


def italian_date(day: date) -> str:
    """``date(2026, 9, 15)`` -> ``"15 settembre 2026"``."""
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def _year(raw: str) -> int:
    raw = raw.lstrip("'")
    return 2000 + int(raw) if len(raw) == 2 else int(raw)


def _day_number(raw: str) -> int:
    return 1 if raw == "primo" else int(raw)


def _classify(value: date, today: date) -> DateAnswer:
    status: Status = "future" if value > today else "ok"
    return DateAnswer(status, value, value.month, value.year)


def _full(day: int, month: int, year: int, today: date) -> DateAnswer:
    if year < 1900 or not 1 <= month <= 12:
        return INVALID
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return INVALID
    return _classify(date(year, month, day), today)


def _day_month(day: int, month: int, today: date) -> DateAnswer:
    """Most recent past occurrence (today included) of day/month."""
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return INVALID
    year = today.year if (month, day) <= (today.month, today.day) else today.year - 1
    for candidate in range(year, year - 9, -1):
        if day <= calendar.monthrange(candidate, month)[1]:
            return _classify(date(candidate, month, day), today)
    return INVALID


def _day_only(day: int, today: date) -> DateAnswer:
    """Most recent past occurrence (today included) of a day of the month."""
    if not 1 <= day <= 31:
        return INVALID
    first = today.replace(day=1)
    for back in range(0, 13):
        month_start = add_months(first, -back)
        last = calendar.monthrange(month_start.year, month_start.month)[1]
        if day <= last and (back > 0 or day <= today.day):
            return _classify(month_start.replace(day=day), today)
    return INVALID


def _month_year(month: int, year: int | None, today: date) -> DateAnswer:
    if not 1 <= month <= 12:
        return INVALID
    if year is None:
        year = today.year if month <= today.month else today.year - 1
    if (year, month) > (today.year, today.month):
        return DateAnswer("future", None, month, year)
    return DateAnswer("need_day", None, month, year)


def _ago(amount_raw: str, unit: str, today: date) -> DateAnswer:
    amount = NUMBER_WORDS[amount_raw] if amount_raw in NUMBER_WORDS else int(amount_raw)
    if unit.startswith("giorn"):
        return _classify(today - timedelta(days=amount), today)
    if unit.startswith("settiman"):
        return _classify(today - timedelta(weeks=amount), today)
    months = amount * (12 if unit.startswith("ann") else 1)
    when = add_months(today, -months)
    return DateAnswer("need_day", None, when.month, when.year)


def _in(amount_raw: str, unit: str, today: date) -> DateAnswer:
    amount = NUMBER_WORDS[amount_raw] if amount_raw in NUMBER_WORDS else int(amount_raw)
    days = amount * (7 if unit.startswith("settiman") else 1)
    return _classify(today + timedelta(days=days), today)


def _weekday(name: str, upcoming: bool, today: date) -> DateAnswer:
    if upcoming:
        return _classify(today + timedelta(days=(WEEKDAYS[name] - today.weekday()) % 7 or 7), today)
    back = (today.weekday() - WEEKDAYS[name]) % 7 or 7
    return _classify(today - timedelta(days=back), today)


def _year_words(t: str, today: date) -> int | None:
    if _LAST_YEAR.search(t):
        return today.year - 1
    if _THIS_YEAR.search(t):
        return today.year
    return None


def parse_italian_date(
    text: str, today: date, month_hint: tuple[int, int] | None = None
) -> DateAnswer:
    """Find the date of the tests in ``text`` (see the module docstring).

    ``month_hint=(month, year)`` completes a bare day ("il 15", "15") after a
    ``need_day`` answer.
    """
    t = normalize(text, keep_punctuation=True)
    if not t:
        return NONE
    if m := _ISO.search(t):
        return _full(int(m[3]), int(m[2]), int(m[1]), today)
    if m := _NUMERIC_FULL.search(t):
        return _full(int(m[1]), int(m[3]), _year(m[4]), today)
    if m := _NUMERIC_MONTH_YEAR.search(t):
        return _month_year(int(m[1]), int(m[2]), today)
    if m := _NUMERIC_SHORT.search(t):
        return _day_month(int(m[1]), int(m[2]), today)
    if m := _DAY_MONTH.search(t):
        day, month = _day_number(m[1]), MONTHS[m[2]]
        year = _year(m[3]) if m[3] else _year_words(t, today)
        if year is not None:
            return _full(day, month, year, today)
        return _day_month(day, month, today)
    if _TWO_DAYS_AGO.search(t):
        return _classify(today - timedelta(days=2), today)
    if m := _AGO.search(t):
        return _ago(m[1], m[2], today)
    if m := _IN.search(t):
        return _in(m[1], m[2], today)
    if m := _SIMPLE_DAYS.search(t):
        return _classify(today - timedelta(days=_RELATIVE_DAYS[m[1]]), today)
    if m := _WEEKDAY.search(t):
        return _weekday(m[1], bool(m[2]), today)
    if m := _MONTH_RELATIVE.search(t):
        when = today if m[1] else add_months(today, -1)
        return DateAnswer("need_day", None, when.month, when.year)
    if m := _MONTH_ONLY.search(t):
        name, year = (m[1], m[2]) if m[1] else (m[3], m[4])
        explicit = _year(year) if year else _year_words(t, today)
        return _month_year(MONTHS[name], explicit, today)
    if m := (_DAY_ONLY.search(t) or _BARE_DAY.search(t)):
        day = _day_number(m[1])
        if month_hint is not None:
            return _full(day, month_hint[0], month_hint[1], today)
        return _day_only(day, today)
    return NONE
