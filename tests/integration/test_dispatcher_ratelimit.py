"""The dispatcher's per-channel limits against fakes that enforce them, on simulated time.

500 due reminders (Telegram over HTTP to a FakeTelegram answering 429 + retry_after when
called faster than 30/s overall or 1/s per chat; an in-process WhatsApp fake refusing with
Graph error 130429 above 20/s or one message per 6 s per user): with the limiter each is
delivered exactly once and no 429 is ever answered; without it (control) the fakes do
refuse, nothing is lost or doubled, and a limited dispatcher then delivers the rest.
SQLite and PostgreSQL (skipped without CALCINOSI_TEST_POSTGRES_URL).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from fake_limits import Enforcer, FakeWhatsApp, SimClock
from fake_telegram import TOKEN, FakeTelegram
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.reminders.config import ReminderConfig
from bot.reminders.dispatcher import Dispatcher
from bot.reminders.models import SENDING, Delivery, Subscriber, idempotency_key
from bot.reminders.ratelimit import CHANNEL_LIMITS, RateLimiter
from bot.reminders.schedule import ROME
from bot.reminders.senders import ChannelError
from bot.reminders.store import ReminderStore
from bot.reminders.telegram import TelegramSender

CONFIG = ReminderConfig()
NOW = datetime(2027, 3, 1, 10, 0, tzinfo=ROME)
KINDS = ("fosfato_6m", "completo_12m")
TELEGRAM_CHATS, TELEGRAM_EACH = 50, 6  # 300 reminders: the 30/s overall limit binds
WHATSAPP_USERS, WHATSAPP_EACH = 20, 10  # 200 reminders: the 6 s per-user limit binds
TOTAL = TELEGRAM_CHATS * TELEGRAM_EACH + WHATSAPP_USERS * WHATSAPP_EACH


@dataclass
class Channels:
    clock: SimClock
    telegram: Enforcer
    whatsapp: Enforcer
    fake_telegram: FakeTelegram
    fake_whatsapp: FakeWhatsApp

    def dispatcher(self, engine: Engine, limited: bool = True) -> Dispatcher:
        limiter = RateLimiter(
            CHANNEL_LIMITS if limited else {}, clock=self.clock.monotonic, sleep=self.clock.sleep
        )
        senders = {
            "telegram": TelegramSender(TOKEN, self.fake_telegram.url),
            "whatsapp": self.fake_whatsapp,
        }
        return Dispatcher(
            engine, senders, "limits", self.clock.now, config=CONFIG, limiter=limiter
        )

    def refused(self) -> int:
        return self.telegram.refused + self.whatsapp.refused

    def delivered(self) -> Counter[tuple[str, str]]:
        """(chat, delivery key) -> times delivered; Telegram's key is its unique text."""
        telegram = Counter(("telegram:" + c, t) for c, t in self.fake_telegram.delivered())
        whatsapp = self.fake_whatsapp.delivered.items()
        return telegram + Counter({("whatsapp:" + c, k): n for (c, k), n in whatsapp})


@pytest.fixture
def channels() -> Iterator[Channels]:
    clock = SimClock(NOW)
    telegram = Enforcer(clock, per_second=30, per_recipient_s=1.0)
    whatsapp = Enforcer(clock, per_second=20, per_recipient_s=6.0)
    with FakeTelegram(throttle=telegram.check) as fake:
        yield Channels(clock, telegram, whatsapp, fake, FakeWhatsApp(whatsapp))


def seed(engine: Engine) -> None:
    """TOTAL due deliveries, interleaved by recipient (different due dates: unique texts)."""
    store = ReminderStore(engine, CONFIG, clock=lambda: NOW)
    recipients = [("telegram", f"{7000 + i}", TELEGRAM_EACH) for i in range(TELEGRAM_CHATS)]
    recipients += [("whatsapp", f"39333{i:05d}", WHATSAPP_EACH) for i in range(WHATSAPP_USERS)]
    for channel, user, _ in recipients:
        store.subscribe(channel, user, "v1", NOW)
    with Session(engine, future=True) as session, session.begin():
        ids = dict(session.execute(select(Subscriber.channel_user_id, Subscriber.id)).all())
        for k in range(max(TELEGRAM_EACH, WHATSAPP_EACH)):
            for _, user, each in recipients:
                if k >= each:
                    continue
                kind, due = KINDS[k % 2], date(2027, 3, 20) + timedelta(days=k)
                session.add(
                    Delivery(
                        subscriber_id=ids[user],
                        kind=kind,
                        due_date=due,
                        notice_date=NOW.date(),
                        idempotency_key=idempotency_key(ids[user], kind, due, NOW.date()),
                        state="pending",
                        attempts=0,
                        next_attempt_at=NOW - timedelta(minutes=1),
                    )
                )


def states(engine: Engine) -> Counter[str]:
    query = select(Delivery.state, func.count()).group_by(Delivery.state)
    with Session(engine, future=True) as session:
        return Counter(dict(session.execute(query).all()))


def test_500_reminders_within_the_limits_each_delivered_once(
    engine: Engine, channels: Channels
) -> None:
    seed(engine)
    started = time.perf_counter()
    counts = channels.dispatcher(engine).run_once()
    elapsed = time.perf_counter() - started
    delivered = channels.delivered()
    print(
        f"\n[{engine.dialect.name}] {TOTAL} promemoria con i limiti: {elapsed:.1f} s reali, "
        f"{channels.clock.seconds:.1f} s simulati, 429: {channels.refused()}, "
        f"consegne {sum(delivered.values())}, distinte {len(delivered)}"
    )
    assert channels.refused() == 0
    assert (counts.sent, counts.retried, counts.deferred, counts.failed) == (TOTAL, 0, 0, 0)
    assert len(delivered) == TOTAL and set(delivered.values()) == {1}
    assert states(engine) == {"sent": TOTAL}
    # paced, and the channels in parallel: about the slowest channel's bound (9 x 6 s)
    slowest = (WHATSAPP_EACH - 1) * 6.0
    assert slowest <= channels.clock.seconds <= slowest + 5
    assert elapsed < 60


def test_control_without_limiter_the_fakes_refuse_and_nothing_is_lost(
    engine: Engine, channels: Channels
) -> None:
    seed(engine)
    counts = channels.dispatcher(engine, limited=False).run_once()
    refused = channels.refused()
    print(
        f"\n[{engine.dialect.name}] senza limiti: 429 {refused} "
        f"(Telegram {channels.telegram.refused}, WhatsApp {channels.whatsapp.refused}); "
        f"{counts.as_dict()}"
    )
    assert channels.telegram.refused >= 1 and channels.whatsapp.refused >= 1
    assert counts.retried == refused  # each refused send goes back to pending (backoff)
    assert counts.sent + counts.retried + counts.deferred == counts.claimed
    assert set(channels.delivered().values()) == {1}
    assert states(engine) == {"sent": counts.sent, "pending": TOTAL - counts.sent}
    # the same reminders, later, with the limiter: the rest delivered, no 429, none twice
    channels.clock.sleep(CONFIG.backoff_base.total_seconds())
    assert channels.dispatcher(engine).run_once().sent == TOTAL - counts.sent
    assert channels.refused() == refused
    delivered = channels.delivered()
    assert len(delivered) == TOTAL and set(delivered.values()) == {1}
    assert states(engine) == {"sent": TOTAL}


def test_429_pauses_only_its_channel_and_waits_with_nothing_in_flight(
    engine: Engine, channels: Channels
) -> None:
    store = ReminderStore(engine, CONFIG, clock=lambda: NOW)
    for channel, user in [("telegram", "1001"), ("telegram", "1002"), ("whatsapp", "39001")]:
        store.subscribe(channel, user, "v1", NOW)
        for kind, done in zip(KINDS, (date(2026, 9, 15), date(2026, 3, 15)), strict=True):
            store.set_last_done(channel, user, kind, done, NOW)  # 2 due per user
    channels.fake_telegram.fail_next(429, retry_after=30)
    d = channels.dispatcher(engine)
    sleep = d.limiter.sleep

    def sleep_checking(seconds: float) -> None:  # the limiter never waits mid-send
        with Session(engine, future=True) as session:
            in_flight = session.scalar(select(func.count()).where(Delivery.state == SENDING))
        assert in_flight == 0
        sleep(seconds)

    d.limiter.sleep = sleep_checking
    counts = d.run_once()
    # Telegram: the refused one retries after the backoff (1 min > 30 s), the other three
    # wait for the end of the pause without an attempt; WhatsApp is not paused.
    assert (counts.sent, counts.retried, counts.deferred) == (2, 1, 3)
    assert sorted(u for u, _ in channels.fake_whatsapp.delivered) == ["39001", "39001"]
    assert channels.fake_telegram.delivered() == []
    with Session(engine, future=True) as session:
        telegram = session.execute(
            select(Delivery.attempts, Delivery.next_attempt_at, Delivery.last_error_code)
            .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
            .where(Subscriber.channel == "telegram", Delivery.state == "pending")
            .where(Delivery.notice_date == NOW.date())
        ).all()
    t429 = NOW  # the refusal came first, at simulated time 0
    assert sorted((a, n - t429, e) for a, n, e in telegram) == [
        (0, timedelta(seconds=30), None),
        (0, timedelta(seconds=30), None),
        (0, timedelta(seconds=30), None),
        (1, timedelta(minutes=1), "http_429"),
    ]
    channels.clock.sleep(30)
    assert d.run_once().sent == 3
    channels.clock.sleep(30)
    assert d.run_once().sent == 1
    delivered = channels.fake_telegram.delivered()
    assert len(delivered) == 4 == len(set(delivered))


def test_the_fakes_refuse_a_blind_burst(channels: Channels) -> None:
    telegram = TelegramSender(TOKEN, channels.fake_telegram.url)
    for k in range(2):  # two messages per chat at once: 100, 30/s and 1 per chat allow 30
        for i in range(TELEGRAM_CHATS):
            try:
                telegram.send(f"{7000 + i}", f"m{k}", idempotency_key=f"{i}:{k}")
            except ChannelError as err:
                assert (err.code, err.throttled, err.retry_after) == ("http_429", True, 1.0)
    for i in range(WHATSAPP_USERS * 2):  # 40 at once: 20/s allows 20
        try:
            channels.fake_whatsapp.send(f"u{i % WHATSAPP_USERS}", "m", idempotency_key=str(i))
        except ChannelError as err:
            assert err.throttled and err.retry_after is None
    print(
        f"\nraffica senza limiti: 429 Telegram {channels.telegram.refused}/100, "
        f"WhatsApp {channels.whatsapp.refused}/40"
    )
    assert (channels.telegram.refused, channels.whatsapp.refused) == (70, 20)
    assert len(channels.fake_telegram.delivered()) == 30
