"""action_rispondi with rasa-sdk's Tracker and CollectingDispatcher (no server)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.rispondi import ActionRispondi
from bot.answers import Answerer
from bot.content import ContentStore
from bot.reminders.conversation import ReminderDialogue
from bot.reminders.db import make_engine, upgrade
from bot.reminders.store import ReminderStore

TODAY = dt.date(2026, 11, 21)


@pytest.fixture()
def answerer(tmp_path: Path) -> Answerer:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    upgrade(url)
    store = ReminderStore(make_engine(url))
    content = ContentStore()
    return Answerer(content, ReminderDialogue(store, content, today=lambda: TODAY))


def run_action(
    answerer: Answerer,
    text: str,
    intent: str,
    slots: dict[str, Any] | None = None,
    ranking: list[dict[str, Any]] | None = None,
    sender: str = "utente-1",
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    ActionRispondi.answerer = answerer
    tracker = Tracker(
        sender_id=sender,
        slots={"benvenuto_inviato": True, **(slots or {})},
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "intent_ranking": ranking or [{"name": intent, "confidence": 0.9}],
            "entities": [],
        },
        events=[{"event": "user", "text": text, "input_channel": "rest"}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionRispondi().run(dispatcher, tracker, {}))
    slots_set = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    return dispatcher.messages, slots_set


def topics(messages: list[dict[str, Any]]) -> list[str]:
    return [m["custom"]["topic"] for m in messages]


def test_content_intent_answers_with_topic_title_and_sources(answerer: Answerer) -> None:
    messages, slots = run_action(answerer, "cos'è?", "condizione_cos_e")
    assert topics(messages) == ["condizione.cos_e"]
    assert messages[0]["custom"]["sources"]
    assert [b["payload"] for b in messages[0]["buttons"]][0].startswith("/")
    assert slots["ultimo_argomento"] == "condizione.cos_e"


def test_first_message_of_a_conversation_gets_the_welcome_first(answerer: Answerer) -> None:
    messages, _ = run_action(answerer, "ciao", "saluto", slots={"benvenuto_inviato": False})
    assert topics(messages) == ["bot.benvenuto", "bot.saluto"]
    assert "non un medico" in messages[0]["text"]


def test_urgent_comes_first_and_the_other_question_after(answerer: Answerer) -> None:
    ranking = [
        {"name": "urgenza", "confidence": 1.0},
        {"name": "dieta_cibi_ricchi_fosforo", "confidence": 0.7},
    ]
    messages, _ = run_action(answerer, "...", "urgenza", {"benvenuto_inviato": False}, ranking)
    assert topics(messages) == ["sicurezza.urgenza", "dieta.cibi_ricchi_fosforo"]


def test_fallback_offers_the_closest_topics(answerer: Answerer) -> None:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.3},
        {"name": "dieta_additivi", "confidence": 0.15},
        {"name": "saluto", "confidence": 0.1},
        {"name": "dieta_cosa_mangiare", "confidence": 0.05},
    ]
    messages, _ = run_action(answerer, "boh", "nlu_fallback", ranking=ranking)
    assert topics(messages) == ["bot.non_capito"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/dieta_additivi", "/dieta_cosa_mangiare"]


def test_follow_up_uses_the_last_topic(answerer: Answerer) -> None:
    topic = answerer.content.topic("dieta.cibi_ricchi_fosforo")
    assert topic is not None and "latte" in topic.follow_ups
    messages, _ = run_action(
        answerer, "e il latte?", "seguito", {"ultimo_argomento": "dieta.cibi_ricchi_fosforo"}
    )
    assert topics(messages) == ["dieta.cibi_ricchi_fosforo"]
    assert topic.follow_ups["latte"].strip()[:30] in messages[0]["text"]


def test_subscription_flow_stores_nothing_before_consent(answerer: Answerer) -> None:
    store = answerer.reminders.store
    messages, slots = run_action(answerer, "voglio i promemoria", "promemoria_attiva")
    assert topics(messages) == ["promemoria.attiva"]
    assert messages[0]["custom"]["asks"] == "consenso"
    assert not store.is_subscribed("rest", "utente-1")

    messages, slots = run_action(answerer, "sì", "affermazione", slots)
    assert store.is_subscribed("rest", "utente-1")
    assert messages[0]["custom"]["asks"] == "data_esami_6m"

    messages, slots = run_action(answerer, "31/8/2026", "data", slots)
    assert messages[0]["custom"]["asks"] == "data_esami_12m"

    messages, slots = run_action(answerer, "il 30 dicembre", "data", slots)
    # 30 December with no year is the most recent past one: 2025.
    assert topics(messages) == ["promemoria.attivato"]
    assert messages[0]["custom"]["next_due"] == {
        "fosfato_6m": "2027-02-28",
        "completo_12m": "2026-12-30",
    }
    assert slots["in_attesa"] is None


def test_future_date_is_refused_and_asked_again(answerer: Answerer) -> None:
    slots = {"in_attesa": "data_esami_6m", "bozza_promemoria": {}}
    answerer.reminders.store.subscribe("rest", "utente-1", "v1")
    messages, new_slots = run_action(answerer, "15/01/2027", "data", slots)
    assert messages[0]["custom"]["asks"] == "data_esami_6m"
    assert "futuro" in messages[0]["text"]
    assert new_slots["in_attesa"] == "data_esami_6m"


def test_overdue_tests_are_said_plainly(answerer: Answerer) -> None:
    slots = {"in_attesa": "data_esami_12m", "bozza_promemoria": {"fosfato_6m": "2026-01-10"}}
    answerer.reminders.store.subscribe("rest", "utente-1", "v1")
    messages, _ = run_action(answerer, "10/01/2025", "data", slots)
    assert messages[0]["custom"]["next_due"] == {"fosfato_6m": "2026-07-10", "completo_12m": "2026-01-10"}
    assert messages[0]["text"].count("in ritardo") == 2


def test_delete_my_data_removes_the_subscription(answerer: Answerer) -> None:
    store = answerer.reminders.store
    store.subscribe("rest", "utente-1", "v1")
    messages, _ = run_action(answerer, "cancella i miei dati", "dati_cancella")
    assert topics(messages) == ["promemoria.dati_cancellati"]
    assert not store.is_subscribed("rest", "utente-1")
