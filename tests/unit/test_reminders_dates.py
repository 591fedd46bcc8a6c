"""Italian date answers: formats, relative days, month-only, day-only, future, invalid."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.reminders.dates import DateAnswer, parse_italian_date

TODAY = date(2026, 11, 20)  # a Friday

MONTH_NAMES = (
    "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre"
).split()


def ok(y: int, m: int, d: int) -> DateAnswer:
    return DateAnswer("ok", date(y, m, d), m, y)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31/8/2026", ok(2026, 8, 31)),
        ("31/08/26", ok(2026, 8, 31)),
        ("31-8-2026", ok(2026, 8, 31)),
        ("31.8.2026", ok(2026, 8, 31)),
        ("31 agosto 2026", ok(2026, 8, 31)),
        ("31 ago 2026", ok(2026, 8, 31)),
        ("31 Agosto 2026", ok(2026, 8, 31)),
        ("il 1° marzo 2026", ok(2026, 3, 1)),
        ("primo marzo 2026", ok(2026, 3, 1)),
        ("12 marzo '25", ok(2025, 3, 12)),
        ("12 marzo del 2025", ok(2025, 3, 12)),
        ("2026-03-01", ok(2026, 3, 1)),
        ("il 30 settembre", ok(2026, 9, 30)),
        ("il 20 novembre", ok(2026, 11, 20)),  # today is allowed
        ("il 21 novembre", ok(2025, 11, 21)),  # no year: most recent past occurrence
        ("il 25 dicembre", ok(2025, 12, 25)),
        ("il 12 marzo dell'anno scorso", ok(2025, 3, 12)),
        ("12/3", ok(2026, 3, 12)),
        ("ieri", ok(2026, 11, 19)),
        ("Oggi", ok(2026, 11, 20)),
        ("stamattina", ok(2026, 11, 20)),
        ("l'altro ieri", ok(2026, 11, 18)),
        ("l’altroieri", ok(2026, 11, 18)),
        ("avantieri", ok(2026, 11, 18)),
        ("3 giorni fa", ok(2026, 11, 17)),
        ("tre giorni fa", ok(2026, 11, 17)),
        ("2 settimane fa", ok(2026, 11, 6)),
        ("una settimana fa", ok(2026, 11, 13)),
        ("lunedì scorso", ok(2026, 11, 16)),
        ("venerdì", ok(2026, 11, 13)),  # a weekday is the previous one, not today
        ("il 12", ok(2026, 11, 12)),
        ("il 20", ok(2026, 11, 20)),
        ("il 25", ok(2026, 10, 25)),
        ("il 31", ok(2026, 10, 31)),
        ("l'8", ok(2026, 11, 8)),
        ("15", ok(2026, 11, 15)),
        ("li ho fatti il 12 marzo", ok(2026, 3, 12)),
        ("Li ho fatti il 12 marzo, in ospedale", ok(2026, 3, 12)),
        ("ho fatto le analisi del sangue il 3/10/2026 al centro", ok(2026, 10, 3)),
        ("credo ieri mattina", ok(2026, 11, 19)),
        ("ho fatto 2 prelievi 3 giorni fa", ok(2026, 11, 17)),
    ],
)
def test_dates_that_are_understood(text: str, expected: DateAnswer) -> None:
    assert parse_italian_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "month", "year"),
    [
        ("a settembre", 9, 2026),
        ("settembre 2026", 9, 2026),
        ("Settembre", 9, 2026),
        ("a dicembre", 12, 2025),  # no year: most recent past December
        ("a novembre", 11, 2026),  # the current month counts as past
        ("sett. 2025", 9, 2025),
        ("giu 2025", 6, 2025),
        ("a giugno del 2025", 6, 2025),
        ("ad agosto dell'anno scorso", 8, 2025),
        ("il mese scorso", 10, 2026),
        ("3 mesi fa", 8, 2026),
        ("un anno fa", 11, 2025),
        ("10/2026", 10, 2026),
    ],
)
def test_month_without_day_asks_for_the_day(text: str, month: int, year: int) -> None:
    assert parse_italian_date(text, TODAY) == DateAnswer("need_day", None, month, year)


def test_day_after_a_month_only_answer() -> None:
    first = parse_italian_date("a settembre", TODAY)
    assert first.status == "need_day"
    hint = (first.month, first.year)
    assert parse_italian_date("il 15", TODAY, month_hint=hint) == ok(2026, 9, 15)
    assert parse_italian_date("15", TODAY, month_hint=hint) == ok(2026, 9, 15)
    assert parse_italian_date("il 31", TODAY, month_hint=hint).status == "invalid"
    # a full date wins over the hint
    assert parse_italian_date("il 2 ottobre", TODAY, month_hint=hint) == ok(2026, 10, 2)


@pytest.mark.parametrize(
    "text",
    ["domani", "dopodomani", "1/1/2027", "21 novembre 2026", "tra 3 giorni", "lunedì prossimo"],
)
def test_future_dates(text: str) -> None:
    answer = parse_italian_date(text, TODAY)
    assert answer.status == "future"
    assert answer.value is not None and answer.value > TODAY


def test_future_month() -> None:
    assert parse_italian_date("dicembre 2026", TODAY) == DateAnswer("future", None, 12, 2026)


@pytest.mark.parametrize(
    "text", ["31/2/2026", "30/02/2026", "29/2/2025", "32 marzo", "0/5/2026", "12/13/2026", "il 32", "13/2026"]
)
def test_impossible_dates(text: str) -> None:
    assert parse_italian_date(text, TODAY).status == "invalid"


@pytest.mark.parametrize(
    "text",
    ["", "ciao", "non ricordo", "ho fatto 2 esami", "sono giù di morale", "nel 2025", "ho 35 anni"],
)
def test_no_date(text: str) -> None:
    assert parse_italian_date(text, TODAY) == DateAnswer("none")


def test_leap_day_without_year_is_the_last_leap_year() -> None:
    assert parse_italian_date("il 29 febbraio", TODAY) == ok(2024, 2, 29)
    assert parse_italian_date("il 29 febbraio", date(2028, 3, 1)) == ok(2028, 2, 29)


def test_ok_property() -> None:
    assert parse_italian_date("ieri", TODAY).ok
    assert not parse_italian_date("domani", TODAY).ok


# -- properties ------------------------------------------------------------------

todays = st.dates(min_value=date(2001, 1, 1), max_value=date(2080, 12, 31))


@given(todays, st.integers(min_value=0, max_value=3000), st.sampled_from(["num", "dash", "dot", "name", "short"]))
def test_past_dates_round_trip(today: date, back: int, style: str) -> None:
    d = today - timedelta(days=back)
    text = {
        "num": f"{d.day}/{d.month}/{d.year}",
        "dash": f"{d.day:02d}-{d.month:02d}-{d.year}",
        "dot": f"{d.day}.{d.month}.{d.year}",
        "name": f"li ho fatti il {d.day} {MONTH_NAMES[d.month - 1]} {d.year}",
        "short": f"{d.day} {MONTH_NAMES[d.month - 1][:3]} {d.year}",
    }[style]
    assert parse_italian_date(text, today) == DateAnswer("ok", d, d.month, d.year)


@given(todays, st.integers(min_value=1, max_value=3000))
def test_future_dates_are_flagged(today: date, ahead: int) -> None:
    d = today + timedelta(days=ahead)
    answer = parse_italian_date(f"{d.day}/{d.month}/{d.year}", today)
    assert answer.status == "future"
    assert answer.value == d


@given(todays, st.integers(min_value=1, max_value=31))
def test_day_only_is_the_most_recent_past(today: date, day: int) -> None:
    answer = parse_italian_date(f"il {day}", today)
    assert answer.status == "ok" and answer.value is not None
    assert answer.value.day == day
    assert answer.value <= today
    assert (today - answer.value).days < 93


@given(todays, st.integers(min_value=1, max_value=12), st.integers(min_value=1, max_value=31))
def test_day_month_without_year_is_within_the_last_year(today: date, month: int, day: int) -> None:
    answer = parse_italian_date(f"il {day} {MONTH_NAMES[month - 1]}", today)
    if answer.status == "invalid":
        assert day > 29 and month == 2 or day == 31 and month in (4, 6, 9, 11)
        return
    assert answer.status == "ok" and answer.value is not None
    assert (answer.value.month, answer.value.day) == (month, day)
    assert answer.value <= today
    if not (month == 2 and day == 29):
        assert (today - answer.value).days < 366


@given(todays, st.integers(min_value=0, max_value=400))
def test_days_ago(today: date, n: int) -> None:
    assert parse_italian_date(f"{n} giorni fa", today).value == today - timedelta(days=n)
