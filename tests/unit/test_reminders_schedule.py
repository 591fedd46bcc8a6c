"""Pure scheduling rules: months arithmetic, due dates, notices, send window (DST-safe)."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.reminders.schedule import (
    KINDS,
    ROME,
    add_months,
    is_overdue,
    is_within_window,
    next_due,
    next_send_time,
    notice_dates,
)

UTC = timezone.utc
WINDOW = (time(9), time(20))


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 2, 28), 12, date(2027, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 7, 15), 6, date(2027, 1, 15)),
        (date(2026, 12, 31), 12, date(2027, 12, 31)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 10), -1, date(2025, 12, 10)),
        (date(2026, 5, 5), 0, date(2026, 5, 5)),
    ],
)
def test_add_months_clamps_to_end_of_month(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_next_due_per_kind() -> None:
    assert KINDS == ("fosfato_6m", "completo_12m")
    assert next_due("fosfato_6m", date(2025, 8, 31)) == date(2026, 2, 28)
    assert next_due("completo_12m", date(2025, 8, 31)) == date(2026, 8, 31)
    with pytest.raises(ValueError):
        next_due("ogni_tanto", date(2025, 8, 31))


def test_is_overdue_only_after_the_due_day() -> None:
    due = date(2026, 3, 15)
    assert not is_overdue(due, date(2026, 3, 14))
    assert not is_overdue(due, due)
    assert is_overdue(due, date(2026, 3, 16))


def test_notice_dates() -> None:
    assert notice_dates(date(2027, 3, 12)) == [date(2027, 2, 26), date(2027, 3, 12)]
    assert notice_dates(date(2027, 3, 12), days_before=7) == [date(2027, 3, 5), date(2027, 3, 12)]
    assert notice_dates(date(2027, 3, 12), days_before=0) == [date(2027, 3, 12)]
    with pytest.raises(ValueError):
        notice_dates(date(2027, 3, 12), days_before=-1)


def rome(*args: int) -> datetime:
    return datetime(*args, tzinfo=ROME)


def test_next_send_time_examples() -> None:
    day = date(2027, 3, 12)
    assert next_send_time(day) == rome(2027, 3, 12, 9)
    # before the notice day: the window opening of that day
    assert next_send_time(day, now=rome(2027, 3, 1, 15)) == rome(2027, 3, 12, 9)
    # on the day, before the window
    assert next_send_time(day, now=rome(2027, 3, 12, 7, 30)) == rome(2027, 3, 12, 9)
    # on the day, inside the window: now
    now = rome(2027, 3, 12, 13, 5, 7)
    assert next_send_time(day, now=now) == now
    # on the day, after the window (20:00 is outside, half-open window): next morning
    assert next_send_time(day, now=rome(2027, 3, 12, 20)) == rome(2027, 3, 13, 9)
    assert next_send_time(day, now=rome(2027, 3, 12, 23, 59)) == rome(2027, 3, 13, 9)
    # notice day already past: as soon as possible inside a window
    assert next_send_time(day, now=rome(2027, 4, 1, 10)) == rome(2027, 4, 1, 10)
    assert next_send_time(day, now=rome(2027, 4, 1, 21)) == rome(2027, 4, 2, 9)


def test_next_send_time_accepts_any_time_zone_for_now() -> None:
    # 07:30 UTC is 08:30 in Rome in winter: wait for 09:00 Rome (08:00 UTC)
    result = next_send_time(date(2027, 1, 10), now=datetime(2027, 1, 10, 7, 30, tzinfo=UTC))
    assert result == datetime(2027, 1, 10, 8, 0, tzinfo=UTC)
    assert result.tzinfo == ROME
    with pytest.raises(ValueError):
        next_send_time(date(2027, 1, 10), now=datetime(2027, 1, 10, 7, 30))


@pytest.mark.parametrize(
    ("day", "utc_offset_hours"),
    [
        (date(2026, 3, 29), 2),  # spring forward (02:00 -> 03:00): 09:00 is CEST
        (date(2026, 10, 25), 1),  # fall back (03:00 -> 02:00): 09:00 is CET
        (date(2026, 3, 28), 1),
        (date(2026, 10, 24), 2),
    ],
)
def test_next_send_time_on_dst_days(day: date, utc_offset_hours: int) -> None:
    result = next_send_time(day)
    assert result.utcoffset() == timedelta(hours=utc_offset_hours)
    assert result.astimezone(ROME).time() == time(9)
    # a dispatcher that looks at 08:30 local on that day still waits for 09:00 local
    early = datetime.combine(day, time(8, 30), tzinfo=ROME)
    assert next_send_time(day, now=early).astimezone(ROME).time() == time(9)


def test_window_inside_a_dst_gap_moves_forward() -> None:
    # 02:30 does not exist on 29 March 2026 in Rome: the window opens at 03:30 CEST.
    result = next_send_time(date(2026, 3, 29), window=(time(2, 30), time(5)))
    assert result.astimezone(ROME).time() == time(3, 30)


def test_is_within_window() -> None:
    assert is_within_window(rome(2027, 3, 12, 9))
    assert is_within_window(rome(2027, 3, 12, 19, 59, 59))
    assert not is_within_window(rome(2027, 3, 12, 20))
    assert not is_within_window(rome(2027, 3, 12, 8, 59))
    with pytest.raises(ValueError):
        is_within_window(rome(2027, 3, 12, 10), window=(time(20), time(9)))


# -- properties ------------------------------------------------------------------

dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))


@given(dates, st.integers(min_value=-240, max_value=240))
def test_add_months_properties(d: date, n: int) -> None:
    result = add_months(d, n)
    assert (result.year * 12 + result.month) - (d.year * 12 + d.month) == n
    last = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(d.day, last)
    if d.day <= 28:
        assert add_months(result, -n) == d


@given(dates, st.sampled_from(KINDS))
def test_next_due_is_after_last_done_and_reverses(d: date, kind: str) -> None:
    due = next_due(kind, d)
    months = 6 if kind == "fosfato_6m" else 12
    assert due > d
    assert 28 * months - 5 <= (due - d).days <= 31 * months + 1
    assert add_months(due, -months) <= d


@given(dates, st.integers(min_value=1, max_value=60))
def test_notice_dates_properties(due: date, days_before: int) -> None:
    first, last = notice_dates(due, days_before)
    assert last == due
    assert (due - first).days == days_before


zones = st.sampled_from([ROME, ZoneInfo("Europe/London"), ZoneInfo("America/New_York"), UTC])
windows = st.tuples(st.integers(0, 22), st.integers(1, 23)).filter(lambda w: w[0] < w[1])
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2060, 12, 31), timezones=st.just(UTC)
)


@given(dates, instants, zones, windows)
def test_next_send_time_properties(
    notice: date, now: datetime, tz: ZoneInfo, hours: tuple[int, int]
) -> None:
    window = (time(hours[0]), time(hours[1]))
    result = next_send_time(notice, tz, window, now=now)
    local = result.astimezone(tz)
    assert result.tzinfo is not None
    assert result >= now
    assert local.date() >= notice
    # never outside the window (a start inside a DST gap is moved forward by the gap)
    assert window[0] <= local.time() < window[1]
    assert is_within_window(result, tz, window)
    if local.date() > notice and local.date() > now.astimezone(tz).date():
        assert local.time() <= (datetime.combine(date(2000, 1, 1), window[0]) + timedelta(hours=1)).time()
    if is_within_window(now, tz, window) and now.astimezone(tz).date() >= notice:
        assert result == now


@given(dates, zones)
def test_next_send_time_without_now_is_the_window_start(notice: date, tz: ZoneInfo) -> None:
    result = next_send_time(notice, tz)
    assert result.astimezone(tz).date() == notice
    assert result.astimezone(tz).time() == time(9)


def test_window_lost_in_a_dst_gap_moves_to_the_next_day() -> None:
    # London, 30 March 2031: clocks jump from 01:00 to 02:00, so 01:00-02:00 does not exist.
    london = ZoneInfo("Europe/London")
    now = datetime(2031, 3, 29, 2, 0, tzinfo=UTC)
    result = next_send_time(date(2000, 1, 1), london, (time(1), time(2)), now=now)
    assert result.astimezone(london) == datetime(2031, 3, 31, 1, 0, tzinfo=london)
