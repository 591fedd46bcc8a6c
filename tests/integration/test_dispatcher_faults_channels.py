"""The crash tests of test_dispatcher_faults.py for the WhatsApp and SMS senders.

Same machinery (fork server, ``CALCINOSI_FAULT_PAUSE``, ``kill -9`` at ``after_claim``,
``before_send``, ``after_send``, then a fresh dispatcher after the lease), against the fake
Graph API and the fake Twilio, with fewer runs per step (``RUNS``). Each run seeds 4
reminders due now, to 4 different recipients (one kind each: WhatsApp waits 6 s between
two messages to one user). The figures per channel and step are printed like Telegram's.
"""

from __future__ import annotations

import itertools
import os
import random
import signal
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import test_dispatcher_faults as faults
from fake_twilio import FakeTwilio
from fake_whatsapp import APP_SECRET, FakeGraph
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot import ROOT
from bot.reminders.db import make_engine
from bot.reminders.dispatcher import Dispatcher
from bot.reminders.models import Delivery, Subscriber
from bot.reminders.ratelimit import RateLimiter
from bot.reminders.senders import Sender
from bot.reminders.sms import SmsSender
from bot.reminders.store import ReminderStore
from bot.reminders.whatsapp import WhatsAppSender
from bot.twilio import TwilioConfig
from bot.whatsapp.config import WhatsAppConfig
from bot.whatsapp.inbound_log import InboundLog

RUNS = 5  # per step and channel
REMINDERS = 4  # per run
DONE = date(2026, 9, 15)  # the 6-month tests: due 15 March 2027, first notice on NOW
backend = faults.backend  # the same databases and fork servers (module-scoped fixture)
_numbers = itertools.count(random.randrange(10**6) * 10)


@dataclass(frozen=True)
class Channel:
    name: str
    env: dict[str, str]  # the variables pointing at its fake
    recipient: Callable[[], str]  # a new recipient id
    sender: Callable[[Engine], Sender]
    received: Callable[[], Counter[str]]  # recipient -> messages the fake accepted


def whatsapp_channel(fake: FakeGraph) -> Channel:
    config = WhatsAppConfig.from_env(fake.env())
    assert config is not None
    return Channel(
        name="whatsapp",
        env=fake.env(),
        recipient=lambda: f"39333{next(_numbers) % 10**7:07d}",
        sender=lambda engine: WhatsAppSender(config, InboundLog(engine, APP_SECRET)),
        received=lambda: Counter(str(body["to"]) for body in fake.delivered()),
    )


def sms_channel(fake: FakeTwilio) -> Channel:
    config = TwilioConfig.from_env(fake.env())
    assert config is not None
    return Channel(
        name="sms",
        env=fake.env(),
        recipient=lambda: f"+39333{next(_numbers) % 10**7:07d}",
        sender=lambda _engine: SmsSender(config),
        received=lambda: Counter(form["To"] for form in fake.delivered()),
    )


@pytest.fixture(scope="module", params=["whatsapp", "sms"])
def channel(request: pytest.FixtureRequest) -> Iterator[Channel]:
    if request.param == "whatsapp":
        with FakeGraph() as graph:
            yield whatsapp_channel(graph)
    else:
        with FakeTwilio() as twilio:
            yield sms_channel(twilio)


def child_env(url: str, channel: Channel, **fault: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALCINOSI_")}
    env.update(
        CALCINOSI_DB_URL=url,
        TELEGRAM_TOKEN="",
        WHATSAPP_TOKEN="",
        TWILIO_ACCOUNT_SID="",
        PYTHONPATH=str(ROOT),
        CALCINOSI_LOG_LEVEL="WARNING",
    )
    env.update(channel.env)
    env.update(fault)
    return env


def evaluate(engine: Engine, channel: Channel, recipients: list[str]) -> faults.Figures:
    """Per reminder due now: its state in the database and how often the fake received it."""
    received = channel.received()
    figures = faults.Figures(runs=1)
    with Session(engine, future=True) as session:
        rows = session.execute(
            select(Subscriber.channel_user_id, Delivery.state)
            .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
            .where(
                Subscriber.channel == channel.name,
                Subscriber.channel_user_id.in_(recipients),
                Delivery.notice_date == faults.NOW.date(),
            )
        ).all()
    for recipient, state in rows:
        got = received[recipient]
        figures.reminders += 1
        figures.states[state] = figures.states.get(state, 0) + 1
        figures.delivered += got > 0
        figures.duplicated += max(0, got - 1)
        if state == "failed_unknown":
            figures.unknown_delivered += got > 0
            figures.unknown_not_delivered += got == 0
        elif not got:
            figures.lost_silently += 1
    return figures


def run_once_with_fault(
    url: str, channel: Channel, step: str, server: faults.ForkServer | None
) -> faults.Figures:
    assert server is not None
    engine = make_engine(url)
    try:
        store = ReminderStore(engine, faults.CONFIG, clock=lambda: faults.NOW)
        recipients = [channel.recipient() for _ in range(REMINDERS)]
        for recipient in recipients:
            store.subscribe(channel.name, recipient, "v1", faults.NOW, {"fosfato_6m": DONE})
        at = "0" if step == "after_claim" else str(random.randrange(REMINDERS))
        fault = {"CALCINOSI_FAULT_PAUSE": step, "CALCINOSI_FAULT_AT": at,
                 "CALCINOSI_FAULT_SLEEP": "30"}  # fmt: skip
        status = server.run_and_kill(child_env(url, channel, **fault))
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        for later in (faults.AFTER_LEASE, faults.AFTER_LEASE + timedelta(hours=2)):
            Dispatcher(
                engine,
                {channel.name: channel.sender(engine)},
                worker_id="fresh",
                config=faults.CONFIG,
                limiter=RateLimiter({}),  # the fresh pass need not wait (limits: unit tests)
            ).run_once(later)
        return evaluate(engine, channel, recipients)
    finally:
        engine.dispose()


@pytest.mark.parametrize("step", ["after_claim", "before_send", "after_send"])
def test_kill_9_at_each_step(
    step: str,
    backend: faults.Backend,
    channel: Channel,
    capsys: pytest.CaptureFixture[str],
) -> None:
    figures = faults.run_parallel(
        backend, lambda url, _run, srv: run_once_with_fault(url, channel, step, srv), RUNS, True
    )
    with capsys.disabled():
        print("\n" + figures.line(f"[{backend.name}] {channel.name} kill -9 {step}"))
    assert figures.runs == RUNS
    assert figures.reminders == REMINDERS * RUNS
    assert figures.duplicated == 0
    assert figures.lost_silently == 0
    if step == "after_claim":
        assert figures.delivered == REMINDERS * RUNS
        assert figures.states == {"sent": REMINDERS * RUNS}
    elif step == "before_send":
        # the killed one: flagged, not resent, not delivered (the HTTP call never happened)
        assert figures.unknown_not_delivered == RUNS and figures.unknown_delivered == 0
        assert figures.delivered == (REMINDERS - 1) * RUNS
    else:
        # the killed one was delivered; it is flagged, never resent
        assert figures.unknown_delivered == RUNS and figures.unknown_not_delivered == 0
        assert figures.delivered == REMINDERS * RUNS
