"""The reminder sign-up form's actions with rasa-sdk's Tracker and CollectingDispatcher.

What Rasa's FormAction does around them (asking, rejecting, the rules) is tested end to
end in tests/stories/ and tests/integration/test_reminders_via_rest.py.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.promemoria import (
    ActionAskConsenso,
    ActionAskDataEsami6m,
    ActionAskDataEsami12m,
    ActionInterrompiPromemoria,
    ActionSalvaPromemoria,
    ValidatePromemoriaForm,
)
from bot.answers import Answerer
from bot.reminders.conversation import takes_as_date_answer
from tests.unit.conftest import TODAY

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())
SENDER = "utente-1"


def tracker(
    text: str,
    intent: str,
    slots: dict[str, Any] | None = None,
    set_now: dict[str, Any] | None = None,
) -> Tracker:
    """A tracker whose last user message is ``text``; ``set_now``: slots set after it
    (as action_extract_slots does before the form runs)."""
    all_slots = {"benvenuto_inviato": True, "requested_slot": None, **(slots or {}), **(set_now or {})}
    events = [{"event": "user", "text": text, "input_channel": "rest"}]
    events += [{"event": "slot", "name": k, "value": v} for k, v in (set_now or {}).items()]
    return Tracker(
        sender_id=SENDER,
        slots=all_slots,
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": "promemoria_form"},
        latest_action_name="action_listen",
    )


def run(action: Action, tracker: Tracker) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def topics(messages: list[dict[str, Any]]) -> list[str]:
    return [m["custom"]["topic"] for m in messages]


def validate(text: str, intent: str, requested: str, **slots: Any) -> tuple[list, dict]:
    return run(ValidatePromemoriaForm(), tracker(text, intent, {"requested_slot": requested, **slots}))


def test_consent_is_asked_with_the_custom_asks_protocol(answerer: Answerer) -> None:
    messages, slots = run(ActionAskConsenso(), tracker("attiva i promemoria", "promemoria_attiva"))
    assert [m["custom"] for m in messages] == [{"topic": "promemoria.attiva", "asks": "consenso"}]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/affermazione", "/negazione"]
    assert slots == {}


def test_the_sign_up_as_the_first_message_gets_the_welcome_first(answerer: Answerer) -> None:
    first = tracker("attiva i promemoria", "promemoria_attiva", {"benvenuto_inviato": False})
    messages, slots = run(ActionAskConsenso(), first)
    assert topics(messages) == ["bot.benvenuto", "promemoria.attiva"]
    assert slots == {"benvenuto_inviato": True}


def test_yes_keeps_the_consent_and_stores_nothing(answerer: Answerer) -> None:
    form = ValidatePromemoriaForm()
    messages, slots = run(form, tracker("sì", "affermazione", {"requested_slot": "consenso"}, {"consenso": True}))
    assert messages == []
    assert slots == {"consenso": True}  # Rasa's form asks the next slot itself
    assert not answerer.reminders.store.is_subscribed("rest", SENDER)


def test_no_ends_the_form_and_stores_nothing(answerer: Answerer) -> None:
    form = ValidatePromemoriaForm()
    messages, slots = run(form, tracker("no", "negazione", {"requested_slot": "consenso"}, {"consenso": False}))
    assert topics(messages) == ["promemoria.disattivato"]
    assert slots["consenso"] is False and slots["requested_slot"] is None
    assert not answerer.reminders.store.is_subscribed("rest", SENDER)


def test_a_past_date_is_taken_as_iso(answerer: Answerer) -> None:
    messages, slots = validate("li ho fatti il 31/8/2026", "data", "data_esami_6m", consenso=True)
    assert messages == []
    assert slots["data_esami_6m"] == "2026-08-31"
    assert slots["nota_data"] is None


def test_a_future_date_is_refused_and_said_in_the_next_question(answerer: Answerer) -> None:
    _, slots = validate("15/01/2027", "data", "data_esami_6m", consenso=True)
    assert slots["data_esami_6m"] is None
    assert slots["nota_data"]["problema"] == "data_futura"
    messages, after = run(ActionAskDataEsami6m(), tracker("15/01/2027", "data", {"nota_data": slots["nota_data"]}))
    assert [m["custom"] for m in messages] == [{"topic": "promemoria.chiedi_data", "asks": "data_esami_6m"}]
    assert "futuro" in messages[0]["text"] and "15 gennaio 2027" in messages[0]["text"]
    assert after == {"nota_data": None}  # said once


def test_a_month_without_day_asks_the_day_and_then_completes_it(answerer: Answerer) -> None:
    _, slots = validate("a settembre", "data", "data_esami_12m", consenso=True)
    note = slots["nota_data"]
    assert note["problema"] == "chiedi_giorno" and note["mese_numero"] == [2026, 9]
    messages, after = run(ActionAskDataEsami12m(), tracker("a settembre", "data", {"nota_data": note}))
    assert "settembre 2026" in messages[0]["text"]
    assert messages[0]["custom"]["asks"] == "data_esami_12m"
    _, slots = validate("il 15", "data", "data_esami_12m", consenso=True, nota_data=after["nota_data"])
    assert slots["data_esami_12m"] == "2026-09-15"


def test_a_question_while_a_date_is_asked_is_not_taken_as_the_date(answerer: Answerer) -> None:
    """Not extracted: Rasa's form rejects it and the rules answer the question."""
    messages, slots = validate(
        "scusa, ma il parmigiano lo posso mangiare?", "dieta_cibi_ricchi_fosforo", "data_esami_6m", consenso=True
    )
    assert messages == [] and "data_esami_6m" not in slots


def test_which_messages_answer_a_date_question() -> None:
    assert takes_as_date_answer("data", "boh", TODAY)  # an attempt: "non ho capito la data"
    assert takes_as_date_answer("controlli_esami_periodici", "ho fatto gli esami il 3 marzo", TODAY)
    for intent, text in [
        ("dati_cancella", "cancella tutto, li ho fatti il 3 marzo"),
        ("urgenza", "il 3 marzo, ma ora ho un dolore al petto fortissimo"),
        ("promemoria_stop", "stop"),
        ("dieta_cibi_ricchi_fosforo", "il 3 marzo. Il latte lo posso bere?"),
        ("privacy", "chi legge questi dati?"),
    ]:
        assert not takes_as_date_answer(intent, text, TODAY), text


def test_cancel_while_a_date_is_asked_ends_the_form(answerer: Answerer) -> None:
    messages, slots = validate("annulla", "nlu_fallback", "data_esami_12m", consenso=True, data_esami_6m="2026-08-31")
    assert topics(messages) == ["promemoria.disattivato"]
    assert slots["requested_slot"] is None
    assert not answerer.reminders.store.is_subscribed("rest", SENDER)


def test_a_subscriber_is_not_signed_up_twice(answerer: Answerer) -> None:
    store = answerer.reminders.store
    store.subscribe("rest", SENDER, "v1")
    store.set_last_done("rest", SENDER, "fosfato_6m", TODAY)
    store.set_last_done("rest", SENDER, "completo_12m", TODAY)
    _, slots = run(ValidatePromemoriaForm(), tracker("attiva i promemoria", "promemoria_attiva"))
    assert slots == {"requested_slot": None}  # the form ends at once
    messages, _ = run(ActionSalvaPromemoria(), tracker("attiva i promemoria", "promemoria_attiva"))
    assert topics(messages) == ["promemoria.prossimi"]
    assert "già attivi" in messages[0]["text"]


def test_submit_saves_consent_and_dates_together(answerer: Answerer) -> None:
    store = answerer.reminders.store
    given = {"consenso": True, "data_esami_6m": "2026-08-31", "data_esami_12m": "2025-12-30"}
    messages, slots = run(ActionSalvaPromemoria(), tracker("il 30 dicembre", "data", given))
    assert topics(messages) == ["promemoria.attivato"]
    assert messages[0]["custom"]["next_due"] == {"fosfato_6m": "2027-02-28", "completo_12m": "2026-12-30"}
    assert store.is_subscribed("rest", SENDER)
    assert all(slots[name] is None for name in ("consenso", "data_esami_6m", "data_esami_12m"))


def test_overdue_tests_are_said_plainly(answerer: Answerer) -> None:
    given = {"consenso": True, "data_esami_6m": "2026-01-10", "data_esami_12m": "2025-01-10"}
    messages, _ = run(ActionSalvaPromemoria(), tracker("10/01/2025", "data", given))
    assert messages[0]["custom"]["next_due"] == {"fosfato_6m": "2026-07-10", "completo_12m": "2026-01-10"}
    assert messages[0]["text"].count("in ritardo") == 2


def test_submit_after_a_refusal_stores_nothing(answerer: Answerer) -> None:
    for given in ({"consenso": False}, {"consenso": True, "data_esami_6m": "2026-08-31"}):
        messages, slots = run(ActionSalvaPromemoria(), tracker("no", "negazione", given))
        assert messages == []
        assert slots["consenso"] is None
    assert not answerer.reminders.store.is_subscribed("rest", SENDER)


def test_stop_during_the_form_keeps_nothing(answerer: Answerer) -> None:
    given = {"consenso": True, "data_esami_6m": "2026-08-31", "offerta_promemoria": True}
    messages, slots = run(ActionInterrompiPromemoria(), tracker("stop", "promemoria_stop", given))
    assert topics(messages) == ["promemoria.disattivato"]
    assert slots["consenso"] is None and slots["data_esami_6m"] is None
    assert slots["offerta_promemoria"] is False


def test_the_web_page_offers_sms_only_when_the_centre_has_them(answerer: Answerer, monkeypatch) -> None:
    given = {"consenso": True, "data_esami_6m": "2026-08-31", "data_esami_12m": "2025-12-30"}
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    messages, _ = run(ActionSalvaPromemoria(), tracker("il 30 dicembre", "data", given))
    assert "sms" not in messages[0]["custom"]
    answerer.reminders.store.delete_user("rest", SENDER)
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC-prova")
    messages, _ = run(ActionSalvaPromemoria(), tracker("il 30 dicembre", "data", given))
    offer = messages[0]["custom"]["sms"]
    assert messages[0]["custom"]["topic"] == "promemoria.attivato"
    assert "cellulare" in offer["domanda"] and "Acconsento" in offer["consenso"]
