"""The dispatcher against a fake Telegram Bot API, on SQLite and PostgreSQL.

Sends once; retries 5xx with backoff; 403 is permanent; timeouts are never resent;
restarts lose nothing; web channels are not pushed; several dispatchers at once
send each reminder exactly once; ``run`` stops cleanly on SIGTERM.
(Crash tests with ``kill -9``: test_dispatcher_faults.py.)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone

import pytest
from fake_telegram import TOKEN, FakeTelegram
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot import ROOT
from bot.reminders.config import ReminderConfig
from bot.reminders.db import make_engine
from bot.reminders.dispatcher import Dispatcher, RunCounts
from bot.reminders.models import Delivery
from bot.reminders.ratelimit import RateLimiter
from bot.reminders.schedule import ROME, add_months
from bot.reminders.senders import ChannelError, WebSender
from bot.reminders.store import ReminderStore
from bot.reminders.telegram import TelegramSender

CONFIG = ReminderConfig()
NOW = datetime(2027, 3, 1, 10, 0, tzinfo=ROME)  # first notice of tests due 15/3/2027
DONE_6M = date(2026, 9, 15)
DONE_12M = date(2026, 3, 15)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
def store(engine: Engine) -> ReminderStore:
    return ReminderStore(engine, CONFIG, clock=lambda: NOW)


def telegram(fake: FakeTelegram, **kwargs: object) -> TelegramSender:
    return TelegramSender(TOKEN, fake.url, **kwargs)  # type: ignore[arg-type]


def dispatcher(engine: Engine, fake: FakeTelegram, config: ReminderConfig = CONFIG, **kw: object) -> Dispatcher:
    senders = {"telegram": telegram(fake), "rest": WebSender(), "socketio": WebSender()}
    return Dispatcher(engine, senders, worker_id="test", config=config, **kw)  # type: ignore[arg-type]


def seed(store: ReminderStore, chats: list[str], kinds: tuple[str, ...] = ("fosfato_6m",), channel: str = "telegram") -> None:
    for chat in chats:
        store.subscribe(channel, chat, "v1", NOW)
        for kind in kinds:
            store.set_last_done(channel, chat, kind, DONE_6M if kind == "fosfato_6m" else DONE_12M, NOW)


def rows(engine: Engine) -> list[Delivery]:
    with Session(engine, future=True) as session:
        return list(session.execute(select(Delivery).order_by(Delivery.id)).scalars())


def by_notice(engine: Engine, notice: date) -> list[Delivery]:
    return [r for r in rows(engine) if r.notice_date == notice]


# -- happy path --------------------------------------------------------------------


def test_sends_due_reminders_once(engine: Engine, store: ReminderStore, fake: FakeTelegram) -> None:
    seed(store, ["1001", "1002", "1003"], ("fosfato_6m", "completo_12m"))
    d = dispatcher(engine, fake)
    counts = d.run_once(NOW)
    assert (counts.claimed, counts.sent, counts.failed) == (6, 6, 0)
    delivered = fake.delivered()
    assert len(delivered) == 6 == len(set(delivered))
    assert {chat for chat, _ in delivered} == {"1001", "1002", "1003"}
    for _, text in delivered:
        assert text.startswith("Promemoria: tra 14 giorni, entro il 15 marzo 2027, è il momento degli esami")
        assert "«fatto»" in text and "«rimanda»" in text and "«stop»" in text
    assert all(r.state == "sent" and r.attempts == 1 for r in by_notice(engine, date(2027, 3, 1)))
    # again, and later the same day: nothing more
    assert d.run_once(NOW).sent == 0
    assert d.run_once(NOW + timedelta(hours=5)).sent == 0
    assert len(fake.calls()) == 6
    # on the due day, the second notice
    due_day = datetime(2027, 3, 15, 9, 0, tzinfo=ROME)
    assert d.run_once(due_day).sent == 6
    assert sum("oggi, 15 marzo 2027" in text for _, text in fake.delivered()) == 6
    assert all(r.state == "sent" for r in rows(engine))


def test_nothing_is_sent_early_or_outside_the_window(
    engine: Engine, store: ReminderStore, fake: FakeTelegram
) -> None:
    seed(store, ["1001"])
    d = dispatcher(engine, fake)
    for moment in (
        datetime(2027, 2, 28, 12, 0, tzinfo=ROME),  # the day before the notice
        datetime(2027, 3, 1, 8, 59, tzinfo=ROME),
        datetime(2027, 3, 1, 20, 0, tzinfo=ROME),
        datetime(2027, 3, 1, 23, 30, tzinfo=ROME),
    ):
        assert d.run_once(moment).claimed == 0
    assert fake.calls() == []
    assert d.run_once(datetime(2027, 3, 2, 9, 0, tzinfo=ROME)).sent == 1


def test_user_who_stopped_gets_nothing(engine: Engine, store: ReminderStore, fake: FakeTelegram) -> None:
    seed(store, ["1001", "1002"])
    store.delete_user("telegram", "1001")
    assert dispatcher(engine, fake).run_once(NOW).sent == 1
    assert [chat for chat, _ in fake.delivered()] == ["1002"]


def test_channel_without_sender_stays_queued(engine: Engine, store: ReminderStore, fake: FakeTelegram) -> None:
    seed(store, ["1001"])
    web_only = Dispatcher(engine, {"rest": WebSender()}, worker_id="web", config=CONFIG)
    assert web_only.run_once(NOW).claimed == 0
    assert by_notice(engine, date(2027, 3, 1))[0].state == "pending"
    assert dispatcher(engine, fake).run_once(NOW).sent == 1


# -- failures ------------------------------------------------------------------------


def test_retries_500_with_backoff_then_succeeds(
    engine: Engine, store: ReminderStore, fake: FakeTelegram
) -> None:
    seed(store, ["1001"])
    fake.fail_next(500, times=2)
    d = dispatcher(engine, fake)
    assert d.run_once(NOW).retried == 1
    (row,) = by_notice(engine, date(2027, 3, 1))
    assert (row.state, row.attempts, row.last_error_code) == ("pending", 1, "http_500")
    assert row.next_attempt_at == NOW + timedelta(minutes=1)
    assert d.run_once(NOW + timedelta(seconds=30)).claimed == 0  # not yet
    t2 = NOW + timedelta(minutes=1)
    assert d.run_once(t2).retried == 1
    (row,) = by_notice(engine, date(2027, 3, 1))
    assert row.attempts == 2
    assert row.next_attempt_at == t2 + timedelta(minutes=2)  # exponential
    assert d.run_once(t2 + timedelta(minutes=1)).claimed == 0
    assert d.run_once(t2 + timedelta(minutes=2)).sent == 1
    (row,) = by_notice(engine, date(2027, 3, 1))
    assert (row.state, row.attempts, row.last_error_code) == ("sent", 3, None)
    assert len(fake.calls()) == 3
    assert len(fake.delivered()) == 1


def test_retry_never_lands_outside_the_window(
    engine: Engine, store: ReminderStore, fake: FakeTelegram
) -> None:
    seed(store, ["1001"])
    fake.fail_next(503)
    late = datetime(2027, 3, 1, 19, 59, 30, tzinfo=ROME)
    assert dispatcher(engine, fake).run_once(late).retried == 1
    (row,) = by_notice(engine, date(2027, 3, 1))
    assert row.next_attempt_at == datetime(2027, 3, 2, 9, 0, tzinfo=ROME)


def test_429_honours_retry_after(engine: Engine, store: ReminderStore, fake: FakeTelegram) -> None:
    seed(store, ["1001"])
    fake.fail_next(429, retry_after=600)
    assert dispatcher(engine, fake).run_once(NOW).retried == 1
    (row,) = by_notice(engine, date(2027, 3, 1))
    assert row.next_attempt_at == NOW + timedelta(seconds=600)


def test_403_is_permanent_and_not_retried(engine: Engine, store: ReminderStore, fake: FakeTelegram) -> None:
    seed(store, ["1001", "1002"])
    fake.fail_chat("1001", 403)
    d = dispatcher(engine, fake)
    counts = d.run_once(NOW)
    assert (counts.sent, counts.failed, counts.retried) == (1, 1, 0)
    for hours in range(1, 10):
        d.run_once(NOW + timedelta(hours=hours))
    assert fake.requests_for("1001") == 1
    blocked = [r for r in by_notice(engine, date(2027, 3, 1)) if r.state == "failed"]
    assert [(r.attempts, r.last_error_code) for r in blocked] == [(1, "http_403")]


def test_gives_up_after_max_attempts(engine: Engine, store: ReminderStore, fake: FakeTelegram) -> None:
    seed(store, ["1001"])
    fake.fail_next(500, times=100)
    config = ReminderConfig(max_attempts=4)
    d = dispatcher(engine, fake, config)
    moment = NOW
    for _ in range(10):
        d.run_once(moment)
        moment += timedelta(hours=1)
    (row,) = by_notice(engine, date(2027, 3, 1))
    assert (row.state, row.attempts) == ("failed", 4)
    assert len(fake.calls()) == 4


def test_timeout_is_never_resent(engine: Engine, store: ReminderStore, fake: FakeTelegram) -> None:
    seed(store, ["1001"])
    fake.delay_next(1.0)  # Telegram shows the message but answers too late
    senders = {"telegram": TelegramSender(TOKEN, fake.url, timeout=(2.0, 0.3))}
    d = Dispatcher(engine, senders, worker_id="t", config=CONFIG)
    assert d.run_once(NOW).unknown == 1
    (row,) = by_notice(engine, date(2027, 3, 1))
    assert (row.state, row.last_error_code) == ("failed_unknown", "timeout")
    for hours in range(1, 5):
        d.run_once(NOW + timedelta(hours=hours))
    assert len(fake.calls()) == 1


def test_telegram_sender_classifies_failures(fake: FakeTelegram) -> None:
    sender = telegram(fake)
    assert sender.send("1", "ciao", idempotency_key="k") == "sent"
    expectations = [
        (lambda: fake.fail_next(500), "http_500", True, False),
        (lambda: fake.fail_next(504), "http_504", True, True),
        (lambda: fake.fail_next(403), "http_403", False, False),
        (lambda: fake.fail_next(400), "http_400", False, False),
        (lambda: fake.drop_next(), "connection_lost", True, True),
    ]
    for arrange, code, retryable, maybe in expectations:
        arrange()
        with pytest.raises(ChannelError) as info:
            sender.send("1", "ciao", idempotency_key="k")
        assert (info.value.code, info.value.retryable, info.value.maybe_delivered) == (code, retryable, maybe)
    with pytest.raises(ChannelError) as info:
        TelegramSender("wrong", fake.url).send("1", "ciao", idempotency_key="k")
    assert info.value.code == "http_401" and info.value.retryable
    closed = FakeTelegram()  # closed before starting: nobody listens on its port
    closed.stop()
    with pytest.raises(ChannelError) as info:
        TelegramSender(TOKEN, closed.url).send("1", "ciao", idempotency_key="k")
    assert (info.value.code, info.value.retryable, info.value.maybe_delivered) == ("connect", True, False)
    assert TOKEN not in repr(sender) and TOKEN not in str(info.value)


# -- restarts --------------------------------------------------------------------------


def test_restart_loses_nothing(db_url: str, store: ReminderStore, fake: FakeTelegram) -> None:
    seed(store, ["1001", "1002"], ("fosfato_6m", "completo_12m"))
    fake.fail_next(500, times=4)  # the first pass fails everything
    first = make_engine(db_url)
    assert dispatcher(first, fake).run_once(NOW).retried == 4
    first.dispose()
    fake.reset()
    second = make_engine(db_url)  # a brand new process, as far as the database knows
    counts = dispatcher(second, fake).run_once(NOW + timedelta(minutes=5))
    assert counts.sent == 4
    assert len(fake.delivered()) == 4 == len(set(fake.delivered()))
    second.dispose()


def test_abandoned_claim_is_taken_after_the_lease(
    engine: Engine, store: ReminderStore, fake: FakeTelegram
) -> None:
    seed(store, ["1001"])
    with Session(engine, future=True) as session, session.begin():
        session.execute(
            update(Delivery)
            .where(Delivery.notice_date == date(2027, 3, 1))
            .values(state="claimed", claimed_by="dead-worker/abc", claimed_at=NOW)
        )
    d = dispatcher(engine, fake)
    assert d.run_once(NOW + timedelta(minutes=9)).claimed == 0  # lease still valid
    counts = d.run_once(NOW + timedelta(minutes=11))
    assert (counts.claimed, counts.sent) == (1, 1)
    assert len(fake.calls()) == 1


def test_interrupted_send_is_flagged_not_resent(
    engine: Engine, store: ReminderStore, fake: FakeTelegram
) -> None:
    seed(store, ["1001"])
    seed(store, ["web-1"], channel="rest")
    with Session(engine, future=True) as session, session.begin():
        session.execute(
            update(Delivery)
            .where(Delivery.notice_date == date(2027, 3, 1))
            .values(state="sending", claimed_by="dead-worker/abc", claimed_at=NOW, attempts=1)
        )
    d = dispatcher(engine, fake)
    assert d.run_once(NOW + timedelta(minutes=5)).unknown == 0
    counts = d.run_once(NOW + timedelta(minutes=11))
    # Telegram: maybe delivered -> failed_unknown, never resent; web: idempotent -> ready
    assert (counts.unknown, counts.requeued, counts.ready, counts.sent) == (1, 1, 1, 0)
    states = {r.state for r in by_notice(engine, date(2027, 3, 1))}
    assert states == {"failed_unknown", "ready"}
    assert fake.calls() == []


class StopAfterFirstSend:
    """A sender that asks the dispatcher to stop while it is working (like SIGTERM)."""

    idempotent = False

    def __init__(self) -> None:
        self.dispatcher: Dispatcher | None = None
        self.calls = 0

    def send(self, chat_id: str, text: str, *, idempotency_key: str) -> str:
        self.calls += 1
        assert self.dispatcher is not None
        self.dispatcher.stop()
        return "sent"


def test_stop_gives_back_the_other_claims(engine: Engine, store: ReminderStore, fake: FakeTelegram) -> None:
    seed(store, ["1001", "1002", "1003"])
    sender = StopAfterFirstSend()
    d = Dispatcher(engine, {"telegram": sender}, worker_id="stopping", config=CONFIG)
    sender.dispatcher = d
    counts = d.run_once(NOW)
    assert (counts.claimed, counts.sent, counts.released) == (3, 1, 2)
    assert sorted(r.state for r in by_notice(engine, date(2027, 3, 1))) == ["pending", "pending", "sent"]
    assert dispatcher(engine, fake).run_once(NOW + timedelta(seconds=1)).sent == 2  # no lease wait
    assert sender.calls == 1 and len(fake.delivered()) == 2


# -- web channels ----------------------------------------------------------------------


def test_web_reminders_are_not_pushed(engine: Engine, store: ReminderStore, fake: FakeTelegram) -> None:
    seed(store, ["web-1"], channel="rest")
    seed(store, ["sock-1"], channel="socketio")
    assert dispatcher(engine, fake).run_once(NOW).ready == 2
    assert fake.calls() == []
    notices = store.pending_notices("rest", "web-1", NOW, mark=True)
    assert [n.topic for n in notices] == ["promemoria.avviso"]
    assert store.pending_notices("rest", "web-1", NOW, mark=True) == []
    assert {r.state for r in by_notice(engine, date(2027, 3, 1))} == {"sent", "ready"}


# -- concurrency -------------------------------------------------------------------------


def test_two_dispatchers_at_once_send_each_reminder_exactly_once(
    db_url: str, engine: Engine, store: ReminderStore
) -> None:
    postgres = engine.dialect.name == "postgresql"
    chats = [str(5000 + i) for i in range(100)]
    seed(store, chats, ("fosfato_6m", "completo_12m"))
    expected = 2 * len(chats)  # 200 due deliveries
    with FakeTelegram(latency=0.005) as fake:
        engines = [make_engine(db_url) for _ in range(2)]
        # no channel limits here (test_dispatcher_ratelimit.py): 1 s per chat in real time
        # would hold each 5-row batch about a second
        workers = [
            Dispatcher(e, {"telegram": telegram(fake)}, worker_id=f"w{i}", config=CONFIG, batch_size=5,
                       limiter=RateLimiter({}))
            for i, e in enumerate(engines)
        ]
        barrier = threading.Barrier(len(workers))
        results: list[RunCounts] = []

        def work(d: Dispatcher) -> None:
            barrier.wait()
            results.append(d.run_once(NOW))

        threads = [threading.Thread(target=work, args=(d,)) for d in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for e in engines:
            e.dispose()
        counts = fake.delivered_counts()
    per_worker = [r.sent for r in results]
    print(f"\n[{engine.dialect.name}] due dispatcher insieme: inviati per dispatcher {per_worker}, "
          f"richieste {sum(counts.values())}, promemoria distinti {len(counts)}")
    assert len(results) == 2
    assert sum(counts.values()) == expected
    assert len(counts) == expected and max(counts.values()) == 1
    assert sum(per_worker) == expected
    assert all(r.state == "sent" for r in by_notice(engine, date(2027, 3, 1)))
    if postgres:  # SKIP LOCKED: both really work in parallel (SQLite serialises writers)
        assert all(n > 0 for n in per_worker), per_worker


# -- command line --------------------------------------------------------------------------


def env_for(db_url: str, fake: FakeTelegram, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALCINOSI_FAULT")}
    env.update(
        CALCINOSI_DB_URL=db_url,
        TELEGRAM_TOKEN=TOKEN,
        TELEGRAM_API_URL=fake.url,
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


def test_send_due_cli(db_url: str, store: ReminderStore, fake: FakeTelegram) -> None:
    seed(store, ["1001", "1002"])
    result = subprocess.run(
        [sys.executable, "-m", "bot.reminders.cli", "send-due", "--now", "2027-03-01T10:00"],
        env=env_for(db_url, fake),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Promemoria inviati: 2;" in result.stdout
    assert len(fake.delivered()) == 2
    for secret in ("1001", "1002", TOKEN, "Promemoria: tra"):
        assert secret not in result.stderr  # logs: ids and counts only


def test_run_loop_sends_and_stops_on_sigterm(db_url: str, engine: Engine, fake: FakeTelegram) -> None:
    now = datetime.now(timezone.utc)
    today = now.astimezone(ROME).date()
    real_store = ReminderStore(engine, ReminderConfig(window=(time(0), time(23, 59, 59))))
    real_store.subscribe("telegram", "1001", "v1", now)
    # tests due in 14 days: the first notice is today
    real_store.set_last_done("telegram", "1001", "fosfato_6m", add_months(today + timedelta(days=14), -6), now)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.reminders.cli", "run", "--interval", "0.2"],
        env=env_for(db_url, fake, CALCINOSI_REMINDER_WINDOW="00:00-23:59:59"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert "avviato" in proc.stdout.readline()
        deadline = datetime.now() + timedelta(seconds=20)
        while not fake.delivered() and datetime.now() < deadline:
            threading.Event().wait(0.1)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "fermato" in out
    if time(0) <= now.astimezone(ROME).time() < time(23, 59, 59):
        assert len(fake.delivered()) == 1
