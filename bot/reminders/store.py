"""``ReminderStore``: everything the Rasa actions need to manage reminders.

Users are identified by ``(channel, user_id)`` as Rasa sees them
(``tracker.get_latest_input_channel()``, ``tracker.sender_id``). Methods that need
a subscription raise ``NotSubscribedError``; read-only ones answer empty.

Times: every ``now`` is an aware datetime (default: the store clock, UTC);
"today" is the local date in the configured time zone (Europe/Rome).

Privacy: ``delete_user`` deletes the subscriber row and, with it, consent, schedule
and every delivery (sent ones included), and the user's SMS subscription (the number,
``set_sms_number``): nothing about the user is kept. It serves
both "stop the reminders" and "cancella i miei dati" (the caller decides what else
to delete, e.g. the conversation).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.content import ContentStore
from bot.reminders.config import ReminderConfig
from bot.reminders.models import (
    PENDING,
    READY,
    SENT,
    Delivery,
    Schedule,
    Subscriber,
    idempotency_key,
)
from bot.reminders.phone import italian_mobile
from bot.reminders.schedule import KINDS, months_for, next_send_time, notice_dates
from bot.reminders.schedule import next_due as compute_next_due
from bot.reminders.texts import (
    CALENDAR_DESCRIPTION,
    CALENDAR_SUMMARIES,
    TOPIC_AVVISO,
    reminder_text,
)

log = logging.getLogger(__name__)

UNSENT = (PENDING, READY)
SMS_CHANNEL = "sms"


class NotSubscribedError(LookupError):
    """The user has no active reminder subscription."""


@dataclass(frozen=True)
class Notice:
    """A reminder to show to a web user (``topic`` goes in ``custom.topic``)."""

    kind: str
    due_date: date
    notice_date: date
    text: str
    topic: str = TOPIC_AVVISO


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class ReminderStore:
    def __init__(
        self,
        engine: Engine,
        config: ReminderConfig | None = None,
        clock: Callable[[], datetime] = utcnow,
        content: ContentStore | None = None,
    ) -> None:
        self.engine = engine
        self.config = config or ReminderConfig.from_env()
        self._clock = clock
        self.content = content or ContentStore()

    # -- helpers -----------------------------------------------------------------

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with Session(self.engine, future=True) as session, session.begin():
            yield session

    def _now(self, now: datetime | None) -> datetime:
        now = now or self._clock()
        if now.tzinfo is None:
            raise ValueError("now deve avere un fuso orario")
        return now

    def _today(self, now: datetime) -> date:
        return now.astimezone(self.config.tz).date()

    @staticmethod
    def _subscriber(session: Session, channel: str, user_id: str | int) -> Subscriber | None:
        return session.execute(
            select(Subscriber).where(
                Subscriber.channel == channel, Subscriber.channel_user_id == str(user_id)
            )
        ).scalar_one_or_none()

    @staticmethod
    def _linked_ids(session: Session, sub_id: int) -> list[int]:
        """The SMS subscribers that follow ``sub_id`` (``set_sms_number``)."""
        return list(
            session.execute(
                select(Subscriber.id).where(Subscriber.linked_to_id == sub_id)
            ).scalars()
        )

    @staticmethod
    def _delete_ids(session: Session, ids: list[int]) -> None:
        # Explicit deletes: cascade also works without PRAGMA foreign_keys on SQLite.
        session.execute(delete(Delivery).where(Delivery.subscriber_id.in_(ids)))
        session.execute(delete(Schedule).where(Schedule.subscriber_id.in_(ids)))
        session.execute(
            delete(Subscriber)
            .where(Subscriber.id.in_(ids))
            .execution_options(synchronize_session=False)
        )

    def _require(self, session: Session, channel: str, user_id: str | int) -> Subscriber:
        sub = self._subscriber(session, channel, user_id)
        if sub is None:
            raise NotSubscribedError("nessuna iscrizione ai promemoria")
        return sub

    def _plan(
        self, session: Session, sub_id: int, kind: str, due: date, now: datetime
    ) -> None:
        """(Re)plan the notices of one kind: drop stale unsent ones, add missing ones.

        Notices whose day is already past collapse into one (the latest), sent at
        the next window: a late subscription gets one reminder, not a burst.
        """
        today = self._today(now)
        plan = notice_dates(due, self.config.days_before)
        past = [d for d in plan if d < today]
        wanted = ([past[-1]] if past else []) + [d for d in plan if d >= today]
        self._ensure_notices(session, sub_id, kind, due, wanted, now, replace=True)

    def _ensure_notices(
        self,
        session: Session,
        sub_id: int,
        kind: str,
        due: date,
        notices: Iterable[date],
        now: datetime,
        *,
        replace: bool,
    ) -> None:
        keys = {idempotency_key(sub_id, kind, due, n): n for n in notices}
        if replace:
            session.execute(
                delete(Delivery)
                .where(
                    Delivery.subscriber_id == sub_id,
                    Delivery.kind == kind,
                    Delivery.state.in_(UNSENT),
                    Delivery.idempotency_key.not_in(list(keys)),
                )
                .execution_options(synchronize_session=False)
            )
        existing = set(
            session.execute(
                select(Delivery.idempotency_key).where(Delivery.idempotency_key.in_(list(keys)))
            ).scalars()
        )
        cfg = self.config
        for key, notice in keys.items():
            if key in existing:
                continue
            session.add(
                Delivery(
                    subscriber_id=sub_id,
                    kind=kind,
                    due_date=due,
                    notice_date=notice,
                    idempotency_key=key,
                    state=PENDING,
                    attempts=0,
                    next_attempt_at=next_send_time(notice, cfg.tz, cfg.window, now),
                )
            )

    def _set_schedule(
        self, session: Session, sub: Subscriber, kind: str, done_on: date, now: datetime
    ) -> date:
        """Store the last tests of ``kind`` for ``sub`` and its linked SMS subscribers."""
        months_for(kind)  # validates the kind
        if done_on > self._today(now):
            raise ValueError("la data degli esami è nel futuro")
        due = compute_next_due(kind, done_on)
        for sub_id in [sub.id, *self._linked_ids(session, sub.id)]:
            row = session.get(Schedule, (sub_id, kind))
            if row is None:
                session.add(
                    Schedule(subscriber_id=sub_id, kind=kind, last_done=done_on, next_due=due)
                )
            else:
                row.last_done, row.next_due = done_on, due
            session.flush()
            self._plan(session, sub_id, kind, due, now)
        return due

    def _retrying(self, work: Callable[[Session], Any]) -> Any:
        """Run ``work`` in a transaction, once more if a concurrent insert collided."""
        for attempt in range(3):
            try:
                with self._tx() as session:
                    return work(session)
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    # -- subscription ------------------------------------------------------------

    def subscribe(
        self,
        channel: str,
        user_id: str | int,
        consent_version: str,
        now: datetime | None = None,
        last_done: Mapping[str, date] | None = None,
    ) -> bool:
        """Record consent, with the dates of the last tests (``{kind: date}``) in the same
        transaction when given: either all is stored or nothing. True if new; an existing
        subscription gets the new consent."""
        now = self._now(now)

        def work(session: Session) -> bool:
            sub = self._subscriber(session, channel, user_id)
            created = sub is None
            if sub is None:
                sub = Subscriber(
                    channel=channel,
                    channel_user_id=str(user_id),
                    consent_at=now,
                    consent_text_version=consent_version,
                    created_at=now,
                )
                session.add(sub)
                session.flush()
            else:
                sub.consent_at, sub.consent_text_version = now, consent_version
            for kind, done_on in (last_done or {}).items():
                self._set_schedule(session, sub, kind, done_on, now)
            return created

        created = self._retrying(work)
        log.info("iscrizione promemoria: nuova=%s", created)
        return bool(created)

    def is_subscribed(self, channel: str, user_id: str | int) -> bool:
        with self._tx() as session:
            return self._subscriber(session, channel, user_id) is not None

    def delete_user(self, channel: str, user_id: str | int) -> bool:
        """Delete everything stored about the user (subscriber, consent, schedule,
        deliveries, the linked SMS subscription): stops the reminders. True if something
        was deleted."""
        with self._tx() as session:
            sub = self._subscriber(session, channel, user_id)
            if sub is None:
                return False
            self._delete_ids(session, [*self._linked_ids(session, sub.id), sub.id])
        log.info("iscrizione promemoria cancellata")
        return True

    def set_sms_number(
        self,
        channel: str,
        user_id: str,
        number: str,
        consent_version: str,
        now: datetime | None = None,
    ) -> None:
        """SMS reminders to an Italian mobile number for a subscribed (web) user.

        ``number`` is normalised to E.164 (``+393331234567``; ``ValueError`` if it is not
        an Italian mobile). A subscriber of channel ``sms`` with that number as its user
        id is created (or updated) with its own consent time and ``consent_version``,
        linked to the user's subscriber and given the same test dates; it then follows
        them (``set_last_done``, ``mark_done``, ``snooze``) and is deleted with the user
        (``delete_user``) or alone by an SMS "STOP" (``delete_user("sms", number)``).
        One number per user: a new one replaces the old one; a number already linked to
        another user moves to this one. ``NotSubscribedError`` without reminders.
        """
        if channel == SMS_CHANNEL:
            raise ValueError("un numero SMS non può avere a sua volta un numero SMS")
        e164 = italian_mobile(number)
        now = self._now(now)

        def work(session: Session) -> bool:
            owner = self._require(session, channel, user_id)
            replaced = session.execute(
                select(Subscriber.id).where(
                    Subscriber.linked_to_id == owner.id, Subscriber.channel_user_id != e164
                )
            ).scalars().all()
            if replaced:
                self._delete_ids(session, list(replaced))
            sms = self._subscriber(session, SMS_CHANNEL, e164)
            created = sms is None
            if sms is None:
                sms = Subscriber(channel=SMS_CHANNEL, channel_user_id=e164, created_at=now)
                session.add(sms)
            sms.consent_at, sms.consent_text_version = now, consent_version
            sms.linked_to_id = owner.id
            session.flush()
            dates = {
                row.kind: row.last_done
                for row in session.execute(
                    select(Schedule).where(Schedule.subscriber_id == owner.id)
                ).scalars()
            }
            for model in (Delivery, Schedule):
                session.execute(
                    delete(model)
                    .where(model.subscriber_id == sms.id, model.kind.not_in(list(dates)))
                    .execution_options(synchronize_session=False)
                )
            for kind, done_on in dates.items():
                self._set_schedule(session, sms, kind, done_on, now)
            return created

        created = self._retrying(work)
        log.info("numero SMS dei promemoria salvato: nuovo=%s", created)

    # -- schedule ----------------------------------------------------------------

    def set_last_done(
        self,
        channel: str,
        user_id: str | int,
        kind: str,
        done_on: date,
        now: datetime | None = None,
    ) -> date:
        """Store the date of the last tests of ``kind``; returns the next due date."""
        now = self._now(now)

        def work(session: Session) -> date:
            sub = self._require(session, channel, user_id)
            return self._set_schedule(session, sub, kind, done_on, now)

        return self._retrying(work)  # type: ignore[no-any-return]

    def next_due(self, channel: str, user_id: str | int) -> dict[str, date]:
        """``{kind: next due date}``; empty if not subscribed or no dates yet."""
        with self._tx() as session:
            sub = self._subscriber(session, channel, user_id)
            if sub is None:
                return {}
            rows = session.execute(
                select(Schedule.kind, Schedule.next_due).where(Schedule.subscriber_id == sub.id)
            ).all()
        return {kind: due for kind, due in sorted(rows, key=lambda r: KINDS.index(r[0]))}

    def active_kinds(self, channel: str, user_id: str | int, now: datetime | None = None) -> list[str]:
        """Kinds whose reminders have started (first notice day reached, or overdue)."""
        today = self._today(self._now(now))
        lead = timedelta(days=self.config.days_before)
        return [k for k, due in self.next_due(channel, user_id).items() if today >= due - lead]

    def mark_done(
        self,
        channel: str,
        user_id: str | int,
        done_on: date,
        kinds: Iterable[str] | None = None,
        now: datetime | None = None,
    ) -> dict[str, date]:
        """The tests were done on ``done_on``: roll the schedule; returns ``{kind: next due}``.

        ``kinds=None`` means the kinds whose reminders are running (see
        ``active_kinds``); if none is running, every kind of the user (both kinds
        for a user without dates yet).
        """
        now = self._now(now)
        if kinds is None:
            chosen = self.active_kinds(channel, user_id, now) or list(
                self.next_due(channel, user_id) or KINDS
            )
        else:
            chosen = list(kinds)

        def work(session: Session) -> dict[str, date]:
            sub = self._require(session, channel, user_id)
            return {k: self._set_schedule(session, sub, k, done_on, now) for k in chosen}

        return self._retrying(work)  # type: ignore[no-any-return]

    def snooze(
        self, channel: str, user_id: str | int, days: int = 7, now: datetime | None = None
    ) -> dict[str, date]:
        """Remind again in ``days`` days; returns ``{kind: new notice date}``.

        For kinds whose reminders are running, unsent notices up to today+days are
        replaced by one notice on today+days. If none is running, the next planned
        notice is moved ``days`` later. Empty dict: nothing to snooze. The linked SMS
        subscription (``set_sms_number``) is snoozed the same way.
        """
        if days < 1:
            raise ValueError("days deve essere >= 1")
        now = self._now(now)
        today = self._today(now)
        active = self.active_kinds(channel, user_id, now)

        def work(session: Session) -> dict[str, date]:
            sub = self._subscriber(session, channel, user_id)
            if sub is None:
                return {}
            moved = self._snooze_one(session, sub.id, active, today, days, now)
            for linked in self._linked_ids(session, sub.id):
                self._snooze_one(session, linked, active, today, days, now)
            return moved

        return self._retrying(work)  # type: ignore[no-any-return]

    def _snooze_one(
        self,
        session: Session,
        sub_id: int,
        active: list[str],
        today: date,
        days: int,
        now: datetime,
    ) -> dict[str, date]:
        """``snooze`` for one subscriber; ``active``: the kinds running for the user."""
        schedules = {
            s.kind: s
            for s in session.execute(
                select(Schedule).where(Schedule.subscriber_id == sub_id)
            ).scalars()
        }
        moved: dict[str, date] = {}
        if active:
            target = today + timedelta(days=days)
            for kind in [k for k in active if k in schedules]:
                due = schedules[kind].next_due
                session.execute(
                    delete(Delivery).where(
                        Delivery.subscriber_id == sub_id,
                        Delivery.kind == kind,
                        Delivery.state.in_(UNSENT),
                        Delivery.notice_date <= target,
                    )
                )
                self._ensure_notices(session, sub_id, kind, due, [target], now, replace=False)
                moved[kind] = target
            return moved
        upcoming = session.execute(
            select(Delivery)
            .where(Delivery.subscriber_id == sub_id, Delivery.state.in_(UNSENT))
            .order_by(Delivery.notice_date)
        ).scalars().all()
        if not upcoming:
            return {}
        first = upcoming[0].notice_date
        for delivery in [d for d in upcoming if d.notice_date == first]:
            target = delivery.notice_date + timedelta(days=days)
            kind, due = delivery.kind, delivery.due_date
            session.delete(delivery)
            session.flush()
            self._ensure_notices(session, sub_id, kind, due, [target], now, replace=False)
            moved[kind] = target
        return moved

    # -- web channels ------------------------------------------------------------

    def pending_notices(
        self,
        channel: str,
        user_id: str | int,
        now: datetime | None = None,
        mark: bool = False,
    ) -> list[Notice]:
        """Due or overdue notices not shown yet (one per kind, the latest).

        For web channels, which cannot push: call when the user comes back. With
        ``mark=True`` they are recorded as shown (state ``sent``) and will not be
        returned again; a notice taken concurrently by someone else is left out.
        """
        now = self._now(now)
        today = self._today(now)
        with self._tx() as session:
            sub = self._subscriber(session, channel, user_id)
            if sub is None:
                return []
            rows = session.execute(
                select(Delivery.id, Delivery.kind, Delivery.due_date, Delivery.notice_date)
                .where(
                    Delivery.subscriber_id == sub.id,
                    Delivery.state.in_(UNSENT),
                    Delivery.notice_date <= today,
                )
                .order_by(Delivery.notice_date, Delivery.id)
            ).all()
            latest: dict[str, Any] = {}
            for row in rows:
                latest[row.kind] = row
            notices: list[Notice] = []
            for kind in sorted(latest, key=KINDS.index):
                row = latest[kind]
                if mark:
                    ids = [r.id for r in rows if r.kind == kind]
                    result = session.execute(
                        update(Delivery)
                        .where(Delivery.id.in_(ids), Delivery.state.in_(UNSENT))
                        .values(state=SENT, sent_at=now, claimed_by=None)
                        .execution_options(synchronize_session=False)
                    )
                    if result.rowcount == 0:
                        continue
                text = reminder_text(self.content, kind, row.due_date, today)
                notices.append(Notice(kind, row.due_date, row.notice_date, text))
        if mark and notices:
            log.info("promemoria mostrati sul sito: %d", len(notices))
        return notices

    # -- calendar ----------------------------------------------------------------

    def ics_for(self, channel: str, user_id: str | int, now: datetime | None = None) -> bytes:
        """An iCalendar file: one all-day event per kind on its next due date."""
        from icalendar import Alarm, Calendar, Event

        now = self._now(now)
        with self._tx() as session:
            sub = self._require(session, channel, user_id)
            sub_id = sub.id
        dues = self.next_due(channel, user_id)
        cal = Calendar()
        cal.add("prodid", "-//Assistente calcinosi tumorale//Promemoria esami//IT")
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("x-wr-calname", "Promemoria esami")
        for kind, due in dues.items():
            digest = hashlib.sha256(f"{sub_id}:{kind}:{due.isoformat()}".encode()).hexdigest()
            event = Event()
            event.add("uid", f"{digest[:32]}@promemoria.calcinosi")
            event.add("dtstamp", now.astimezone(timezone.utc))
            event.add("dtstart", due)
            event.add("dtend", due + timedelta(days=1))
            event.add("summary", CALENDAR_SUMMARIES[kind])
            event.add("description", CALENDAR_DESCRIPTION)
            event.add("transp", "TRANSPARENT")
            if self.config.days_before > 0:
                alarm = Alarm()
                alarm.add("action", "DISPLAY")
                alarm.add("description", CALENDAR_SUMMARIES[kind])
                alarm.add("trigger", timedelta(days=-self.config.days_before))
                event.add_component(alarm)
            cal.add_component(event)
        return cal.to_ical()
