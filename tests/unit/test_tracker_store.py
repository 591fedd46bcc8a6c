"""The cached SQL tracker store: same trackers as Rasa's, every event written, less reading."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot import ROOT
from bot.settings import tracker_store_config
from bot.tracker_store import (
    DEFAULT_CACHE_SIZE,
    DEFAULT_MAX_EVENTS,
    CachedSQLTrackerStore,
    recent_part,
    session_restarted,
)
from tests.conftest import DATABASE_KINDS, empty_database

DOMAIN = Domain.load(str(ROOT / "domain.yml"))


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def store_kwargs(url: str) -> dict[str, Any]:
    config = tracker_store_config(url)
    assert config.pop("type") == "bot.tracker_store.CachedSQLTrackerStore"
    if "url" in config:  # what Rasa does with the url of a custom store
        config["host"] = config.pop("url")
    return config


@pytest.fixture(params=DATABASE_KINDS)
def tracker_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty tracker database: SQLite, and PostgreSQL (local server or
    CALCINOSI_TEST_POSTGRES_URL)."""
    with empty_database(request.param, tmp_path, "tracker.db") as url:
        yield url


def cached(url: str, **overrides: Any) -> CachedSQLTrackerStore:
    return CachedSQLTrackerStore(domain=DOMAIN, **{**store_kwargs(url), **overrides})


def plain(url: str) -> SQLTrackerStore:
    """Rasa's own store on the same database: what another process would read."""
    kwargs = store_kwargs(url)
    kwargs.pop("cache_size", None)
    kwargs.pop("max_events", None)
    return SQLTrackerStore(domain=DOMAIN, **kwargs)


def one_turn(text: str, topic: str) -> list[Any]:
    return [
        UserUttered(text, {"name": "cosa_e", "confidence": 0.9}),
        ActionExecuted("action_rispondi"),
        BotUttered(f"risposta a {text}", {"custom": {"topic": topic}}),
        SlotSet("ultimo_argomento", topic),
        ActionExecuted("action_listen"),
    ]


async def handle(store: CachedSQLTrackerStore, sender: str, text: str, topic: str) -> DialogueStateTracker:
    """What Rasa's processor does with one message: get or create, add events, save."""
    tracker = await store.get_or_create_tracker(sender)
    for event in one_turn(text, topic):
        tracker.update(event)
    await store.save(tracker)
    return tracker


def stored_dicts(store: SQLTrackerStore, sender: str) -> list[dict[str, Any]]:
    tracker = run(store.retrieve(sender))
    return [event.as_dict() for event in tracker.events] if tracker else []


def test_every_event_reaches_the_database_and_reads_back_like_rasas_store(tracker_url: str) -> None:
    store, sender = cached(tracker_url), f"s-{uuid.uuid4().hex}"
    in_memory = None
    for i in range(5):
        in_memory = run(handle(store, sender, f"domanda {i}", f"argomento.{i}"))
    assert in_memory is not None
    from_db = stored_dicts(plain(tracker_url), sender)
    assert from_db == [event.as_dict() for event in in_memory.events]
    assert len(from_db) == 1 + 5 * 5  # the initial action_listen, then five turns
    assert run(plain(tracker_url).retrieve(sender)).get_slot("ultimo_argomento") == "argomento.4"


def test_the_next_message_is_served_from_memory_and_only_new_events_are_written(
    tracker_url: str,
) -> None:
    store, sender = cached(tracker_url), f"s-{uuid.uuid4().hex}"
    first = run(handle(store, sender, "prima", "a"))
    misses = store.misses
    second = run(handle(store, sender, "seconda", "b"))
    assert second is first
    assert store.misses == misses and store.hits >= 1
    # No event was written twice.
    texts = [e.get("text") for e in stored_dicts(plain(tracker_url), sender) if e["event"] == "user"]
    assert texts == ["prima", "seconda"]


def test_a_tracker_lent_but_never_saved_is_not_reused(tracker_url: str) -> None:
    """An error half-way through a message: the half-done tracker must not come back."""
    store, sender = cached(tracker_url), f"s-{uuid.uuid4().hex}"
    run(handle(store, sender, "salvata", "a"))
    broken = run(store.retrieve(sender))
    broken.update(UserUttered("mai salvata", {"name": "cosa_e", "confidence": 0.9}))
    again = run(store.retrieve(sender))
    assert again is not broken
    assert "mai salvata" not in [getattr(e, "text", None) for e in again.events]
    run(handle(store, sender, "dopo", "b"))
    texts = [e.get("text") for e in stored_dicts(plain(tracker_url), sender) if e["event"] == "user"]
    assert texts == ["salvata", "dopo"]


def test_a_tracker_saved_by_someone_else_is_counted_in_the_database(tracker_url: str) -> None:
    store, sender = cached(tracker_url), f"s-{uuid.uuid4().hex}"
    run(handle(store, sender, "uno", "a"))
    outsider = run(plain(tracker_url).retrieve(sender))  # not lent by the cached store
    outsider.update(UserUttered("due", {"name": "cosa_e", "confidence": 0.9}))
    run(store.save(outsider))
    run(handle(store, sender, "tre", "b"))
    texts = [e.get("text") for e in stored_dicts(plain(tracker_url), sender) if e["event"] == "user"]
    assert texts == ["uno", "due", "tre"]


def test_a_new_session_is_read_from_the_database_again(tracker_url: str) -> None:
    store, sender = cached(tracker_url), f"s-{uuid.uuid4().hex}"
    tracker = run(handle(store, sender, "vecchia sessione", "a"))
    tracker = run(store.retrieve(sender))
    assert not session_restarted(tracker)
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    assert session_restarted(tracker)
    run(store.save(tracker))
    fresh = run(store.retrieve(sender))
    assert fresh is not tracker
    assert "vecchia sessione" not in [getattr(e, "text", None) for e in fresh.events]
    assert fresh.events == run(plain(tracker_url).retrieve(sender)).events


def test_forget_removes_the_conversation_from_database_and_memory(tracker_url: str) -> None:
    store, sender, other = cached(tracker_url), f"s-{uuid.uuid4().hex}", f"s-{uuid.uuid4().hex}"
    run(handle(store, sender, "da cancellare", "a"))
    run(handle(store, other, "da tenere", "a"))
    assert store.forget(sender) == 6
    assert run(store.retrieve(sender)) is None
    assert run(plain(tracker_url).retrieve(sender)) is None
    assert stored_dicts(plain(tracker_url), other)


def test_cache_size_zero_always_reads_the_database(tracker_url: str) -> None:
    store, sender = cached(tracker_url, cache_size=0), f"s-{uuid.uuid4().hex}"
    first = run(handle(store, sender, "uno", "a"))
    second = run(handle(store, sender, "due", "b"))
    assert second is not first and store.hits == 0
    assert len(stored_dicts(plain(tracker_url), sender)) == 11


def test_the_cache_keeps_only_the_most_recent_conversations(tmp_path: Path) -> None:
    store = cached(f"sqlite:///{tmp_path / 't.db'}", cache_size=2)
    senders = [f"s-{i}" for i in range(3)]
    for sender in senders:
        run(handle(store, sender, "ciao", "a"))
    hits = store.hits
    run(store.retrieve(senders[0]))  # the oldest was pushed out
    assert store.hits == hits
    run(store.retrieve(senders[2]))
    assert store.hits == hits + 1


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    store = cached(f"sqlite:///{tmp_path / 't.db'}")
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def user_texts(tracker: DialogueStateTracker) -> list[str]:
    return [e.text for e in tracker.events if isinstance(e, UserUttered)]


def test_recent_part_keeps_the_last_turns_and_every_slot_value() -> None:
    tracker = DialogueStateTracker.from_events("s", [ActionExecuted("action_listen")], slots=DOMAIN.slots)
    tracker.update(SlotSet("benvenuto_inviato", True))  # set once, long before the kept turns
    for i in range(12):
        for event in one_turn(f"domanda {i}", f"argomento.{i}"):
            tracker.update(event)
    tracker.update(SlotSet("offerta_promemoria", True))
    short = recent_part(tracker, keep_turns=3)
    assert user_texts(short) == ["domanda 9", "domanda 10", "domanda 11"]
    assert short.current_slot_values() == tracker.current_slot_values()
    assert short.current_slot_values()["benvenuto_inviato"] is True
    assert short.latest_message.text == tracker.latest_message.text
    assert short.get_latest_input_channel() == tracker.get_latest_input_channel()
    assert short.latest_action_name == tracker.latest_action_name
    assert len(short.events) < len(tracker.events) / 2
    # Short conversations are left as they are.
    assert recent_part(short, keep_turns=3) is short


def test_recent_part_keeps_a_form_started_before_the_kept_turns() -> None:
    """The sign-up form, begun long ago and interrupted by questions, is still active with
    its pending question and the consent already given."""
    tracker = DialogueStateTracker.from_events("s", [ActionExecuted("action_listen")], slots=DOMAIN.slots)
    tracker.update(UserUttered("attiva i promemoria", {"name": "promemoria_attiva", "confidence": 1}))
    tracker.update(ActionExecuted("promemoria_form"))
    tracker.update(ActiveLoop("promemoria_form"))
    tracker.update(SlotSet("requested_slot", "consenso"))
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered("sì", {"name": "affermazione", "confidence": 1}))
    tracker.update(ActionExecuted("promemoria_form"))
    tracker.update(SlotSet("consenso", True))
    tracker.update(SlotSet("requested_slot", "data_esami_6m"))
    tracker.update(ActionExecuted("action_listen"))
    for i in range(6):
        for event in one_turn(f"domanda {i}", f"argomento.{i}"):
            tracker.update(event)
    short = recent_part(tracker, keep_turns=3)
    assert user_texts(short) == ["domanda 3", "domanda 4", "domanda 5"]
    assert short.active_loop_name == "promemoria_form"
    assert short.get_slot("requested_slot") == "data_esami_6m"
    assert short.get_slot("consenso") is True
    assert short.current_slot_values() == tracker.current_slot_values()
    # No form active: none is added.
    tracker.update(ActiveLoop(None))
    assert recent_part(tracker, keep_turns=3).active_loop_name is None


def test_a_long_conversation_is_short_in_memory_and_whole_in_the_database(tracker_url: str) -> None:
    store, sender = cached(tracker_url, max_events=20), f"s-{uuid.uuid4().hex}"
    in_memory = None
    for i in range(30):
        in_memory = run(handle(store, sender, f"domanda {i}", f"argomento.{i}"))
        if i == 0:
            in_memory = run(store.retrieve(sender))
            in_memory.update(SlotSet("benvenuto_inviato", True))
            run(store.save(in_memory))
    cached_tracker = run(store.retrieve(sender))
    assert len(cached_tracker.events) <= 20 + 5 * 2
    from_db = run(plain(tracker_url).retrieve(sender))
    assert user_texts(from_db) == [f"domanda {i}" for i in range(30)]  # each written once
    assert len(from_db.events) == 1 + 30 * 5 + 1
    assert cached_tracker.current_slot_values() == from_db.current_slot_values()
    assert cached_tracker.latest_message.text == "domanda 29"


def test_cache_settings_come_from_the_environment_or_the_store_defaults(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 't.db'}"
    monkeypatch.delenv("CALCINOSI_TRACKER_CACHE", raising=False)
    monkeypatch.delenv("CALCINOSI_TRACKER_MAX_EVENTS", raising=False)
    store = cached(url)
    assert (store.cache_size, store.max_events) == (DEFAULT_CACHE_SIZE, DEFAULT_MAX_EVENTS)
    monkeypatch.setenv("CALCINOSI_TRACKER_CACHE", "7")
    monkeypatch.setenv("CALCINOSI_TRACKER_MAX_EVENTS", "30")
    store = cached(url)
    assert (store.cache_size, store.max_events) == (7, 30)


def test_a_conversation_silent_for_hours_is_read_from_the_database_again(
    tracker_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    import bot.tracker_store as module

    store, sender = cached(tracker_url), f"s-{uuid.uuid4().hex}"
    run(handle(store, sender, "domanda", "argomento"))
    run(store.retrieve(sender))  # from memory
    hits = store.hits
    later = time.time() + module.MAX_IDLE_S + 60
    monkeypatch.setattr(module.time, "time", lambda: later)
    store._keep(run(store.retrieve(sender)))  # put it back as the save would
    assert run(store.retrieve(sender)) is not None
    assert store.hits == hits  # not from memory: a miss that read the database


def test_shared_replicas_alternating_on_one_conversation_see_each_others_turns(
    tracker_url: str,
) -> None:
    """Cluster mode: a replica's cached tracker is not used once another replica answered."""
    one, two = cached(tracker_url, shared=True), cached(tracker_url, shared=True)
    sender = f"s-{uuid.uuid4().hex}"
    for i, replica in enumerate([one, two, one, one, two]):
        tracker = run(handle(replica, sender, f"domanda {i}", f"argomento.{i}"))
        texts = [getattr(e, "text", None) for e in tracker.events if isinstance(e, UserUttered)]
        assert texts == [f"domanda {j}" for j in range(i + 1)]
    # Turn 3 came right after turn 2 on the same replica: served from memory.
    assert one.hits == 1 and two.hits == 0
    texts = [e.get("text") for e in stored_dicts(plain(tracker_url), sender) if e["event"] == "user"]
    assert texts == [f"domanda {i}" for i in range(5)]


def test_shared_replicas_do_not_bring_back_a_conversation_another_one_deleted(
    tracker_url: str,
) -> None:
    one, two = cached(tracker_url, shared=True), cached(tracker_url, shared=True)
    sender = f"s-{uuid.uuid4().hex}"
    run(handle(one, sender, "prima", "a"))
    two.forget(sender)
    assert run(one.retrieve(sender)) is None
