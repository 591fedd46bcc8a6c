"""The per-channel limiter of the reminder dispatcher, on a simulated clock."""

from __future__ import annotations

import pytest

from bot.reminders.ratelimit import CHANNEL_LIMITS, RateLimit, RateLimiter
from bot.reminders.senders import ChannelError


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def limiter(clock: Clock, **limits: RateLimit) -> RateLimiter:
    return RateLimiter(limits, clock=clock, sleep=clock.sleep)


def send_all(lim: RateLimiter, clock: Clock, channel: str, recipients: list[str]) -> list[float]:
    """Send to each recipient in turn, waiting as told; returns the send times."""
    times = []
    for recipient in recipients:
        lim.sleep(lim.delay(channel, recipient))
        assert lim.delay(channel, recipient) == 0
        lim.record(channel, recipient)
        times.append(clock.now)
    return times


def test_overall_rate_spaces_the_sends(clock: Clock) -> None:
    lim = limiter(clock, telegram=RateLimit(per_second=30))
    times = send_all(lim, clock, "telegram", [str(i) for i in range(91)])
    assert times[0] == 0 and times[-1] == pytest.approx(3.0)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) == pytest.approx(1 / 30) == pytest.approx(max(gaps))
    # never more than 30 in any second
    assert max(sum(1 for t in times if s <= t < s + 1 - 1e-9) for s in times) == 30


def test_idle_time_is_not_saved_up_as_a_burst(clock: Clock) -> None:
    lim = limiter(clock, sms=RateLimit(per_second=1))
    lim.record("sms", "a")
    clock.sleep(60)
    lim.record("sms", "b")
    assert lim.delay("sms", "c") == pytest.approx(1.0)


def test_per_recipient_interval_only_holds_back_that_recipient(clock: Clock) -> None:
    lim = limiter(clock, telegram=RateLimit(per_second=30, per_recipient_s=1.0))
    lim.record("telegram", "42")
    assert lim.delay("telegram", "42") == pytest.approx(1.0)
    assert lim.delay("telegram", "43") == pytest.approx(1 / 30)  # only the overall rate
    times = send_all(lim, clock, "telegram", ["42", "43", "42", "42"])
    assert times == pytest.approx([1.0, 1 + 1 / 30, 2.0, 3.0])


def test_recipients_are_forgotten_once_free(clock: Clock) -> None:
    lim = limiter(clock, whatsapp=RateLimit(per_recipient_s=6.0))
    send_all(lim, clock, "whatsapp", [f"u{i}" for i in range(1000)])
    assert clock.now == 0  # no overall limit: all at once
    clock.sleep(6)
    lim.record("whatsapp", "new")
    assert lim.delay("whatsapp", "u1") == 0
    assert len(lim._recipients["whatsapp"]) == 1


def test_pause_after_retry_after_stops_only_that_channel(clock: Clock) -> None:
    lim = limiter(clock, telegram=RateLimit(per_second=30, per_recipient_s=1.0))
    lim.pause("telegram", 30)
    assert lim.paused("telegram") == 30 and lim.delay("telegram", "1") == 30
    assert lim.paused("whatsapp") == 0 and lim.delay("whatsapp", "1") == 0
    lim.pause("telegram", 5)  # a shorter pause does not shorten the first
    clock.sleep(29)
    assert lim.paused("telegram") == pytest.approx(1)
    clock.sleep(1)
    assert lim.paused("telegram") == 0 and lim.delay("telegram", "1") == 0


def test_channels_without_limits_are_unlimited(clock: Clock) -> None:
    lim = RateLimiter(CHANNEL_LIMITS, clock=clock, sleep=clock.sleep)
    for _ in range(100):
        lim.record("rest", "web-1")
    assert lim.delay("rest", "web-1") == 0
    assert lim.delay("telegram", "web-1") == 0


def test_documented_limits() -> None:
    assert CHANNEL_LIMITS["telegram"] == RateLimit(per_second=30, per_recipient_s=1.0)
    assert CHANNEL_LIMITS["whatsapp"] == RateLimit(per_second=20, per_recipient_s=6.0)
    assert CHANNEL_LIMITS["sms"] == RateLimit(per_second=1)
    assert "rest" not in CHANNEL_LIMITS and "socketio" not in CHANNEL_LIMITS


def test_http_429_is_throttled_by_default() -> None:
    assert ChannelError("http_429", retryable=True, retry_after=3).throttled
    assert not ChannelError("http_500", retryable=True).throttled
    assert ChannelError("graph_130429", retryable=True, throttled=True).throttled
