"""Configuration of the reminders from environment variables.

* ``CALCINOSI_DB_URL``                - database (default ``sqlite:///<repo>/var/calcinosi.db``)
* ``CALCINOSI_REMINDER_DAYS_BEFORE``  - first notice N days before the due date (14)
* ``CALCINOSI_REMINDER_WINDOW``       - local send window, ``"09:00-20:00"`` (Europe/Rome)
* ``TELEGRAM_TOKEN``                  - bot token; without it Telegram reminders stay queued
* ``TELEGRAM_API_URL``                - Bot API base URL (``https://api.telegram.org``)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from bot.reminders.schedule import DEFAULT_DAYS_BEFORE, DEFAULT_WINDOW, ROME, Window

DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org"


def parse_window(raw: str) -> Window:
    """``"09:00-20:00"`` -> ``(time(9), time(20))``."""
    try:
        start_raw, end_raw = (part.strip() for part in raw.split("-"))
        start, end = time.fromisoformat(start_raw), time.fromisoformat(end_raw)
    except ValueError:
        raise ValueError(f"finestra di invio non valida: {raw!r} (esempio: 09:00-20:00)") from None
    if not start < end:
        raise ValueError(f"finestra di invio non valida: {raw!r} (l'inizio deve precedere la fine)")
    return start, end


@dataclass(frozen=True)
class ReminderConfig:
    days_before: int = DEFAULT_DAYS_BEFORE
    window: Window = DEFAULT_WINDOW
    tz: ZoneInfo = ROME
    lease: timedelta = timedelta(minutes=10)
    max_attempts: int = 6
    backoff_base: timedelta = timedelta(minutes=1)
    backoff_max: timedelta = timedelta(hours=6)
    telegram_token: str | None = field(default=None, repr=False)
    telegram_api_url: str = DEFAULT_TELEGRAM_API_URL

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ReminderConfig:
        env = os.environ if env is None else env
        days_raw = env.get("CALCINOSI_REMINDER_DAYS_BEFORE", "").strip()
        days = int(days_raw) if days_raw else DEFAULT_DAYS_BEFORE
        if days < 0:
            raise ValueError("CALCINOSI_REMINDER_DAYS_BEFORE deve essere >= 0")
        window_raw = env.get("CALCINOSI_REMINDER_WINDOW", "").strip()
        return cls(
            days_before=days,
            window=parse_window(window_raw) if window_raw else DEFAULT_WINDOW,
            telegram_token=env.get("TELEGRAM_TOKEN") or None,
            telegram_api_url=(env.get("TELEGRAM_API_URL") or DEFAULT_TELEGRAM_API_URL).rstrip("/"),
        )


def sms_enabled() -> bool:
    """SMS reminders are on when Twilio is configured (TWILIO_ACCOUNT_SID, bot/reminders/sms.py)."""
    return bool(os.environ.get("TWILIO_ACCOUNT_SID"))
