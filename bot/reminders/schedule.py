"""Pure scheduling rules for the follow-up tests (no I/O, no database).

* ``fosfato_6m``: phosphate-metabolism tests every 6 months.
* ``completo_12m``: complete phospho-calcium metabolism tests every 12 months.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta, timezone
from typing import Final
from zoneinfo import ZoneInfo

KIND_MONTHS: Final[dict[str, int]] = {"fosfato_6m": 6, "completo_12m": 12}
KINDS: Final[tuple[str, ...]] = tuple(KIND_MONTHS)

ROME: Final = ZoneInfo("Europe/Rome")
DEFAULT_WINDOW: Final[tuple[time, time]] = (time(9, 0), time(20, 0))
DEFAULT_DAYS_BEFORE: Final = 14

Window = tuple[time, time]


def add_months(d: date, n: int) -> date:
    """``d`` plus ``n`` calendar months, clamping to the end of the month.

    31 Aug 2025 + 6 -> 28 Feb 2026; 31 Aug 2027 + 6 -> 29 Feb 2028.
    """
    total = d.year * 12 + (d.month - 1) + n
    year, month0 = divmod(total, 12)
    month = month0 + 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def months_for(kind: str) -> int:
    try:
        return KIND_MONTHS[kind]
    except KeyError:
        raise ValueError(f"tipo di promemoria sconosciuto: {kind!r}") from None


def next_due(kind: str, last_done: date) -> date:
    """Date by which the next tests of ``kind`` are due."""
    return add_months(last_done, months_for(kind))


def is_overdue(due: date, today: date) -> bool:
    """True when ``due`` is in the past (the due day itself is not overdue)."""
    return today > due


def notice_dates(due: date, days_before: int = DEFAULT_DAYS_BEFORE) -> list[date]:
    """Days on which a notice is sent: ``[due - days_before, due]``."""
    if days_before < 0:
        raise ValueError("days_before deve essere >= 0")
    if days_before == 0:
        return [due]
    return [due - timedelta(days=days_before), due]


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    """Aware local datetime; wall times inside a DST gap are moved forward."""
    aware = datetime.combine(day, at).replace(tzinfo=tz)
    return aware.astimezone(timezone.utc).astimezone(tz)


def _check_window(window: Window) -> None:
    start, end = window
    if not start < end:
        raise ValueError("la finestra di invio deve avere inizio < fine")


def is_within_window(now: datetime, tz: ZoneInfo = ROME, window: Window = DEFAULT_WINDOW) -> bool:
    """True when ``now`` falls in ``[start, end)`` local time."""
    if now.tzinfo is None:
        raise ValueError("now deve avere un fuso orario")
    _check_window(window)
    local = now.astimezone(tz)
    return _local(local.date(), window[0], tz) <= local < _local(local.date(), window[1], tz)


def next_send_time(
    notice_date: date,
    tz: ZoneInfo = ROME,
    window: Window = DEFAULT_WINDOW,
    now: datetime | None = None,
) -> datetime:
    """First instant, not before ``now``, in the local window of a day >= ``notice_date``.

    The window is half-open ``[start, end)``. If ``now`` is inside the window on
    (or after) the notice day the answer is ``now`` itself; if it is after the end
    of the window, the next day's start. Computed on wall-clock dates with
    ``zoneinfo`` so DST changes never shift a send outside the window.
    The result is an aware datetime in ``tz``.
    """
    _check_window(window)
    start, end = window
    if now is None:
        return _local(notice_date, start, tz)
    if now.tzinfo is None:
        raise ValueError("now deve avere un fuso orario")
    local_now = now.astimezone(tz)
    day = max(notice_date, local_now.date())
    while True:
        opens, closes = _local(day, start, tz), _local(day, end, tz)
        if opens >= closes:  # the whole window falls in a DST gap that day: no send time
            day += timedelta(days=1)
            continue
        if local_now < opens:
            return opens
        if local_now < closes:
            return local_now
        day += timedelta(days=1)
