"""Rasa's SQL tracker store with an in-process cache of recent conversations (write-through).

Why: profiling the Rasa server (docs/performance.md) showed that on every message Rasa's
``SQLTrackerStore`` reads back *every* event of the conversation since the session start,
decodes it from JSON and replays it, then counts the stored events again before writing the
new ones. The cost grows with the length of the conversation: half of the server's CPU in a
long conversation.

What changes: after a tracker is saved, this store keeps the tracker object in memory with
the number of its events already in the database. The next message of that conversation
gets the object back without a query, and saving writes only the events added since.
Every event is still written to the database before the answer leaves (write-through), so a
crash or restart loses nothing; the cache only saves reading.

Rules that keep it exact:
- A tracker is *lent* on retrieve and comes back into the cache only when it is saved; a
  tracker that was never saved (an error half-way through a message) is not reused, the
  next message reads the database.
- A tracker whose session restarted in memory is not kept: the next read loads the new
  session from the database, as Rasa would.
- A long conversation is kept *short in memory*: past ``max_events`` events, the cached
  tracker keeps only its last few user turns, starting from the current slot values
  (:func:`recent_part`). Rasa's other per-message costs (the rule policy's states, the
  tracker sent to the action server) grow with the events in memory, so this makes the
  cost of a message independent of the length of the conversation. Safe here because
  the only policy is RulePolicy, whose rules look at no more than the last user turn, and
  the part kept starts from the current slots and the active form (its pending question
  and what was already given): ``tests/unit/test_project_files.py`` checks the rules;
  the database keeps everything, and Rasa's HTTP API still reads the whole conversation.
- Several Rasa replicas on one database (the cluster, bot/cluster.py): with ``shared: true``
  a cached tracker is used only if the conversation's last stored row is still the one this
  replica wrote (one indexed ``max(id)`` query); if another replica answered in between, the
  tracker is read again. Exact because the conversation is locked across replicas while a
  message is handled (bot/lock_store.py). ``cache_size: 0`` turns the cache off.
- SQLite keeps one open connection, in WAL mode (see :func:`sqlite_engine`).
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.orm import sessionmaker

logger = logging.getLogger(__name__)

DEFAULT_CACHE_SIZE = 1000
DEFAULT_MAX_EVENTS = 120  # events of one conversation kept in memory before trimming
KEEP_TURNS = 5  # user turns kept when trimming
# A conversation silent this long is read from the database again: Rasa starts a new
# session after 2 hours anyway, and one deleted meanwhile (the retention purge of another
# process, bot/retention.py) is not brought back from memory.
MAX_IDLE_S = 2 * 60 * 60


@dataclass
class _Entry:
    tracker: DialogueStateTracker
    stored: int  # how many of tracker.events are already in the database
    last_id: int | None = None  # shared mode: id of the conversation's last stored row


def _idle_for(tracker: DialogueStateTracker) -> float:
    """Seconds since the last event of ``tracker``."""
    events = tracker.events
    return time.time() - events[-1].timestamp if events else 0.0


def session_restarted(tracker: DialogueStateTracker) -> bool:
    """True when a new session started after the first events of this tracker object."""
    for index, event in enumerate(tracker.events):
        if index > 1 and isinstance(event, SessionStarted):
            return True
    return False


def recent_part(
    tracker: DialogueStateTracker, keep_turns: int = KEEP_TURNS
) -> DialogueStateTracker:
    """A new tracker with the last ``keep_turns`` user turns of ``tracker``.

    It starts with the *current* value of every slot that differs from its initial value
    and with the active form, if any, so after replaying the kept turns every slot and the
    form (``requested_slot`` included) are as they are in ``tracker``.
    """
    events = list(tracker.events)
    starts = [i for i, event in enumerate(events) if isinstance(event, UserUttered)]
    if len(starts) <= keep_turns:
        return tracker
    start = starts[-keep_turns]
    before = events[start - 1]  # start > 0: an earlier user turn exists
    if isinstance(before, ActionExecuted) and before.action_name == ACTION_LISTEN_NAME:
        start -= 1
    stamp = events[start].timestamp
    slots = [
        SlotSet(slot.name, slot.value, timestamp=stamp)
        for slot in tracker.slots.values()
        if slot.value != slot.initial_value
    ]
    loop: list[Event] = []
    if tracker.active_loop_name:
        loop = [ActiveLoop(tracker.active_loop_name, timestamp=stamp)]
    trimmed = DialogueStateTracker.from_events(
        tracker.sender_id, slots + loop + events[start:], slots=tracker.slots.values()
    )
    trimmed.model_id = tracker.model_id
    trimmed.assistant_id = tracker.assistant_id
    return trimmed


def sqlite_engine(url: sa.engine.URL) -> sa.engine.Engine:
    """An engine for a SQLite file that keeps its connection open, in WAL mode.

    Rasa's engine opens and closes a connection for every read and write; in WAL mode,
    closing the last connection checkpoints and deletes the log each time. One open
    connection per thread avoids both. Commits are synced at checkpoints
    (``synchronous=NORMAL``): a crash of the server loses nothing, a power cut can lose the
    last moments of conversation log. Readers never wait for writers.
    """
    engine = sa.create_engine(url, poolclass=sa.pool.SingletonThreadPool)

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    sa.event.listen(engine, "connect", on_connect)
    return engine


class CachedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` that lends recently saved trackers from memory."""

    def __init__(
        self,
        *args: Any,
        cache_size: int = DEFAULT_CACHE_SIZE,
        max_events: int = DEFAULT_MAX_EVENTS,
        shared: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.shared = bool(shared)
        self.cache_size = max(0, int(cache_size))
        self.max_events = max(20, int(max_events))
        self._cache: OrderedDict[str, _Entry] = OrderedDict()
        self._lent: OrderedDict[str, _Entry] = OrderedDict()
        self.hits = 0
        self.misses = 0
        if self.engine.dialect.name == "sqlite" and self.engine.url.database:
            self.engine.dispose()
            self.engine = sqlite_engine(self.engine.url)
            self.sessionmaker = sessionmaker(bind=self.engine)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        entry = self._cache.pop(sender_id, None)
        if entry is not None and _idle_for(entry.tracker) > MAX_IDLE_S:
            entry = None
        if entry is not None and self.shared and self._last_id(sender_id) != entry.last_id:
            entry = None  # another replica answered since
        if entry is not None:
            self.hits += 1
        else:
            self.misses += 1
            tracker = await super().retrieve(sender_id)
            if tracker is None:
                return None
            # Loaded from exactly the stored rows of this session.
            entry = _Entry(tracker, len(tracker.events))
        self._lent[sender_id] = entry
        while len(self._lent) > max(self.cache_size, 100):  # read but never saved
            self._lent.popitem(last=False)
        return entry.tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        sender_id = tracker.sender_id
        entry = self._lent.pop(sender_id, None)
        if entry is None or entry.tracker is not tracker:
            # Not lent by us (a new conversation, the HTTP API, a second reader):
            # Rasa's own save, which counts what is stored.
            self._cache.pop(sender_id, None)
            await super().save(tracker)
        else:
            await self.stream_events(tracker)
            events = list(tracker.events)[entry.stored :]
            if events:
                with self.session_scope() as session:
                    self._add_events(session, sender_id, events)
                    session.commit()
        self._keep(tracker)

    def _add_events(self, session: Any, sender_id: str, events: list[Event]) -> None:
        """The rows Rasa's ``SQLTrackerStore.save`` writes, for the given events, in one go."""
        rows = []
        for event in events:
            data = event.as_dict()
            rows.append(
                {
                    "sender_id": sender_id,
                    "type_name": event.type_name,
                    "timestamp": data.get("timestamp"),
                    "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                    "action_name": data.get("name"),
                    "data": json.dumps(data),
                }
            )
        session.execute(sa.insert(self.SQLEvent.__table__), rows)

    def _keep(self, tracker: DialogueStateTracker) -> None:
        if self.cache_size == 0 or session_restarted(tracker):
            return
        if len(tracker.events) > self.max_events:
            tracker = recent_part(tracker)
        last_id = self._last_id(tracker.sender_id) if self.shared else None
        self._cache[tracker.sender_id] = _Entry(tracker, len(tracker.events), last_id)
        self._cache.move_to_end(tracker.sender_id)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def _last_id(self, sender_id: str) -> int | None:
        with self.session_scope() as session:
            return session.execute(
                sa.select(sa.func.max(self.SQLEvent.id)).where(self.SQLEvent.sender_id == sender_id)
            ).scalar()

    def forget(self, sender_id: str) -> int:
        """Deletes every stored event of one conversation and drops it from memory."""
        self._cache.pop(sender_id, None)
        self._lent.pop(sender_id, None)
        return delete_events(self, sender_id)


def delete_events(store: SQLTrackerStore, sender_id: str) -> int:
    """Deletes every stored event of one conversation from a SQL tracker store."""
    with store.session_scope() as session:
        removed = (
            session.query(store.SQLEvent)
            .filter(store.SQLEvent.sender_id == sender_id)
            .delete(synchronize_session=False)
        )
        session.commit()
    return int(removed)
