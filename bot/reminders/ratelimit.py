"""Per-channel send limits of the reminder dispatcher (one ``RateLimiter`` per dispatcher).

For each channel: an overall rate (a token bucket of capacity 1, i.e. sends evenly spaced
``1/per_second`` apart, so no window of one second ever holds more than ``per_second``), a
minimum interval between two sends to the same recipient, and a pause set when the
channel answers "too many requests" (``pause``, e.g. for Telegram's ``retry_after``).

Limits (``CHANNEL_LIMITS``, by channel name; channels not listed are unlimited, like the
web channels, which send nothing over the network):

* ``telegram``: 30 messages/s overall, 1 s between two messages to a chat (Bot API FAQ);
* ``whatsapp``: 20 messages/s, 6 s per recipient. Meta documents 80 messages/s per
  business number by default, 20 for numbers also used with the WhatsApp Business app,
  and a "pair rate" limit (error 131056, about one message every 6 s to one user);
* ``sms`` (Twilio long code): 1 message/s.

The clock (monotonic seconds) and the sleep are injectable, so tests run on simulated time.
Recipient ids are only held in memory, for at most the per-recipient interval.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class RateLimit:
    per_second: float | None = None  # overall sends per second; None: no overall limit
    per_recipient_s: float = 0.0  # minimum seconds between two sends to one recipient


CHANNEL_LIMITS: Final[Mapping[str, RateLimit]] = {
    "telegram": RateLimit(per_second=30, per_recipient_s=1.0),
    "whatsapp": RateLimit(per_second=20, per_recipient_s=6.0),
    "sms": RateLimit(per_second=1),
}


class RateLimiter:
    """Tells how long to wait before the next send on a channel; remembers the sends.

    Not thread-safe: one dispatcher (one thread) per limiter.
    """

    def __init__(
        self,
        limits: Mapping[str, RateLimit],
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self._limits = dict(limits)
        self._clock = clock
        self.sleep = sleep
        self._next_send: dict[str, float] = {}  # channel -> earliest next send
        self._paused_until: dict[str, float] = {}
        # channel -> recipient -> earliest next send to it, oldest first
        self._recipients: dict[str, OrderedDict[str, float]] = {}

    def delay(self, channel: str, recipient: str) -> float:
        """Seconds to wait before sending to ``recipient`` on ``channel`` (0: now)."""
        now = self._clock()
        ready = max(
            self._next_send.get(channel, now),
            self._paused_until.get(channel, now),
            self._recipients.get(channel, {}).get(recipient, now),
        )
        return max(0.0, ready - now)

    def paused(self, channel: str) -> float:
        """Seconds left of the channel's pause (0: not paused)."""
        return max(0.0, self._paused_until.get(channel, 0.0) - self._clock())

    def pause(self, channel: str, seconds: float) -> None:
        """Send nothing on ``channel`` for ``seconds`` (a longer pause already set stays)."""
        until = self._clock() + seconds
        self._paused_until[channel] = max(self._paused_until.get(channel, until), until)

    def record(self, channel: str, recipient: str) -> None:
        """A send to ``recipient`` on ``channel`` starts now."""
        limit = self._limits.get(channel)
        if limit is None:
            return
        now = self._clock()
        if limit.per_second:
            start = max(self._next_send.get(channel, now), now)
            self._next_send[channel] = start + 1.0 / limit.per_second
        if limit.per_recipient_s > 0:
            recent = self._recipients.setdefault(channel, OrderedDict())
            recent.pop(recipient, None)
            recent[recipient] = now + limit.per_recipient_s
            while next(iter(recent.values())) <= now:  # forget recipients free again
                recent.popitem(last=False)
