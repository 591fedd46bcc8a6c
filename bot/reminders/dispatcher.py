"""The reminder dispatcher: sends due deliveries, never the same one twice.

State machine of a ``delivery`` row (every arrow is a compare-and-set UPDATE,
committed before the next step)::

    pending --claim--> claimed --begin--> sending --ok--------> sent | ready
       ^                  |                  |--error, retry--> pending (next_attempt_at + backoff)
       |   lease expired, |                  |--permanent-----> failed
       |   deferred       |                  |--maybe sent----> failed_unknown
       +------------------+                  '--lease expired-> failed_unknown (or pending if
                                                                the channel is idempotent)

* **claim**: PostgreSQL ``SELECT ... FOR UPDATE SKIP LOCKED`` then ``UPDATE``; SQLite an
  atomic ``UPDATE ... WHERE id=? AND state='pending'`` per row. Each pass uses a
  unique claim token (``claimed_by = <worker_id>/<random>``), so a restarted
  process with the same worker id never mistakes an old claim for its own.
* **begin**: ``claimed -> sending`` only if ``claimed_by`` is still our token, and
  it is committed *before* the network call. A claim stolen after the lease
  (10 min) therefore can never be sent by its old owner: exactly one worker
  wins the ``claimed -> sending`` transition of a given row.
* ``sending`` is never re-entered automatically for a non-idempotent channel.

Guarantee, per step (Telegram, which has no idempotency key):

* crash after claim, before ``sending`` is committed: nothing was sent; after the
  lease the row is claimed again and sent. **Nothing lost, nothing doubled.**
* crash after ``sending`` is committed (before, during or after the HTTP call):
  we cannot know whether Telegram delivered. After the lease the row becomes
  ``failed_unknown`` and is **not** resent; operators see it (log warning and
  ``last_error_code='interrupted'``). Same for a read timeout, a connection lost
  after the request was written, or a 504.
* so delivery is **at-most-once** end to end: a reminder is never sent twice, even
  with crashes at any step or several dispatchers at once. The price: a crash
  while one message is in flight (between the ``sending`` and the ``sent``
  commits, i.e. during its HTTP call) leaves that one reminder uncertain; it may
  not have reached the user, and it is then visible as ``failed_unknown`` rather
  than silently lost or sent again. Rows that are ``pending``/``claimed`` survive
  restarts (they are in the database) and are sent later.
* a channel whose sends are idempotent (``Sender.idempotent``: the web channels,
  where "sending" only marks the notice ``ready``) is retried instead: interrupted
  ``sending`` rows go back to ``pending`` (at-least-once attempts, shown once).
* HTTP error answers (5xx except 504, 429, 401/404) are taken as "not delivered"
  and retried with exponential backoff (1, 2, 4... min, max 6 h, honouring
  ``retry_after``) up to ``max_attempts``, then ``failed``. 400/403 (chat not
  found, bot blocked) are permanent: ``failed`` at once, no retry storm.

Per-channel limits (bot/reminders/ratelimit.py, ``CHANNEL_LIMITS``): Telegram 30 messages/s
overall and 1 s between two messages to one chat; WhatsApp 20/s and 6 s per user (Meta: 80/s
by default, 20 for numbers shared with the Business app; "pair rate" about 1 per 6 s); SMS
1/s; the web channels are unlimited.

* the claimed rows of a batch are sent in the order the limits allow (always the row that
  may go first), and the dispatcher waits while they are still ``claimed``: never with a
  row in ``sending``, so waiting does not widen the uncertain window above. A wait longer
  than ``MAX_WAIT_S`` (10 s) gives the claim back instead: ``pending`` again, no attempt
  counted, ``next_attempt_at`` when allowed (``deferred``). Waits inside a batch hold back
  the next batch, of every channel.
* a refusal for sending too fast (``ChannelError.throttled``: HTTP 429; WhatsApp Graph
  errors 130429/131048/131056) means "not delivered", so retrying is safe: the row goes
  back to ``pending`` with the backoff above (an attempt counted, ``retry_after``
  honoured), and its channel alone pauses for ``retry_after`` (1 min without one): the
  channel's other claimed rows are deferred to the end of the pause and it is not claimed
  until then, while the other channels go on.
* the limits live in the memory of one dispatcher (``limiter``; default: real monotonic
  clock, waits cut short by ``stop()``): N dispatchers on one bot share nothing and may
  together send N times faster, and a restarted one knows no earlier sends.

Nothing is sent outside the local window (09:00-20:00 Europe/Rome): a pass outside
the window only does recovery. Logs carry delivery ids and counts only.

Each pass first calls the optional ``daily`` job with its time: ``run`` passes the
conversation purge (``bot.retention.DailyPurge``, at most once per 24 h; counts only in
the log). Its failure is logged and never stops the reminders.

Several dispatchers may run at once on PostgreSQL (they share the work through
SKIP LOCKED). On SQLite they are safe too (compare-and-set) but writers are
serialised: run one dispatcher per SQLite file.

``on_step(point, index)`` is called at three points of a pass: ``after_claim`` (claims
committed, nothing sent; ``index`` = batch number), ``before_send`` (``sending`` committed,
channel not called) and ``after_send`` (channel call done, outcome not recorded), with
``index`` = the delivery's position in the pass. It does nothing by default; the crash
tests pass one that stops the process there (tests/integration/fault_server.py).

Measured (tests/integration/test_dispatcher_faults.py, SIGKILL at a marker, 20 runs
x 4 reminders per step, SQLite and PostgreSQL): 0 duplicates and 0 silent losses at
every step; after_claim: all resent once; kill after ``sending`` is committed:
exactly the interrupted reminder is ``failed_unknown`` (delivered if the kill came
after the HTTP call, not delivered if before).

Measured (tests/integration/test_dispatcher_ratelimit.py, simulated clock, fakes answering
429 above the channels' limits, SQLite and PostgreSQL): 500 reminders in one pass (300
Telegram to 50 chats, 200 WhatsApp to 20 users): 0 refusals, each delivered once, 56.6 s
simulated (the bound is 54 s: 10 messages x 6 s per WhatsApp user), 2-9 s real. Without the
limiter the first too-fast send of each channel is refused and pauses it; nothing is lost
or doubled, and a limited pass later delivers the rest.
"""

from __future__ import annotations

import logging
import signal
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, timezone
from types import FrameType
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.content import ContentStore
from bot.reminders.config import ReminderConfig
from bot.reminders.models import (
    CLAIMED,
    FAILED,
    FAILED_UNKNOWN,
    PENDING,
    READY,
    SENDING,
    SENT,
    Delivery,
    Subscriber,
)
from bot.reminders.ratelimit import CHANNEL_LIMITS, RateLimiter
from bot.reminders.schedule import is_within_window, next_send_time
from bot.reminders.senders import ChannelError, Sender
from bot.reminders.texts import reminder_text

log = logging.getLogger(__name__)

StepHook = Callable[[str, int], None]

#: Longest wait for a channel's limits inside a pass; a longer one gives the claim back.
MAX_WAIT_S = 10.0


def no_step(point: str, index: int) -> None:
    """The default step hook: does nothing."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class RunCounts:
    claimed: int = 0
    sent: int = 0  # pushed to the channel
    ready: int = 0  # web: waiting to be shown
    retried: int = 0  # back to pending with backoff
    failed: int = 0  # permanent error or too many attempts
    unknown: int = 0  # failed_unknown: maybe delivered, not resent
    requeued: int = 0  # interrupted sends on idempotent channels, back to pending
    skipped: int = 0  # claim lost to another worker (lease) or user deleted
    released: int = 0  # claims given back on shutdown
    deferred: int = 0  # claims given back, channel paused or limit wait too long

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def add(self, other: RunCounts) -> None:
        for key, value in other.as_dict().items():
            setattr(self, key, getattr(self, key) + value)

    def summary_it(self) -> str:
        return (
            f"Promemoria inviati: {self.sent}; pronti da mostrare sul sito: {self.ready}; "
            f"da riprovare più tardi: {self.retried + self.deferred}; "
            f"non riusciti: {self.failed}; "
            f"esito incerto (non reinviati): {self.unknown}."
        )


@dataclass(frozen=True)
class _Claimed:
    id: int
    kind: str
    due_date: date
    attempts: int
    idempotency_key: str
    channel: str
    chat_id: str


class Dispatcher:
    def __init__(
        self,
        engine: Engine,
        senders: Mapping[str, Sender],
        worker_id: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        *,
        config: ReminderConfig | None = None,
        batch_size: int = 50,
        on_step: StepHook = no_step,
        content: ContentStore | None = None,
        daily: Callable[[datetime], object] | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.engine = engine
        self.senders = dict(senders)
        self.worker_id = (worker_id or f"worker-{uuid.uuid4().hex[:8]}")[:60]
        self.config = config or ReminderConfig.from_env()
        self.batch_size = batch_size
        self._on_step = on_step
        self.content = content or ContentStore()
        self._clock = clock
        self._daily = daily
        self._stop = threading.Event()
        self.limiter = limiter or RateLimiter(CHANNEL_LIMITS, sleep=self._stop.wait)
        self._postgres = engine.dialect.name == "postgresql"

    # -- public ------------------------------------------------------------------

    def run_once(self, now: datetime | None = None) -> RunCounts:
        """One pass: recover interrupted sends, then claim and send everything due.

        With ``now`` the pass runs at that (logical) time; otherwise the clock is
        read at each step.
        """
        clock: Callable[[], datetime] = (lambda: now) if now is not None else self._clock
        start = clock()
        if start.tzinfo is None:
            raise ValueError("now deve avere un fuso orario")
        self._run_daily(start)
        counts = RunCounts()
        if not self.senders:
            return counts
        self._recover(start, counts)
        cfg = self.config
        if not is_within_window(start, cfg.tz, cfg.window):
            return counts
        token = f"{self.worker_id}/{uuid.uuid4().hex[:12]}"
        index = 0
        try:
            for batch_number in range(10_000):
                if self._stop.is_set():
                    break
                batch = self._claim(clock(), token)
                if not batch:
                    break
                counts.claimed += len(batch)
                self._on_step("after_claim", batch_number)
                index = self._deliver_batch(batch, token, clock, counts, index)
        finally:
            try:
                counts.released += self._release(token)
            except Exception:  # the database is gone: claims expire after the lease
                log.exception("impossibile restituire le prenotazioni dei promemoria")
        if counts.claimed or counts.unknown or counts.requeued:
            log.info("passata promemoria: %s", counts.as_dict())
        return counts

    def run_forever(self, interval: float = 60.0) -> None:
        """Run passes every ``interval`` seconds until SIGTERM/SIGINT or ``stop()``.

        A signal lets the current delivery finish, gives back the other claims and
        returns.
        """
        self._stop.clear()
        previous: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, self._on_signal)
        log.info("dispatcher promemoria avviato (intervallo %.0f s)", interval)
        try:
            while not self._stop.is_set():
                try:
                    self.run_once()
                except Exception:
                    log.exception("passata promemoria non riuscita; riprovo al prossimo giro")
                self._stop.wait(interval)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            log.info("dispatcher promemoria fermato")

    def stop(self) -> None:
        """Stop ``run_forever``; a pass in progress finishes the current delivery and
        gives back its other claims. Later ``run_once`` calls only do recovery until
        ``run_forever`` starts again."""
        self._stop.set()

    def _run_daily(self, now: datetime) -> None:
        """The ``daily`` job (the conversation purge, bot/retention.py); it decides
        itself, cheaply, whether it is due. Its failure never stops the reminders."""
        if self._daily is None:
            return
        try:
            self._daily(now)
        except Exception:
            log.exception("lavoro giornaliero non riuscito; riprovo al prossimo periodo")

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        log.info("segnale %d ricevuto: mi fermo", signum)
        self._stop.set()

    # -- steps -------------------------------------------------------------------

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with Session(self.engine, future=True) as session, session.begin():
            yield session

    def _channel_ids(self, channels: Sequence[str]) -> Any:
        return select(Subscriber.id).where(Subscriber.channel.in_(list(channels)))

    def _recover(self, now: datetime, counts: RunCounts) -> None:
        """Resolve ``sending`` rows older than the lease (their sender died)."""
        stale_before = now - self.config.lease
        for channel, sender in self.senders.items():
            stale = and_(
                Delivery.state == SENDING,
                Delivery.claimed_at < stale_before,
                Delivery.subscriber_id.in_(self._channel_ids([channel])),
            )
            if sender.idempotent:
                values: dict[str, Any] = {
                    "state": PENDING,
                    "claimed_by": None,
                    "claimed_at": None,
                    "next_attempt_at": now,
                }
            else:
                values = {"state": FAILED_UNKNOWN, "last_error_code": "interrupted"}
            with self._tx() as session:
                ids = session.execute(select(Delivery.id).where(stale)).scalars().all()
                if not ids:
                    continue
                result = session.execute(
                    update(Delivery)
                    .where(Delivery.id.in_(ids), stale)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
            if sender.idempotent:
                counts.requeued += result.rowcount
            else:
                counts.unknown += result.rowcount
                log.warning(
                    "promemoria interrotti durante l'invio, non reinviati (failed_unknown): "
                    "ids=%s",
                    sorted(ids),
                )

    def _claimable(self, now: datetime, channels: Sequence[str]) -> Any:
        return and_(
            or_(
                and_(Delivery.state == PENDING, Delivery.next_attempt_at <= now),
                and_(Delivery.state == CLAIMED, Delivery.claimed_at < now - self.config.lease),
            ),
            Delivery.subscriber_id.in_(self._channel_ids(channels)),
        )

    def _claim(self, now: datetime, token: str) -> list[_Claimed]:
        """Claim up to ``batch_size`` due rows of the channels that are not paused."""
        channels = [c for c in self.senders if not self.limiter.paused(c)]
        if not channels:
            return []
        claimable = self._claimable(now, channels)
        candidates = (
            select(Delivery.id)
            .where(claimable)
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(self.batch_size)
        )
        claim = {"state": CLAIMED, "claimed_by": token, "claimed_at": now}
        if self._postgres:
            with self._tx() as session:
                ids = (
                    session.execute(candidates.with_for_update(skip_locked=True)).scalars().all()
                )
                if ids:
                    session.execute(
                        update(Delivery)
                        .where(Delivery.id.in_(ids), claimable)
                        .values(**claim)
                        .execution_options(synchronize_session=False)
                    )
        else:
            # Compare-and-set per row; if another dispatcher won every candidate,
            # look again instead of ending the pass early.
            for _ in range(100):
                with self._tx() as session:
                    ids = session.execute(candidates).scalars().all()
                    won = sum(
                        session.execute(
                            update(Delivery)
                            .where(Delivery.id == delivery_id, claimable)
                            .values(**claim)
                            .execution_options(synchronize_session=False)
                        ).rowcount
                        for delivery_id in ids
                    )
                if won or not ids:
                    break
        with self._tx() as session:
            rows = session.execute(
                select(
                    Delivery.id,
                    Delivery.kind,
                    Delivery.due_date,
                    Delivery.attempts,
                    Delivery.idempotency_key,
                    Subscriber.channel,
                    Subscriber.channel_user_id,
                )
                .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
                .where(Delivery.state == CLAIMED, Delivery.claimed_by == token)
                .order_by(Delivery.next_attempt_at, Delivery.id)
            ).all()
        return [_Claimed(*row) for row in rows]

    def _transition(
        self, delivery_id: int, token: str, from_state: str, values: dict[str, Any]
    ) -> bool:
        with self._tx() as session:
            result = session.execute(
                update(Delivery)
                .where(
                    Delivery.id == delivery_id,
                    Delivery.state == from_state,
                    Delivery.claimed_by == token,
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        return result.rowcount == 1

    def _deliver_batch(
        self,
        batch: Sequence[_Claimed],
        token: str,
        clock: Callable[[], datetime],
        counts: RunCounts,
        index: int,
    ) -> int:
        """Send the claimed rows, always the one its channel's limits allow first, waiting
        (while nothing is ``sending``) when none is allowed yet. Rows of a paused channel,
        or with a wait above ``MAX_WAIT_S``, go back to ``pending``. Returns the next index."""
        waiting = list(batch)
        while waiting and not self._stop.is_set():
            row = min(waiting, key=lambda r: self.limiter.delay(r.channel, r.chat_id))
            waiting.remove(row)
            wait = self.limiter.delay(row.channel, row.chat_id)
            if self.limiter.paused(row.channel) or wait > MAX_WAIT_S:
                later = clock() + timedelta(seconds=wait)
                if self._transition(row.id, token, CLAIMED, _unclaimed(next_attempt_at=later)):
                    counts.deferred += 1
                else:
                    counts.skipped += 1
                continue
            self.limiter.sleep(wait)
            if self._stop.is_set():
                break
            self._deliver(row, token, clock, counts, index)
            index += 1
        return index

    def _deliver(
        self,
        row: _Claimed,
        token: str,
        clock: Callable[[], datetime],
        counts: RunCounts,
        index: int,
    ) -> None:
        sender = self.senders[row.channel]
        now = clock()
        today = now.astimezone(self.config.tz).date()
        text = reminder_text(self.content, row.kind, row.due_date, today)
        attempts = row.attempts + 1
        begun = self._transition(
            row.id, token, CLAIMED, {"state": SENDING, "attempts": attempts, "claimed_at": now}
        )
        if not begun:
            counts.skipped += 1
            log.info("promemoria %d: preso da un altro dispatcher, salto", row.id)
            return
        self._on_step("before_send", index)
        self.limiter.record(row.channel, row.chat_id)
        try:
            outcome = sender.send(row.chat_id, text, idempotency_key=row.idempotency_key)
        except ChannelError as err:
            self._record_error(row, token, sender, err, attempts, clock(), counts)
            return
        except Exception as exc:  # a bug in a sender: we cannot tell what happened
            err = ChannelError(
                f"error_{type(exc).__name__}", retryable=True, maybe_delivered=True
            )
            log.error("promemoria %d: errore inatteso del canale (%s)", row.id, type(exc).__name__)
            self._record_error(row, token, sender, err, attempts, clock(), counts)
            return
        self._on_step("after_send", index)
        final = READY if outcome == READY else SENT
        recorded = self._transition(
            row.id,
            token,
            SENDING,
            {"state": final, "sent_at": clock(), "last_error_code": None},
        )
        if not recorded:
            counts.skipped += 1
            log.warning("promemoria %d: inviato ma non registrato (cancellato o recuperato)", row.id)
        elif final == READY:
            counts.ready += 1
        else:
            counts.sent += 1
            log.debug("promemoria %d inviato", row.id)

    def _record_error(
        self,
        row: _Claimed,
        token: str,
        sender: Sender,
        err: ChannelError,
        attempts: int,
        now: datetime,
        counts: RunCounts,
    ) -> None:
        values: dict[str, Any] = {"last_error_code": err.code}
        if err.throttled:
            pause = err.retry_after or self.config.backoff_base.total_seconds()
            self.limiter.pause(row.channel, pause)
            log.warning("canale %s: troppi invii (%s), pausa %.0f s", row.channel, err.code, pause)
        if err.maybe_delivered and not sender.idempotent:
            values["state"] = FAILED_UNKNOWN
            bucket = "unknown"
            log.warning("promemoria %d: esito incerto (%s), non reinviato", row.id, err.code)
        elif err.retryable and attempts < self.config.max_attempts:
            retry_at = self._retry_at(now, attempts, err.retry_after)
            values.update(_unclaimed(next_attempt_at=retry_at))
            bucket = "retried"
            log.info("promemoria %d: tentativo %d non riuscito (%s)", row.id, attempts, err.code)
        else:
            values["state"] = FAILED
            bucket = "failed"
            log.warning("promemoria %d: non inviato (%s, tentativi %d)", row.id, err.code, attempts)
        if self._transition(row.id, token, SENDING, values):
            setattr(counts, bucket, getattr(counts, bucket) + 1)
        else:
            counts.skipped += 1

    def _retry_at(self, now: datetime, attempts: int, retry_after: float | None) -> datetime:
        cfg = self.config
        delay = min(cfg.backoff_base * (2 ** (attempts - 1)), cfg.backoff_max)
        if retry_after:
            delay = max(delay, timedelta(seconds=retry_after))
        candidate = (now + delay).astimezone(cfg.tz)
        return next_send_time(candidate.date(), cfg.tz, cfg.window, now=candidate)

    def _release(self, token: str) -> int:
        """Give back claims of this pass that were not started (stop or error)."""
        with self._tx() as session:
            result = session.execute(
                update(Delivery)
                .where(Delivery.state == CLAIMED, Delivery.claimed_by == token)
                .values(**_unclaimed())
                .execution_options(synchronize_session=False)
            )
        return int(result.rowcount)


def _unclaimed(**values: Any) -> dict[str, Any]:
    """The values that put a row back to ``pending`` (plus ``values``)."""
    return {"state": PENDING, "claimed_by": None, "claimed_at": None, **values}
