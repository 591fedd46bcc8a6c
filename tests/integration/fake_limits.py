"""Simulated time and channel fakes that enforce send limits, for the rate-limit tests.

* ``SimClock``: monotonic seconds that only move when someone sleeps; ``now()`` is the
  matching wall clock, from ``start``.
* ``Enforcer``: a channel's limits as the channel sees them: at most ``per_second`` sends in
  any second (sliding window) and ``per_recipient_s`` between two sends to one recipient;
  ``check`` answers the ``retry_after`` of a refused send, or None (and counts the send).
  ``FakeTelegram(throttle=enforcer.check)`` answers 429 with ``parameters.retry_after``.
* ``FakeWhatsApp``: an in-process sender that raises what a Cloud API sender raises for
  Graph error 130429 (throughput: HTTP 400, no ``retry_after``).
"""

from __future__ import annotations

import math
from collections import Counter, deque
from datetime import datetime, timedelta

from bot.reminders.senders import SENT, ChannelError

EPSILON = 1e-6  # float slack of the simulated clock


class SimClock:
    def __init__(self, start: datetime) -> None:
        self.start = start
        self.seconds = 0.0

    def monotonic(self) -> float:
        return self.seconds

    def sleep(self, seconds: float) -> None:
        self.seconds += max(0.0, seconds)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.seconds)


class Enforcer:
    def __init__(self, clock: SimClock, per_second: int, per_recipient_s: float) -> None:
        self._clock = clock
        self.per_second = per_second
        self.per_recipient_s = per_recipient_s
        self._window: deque[float] = deque()
        self._last: dict[str, float] = {}
        self.refused = 0

    def check(self, recipient: str) -> float | None:
        now = self._clock.monotonic()
        while self._window and self._window[0] <= now - 1.0 + EPSILON:
            self._window.popleft()
        last = self._last.get(recipient)
        if last is not None and now - last < self.per_recipient_s - EPSILON:
            wait = last + self.per_recipient_s - now
        elif len(self._window) >= self.per_second:
            wait = self._window[0] + 1.0 - now
        else:
            self._window.append(now)
            self._last[recipient] = now
            return None
        self.refused += 1
        return float(max(1, math.ceil(wait)))  # whole seconds, like Telegram


class FakeWhatsApp:
    idempotent = False

    def __init__(self, enforcer: Enforcer) -> None:
        self.enforcer = enforcer
        self.delivered: Counter[tuple[str, str]] = Counter()

    def send(self, chat_id: str, text: str, *, idempotency_key: str) -> str:
        if self.enforcer.check(chat_id) is not None:
            raise ChannelError("graph_130429", retryable=True, throttled=True)
        self.delivered[(chat_id, idempotency_key)] += 1
        return SENT
