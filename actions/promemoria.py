"""The reminder sign-up as a Rasa form: ``promemoria_form`` (domain.yml, data/rules/).

Required slots: ``consenso`` (filled from "sì"/"no" by the domain's mappings), then
``data_esami_6m`` and ``data_esami_12m`` (the dates of the last tests, read here with the
pure date parser). Each question is an ``action_ask_<slot>`` reading content/it/promemoria.yml
(staff edit every text without retraining). Nothing is stored before
``action_salva_promemoria``, which saves consent and dates together.

A message that is not an answer to the pending question (an emergency, a question, "stop",
"cancella i miei dati") is not extracted, so the form rejects it and the rules answer it;
then the form asks its question again with what was already given kept.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.rispondi import send
from bot.answers import OFFER_SLOT, WELCOME_SLOT
from bot.reminders.conversation import KIND_FOR_ASKS, ReminderDialogue, takes_as_date_answer

CONSENT = "consenso"
DATE_SLOTS = ("data_esami_6m", "data_esami_12m")
NOTE = "nota_data"
FORM_SLOTS = (CONSENT, *DATE_SLOTS, NOTE)


def dialogue() -> ReminderDialogue:
    reminders = services.answerer().reminders
    assert reminders is not None, "the actions always have the reminder dialogue"
    return reminders


def user(tracker: Tracker) -> tuple[str, str]:
    return str(tracker.get_latest_input_channel() or "rest"), str(tracker.sender_id)


def welcome(tracker: Tracker) -> tuple[list[dict[str, Any]], list[EventType]]:
    """The welcome when the sign-up is the first thing a conversation does."""
    message = services.answerer().welcome({WELCOME_SLOT: tracker.get_slot(WELCOME_SLOT)})
    if message is None:
        return [], []
    return [message], [SlotSet(WELCOME_SLOT, True)]


def end_of_form(tracker: Tracker) -> list[EventType]:
    """Clears what the form collected (it is in the database now, or it was given up)."""
    events: list[EventType] = [SlotSet(name, None) for name in FORM_SLOTS]
    if tracker.get_slot(OFFER_SLOT):
        events.append(SlotSet(OFFER_SLOT, False))
    return events


class ValidatePromemoriaForm(FormValidationAction):
    def name(self) -> str:
        return "validate_promemoria_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.get_slot(CONSENT) is None and tracker.get_slot("requested_slot") is None:
            # Activation: a subscriber who already gave the dates is not signed up again.
            due = await asyncio.to_thread(dialogue().complete_due, *user(tracker))
            if due is not None:
                return []
        return domain_slots

    async def validate_consenso(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is False:  # the form ends; nothing was stored
            send(dispatcher, [dialogue().refused()])
            return {CONSENT: False, "requested_slot": None}
        return {CONSENT: value}

    def _extract_date(self, slot: str, tracker: Tracker) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != slot:
            return {}
        latest = tracker.latest_message or {}
        intent = str((latest.get("intent") or {}).get("name") or "nlu_fallback")
        text = str(latest.get("text") or "")
        today = dialogue().today()
        return {slot: text} if takes_as_date_answer(intent, text, today) else {}

    async def extract_data_esami_6m(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._extract_date("data_esami_6m", tracker)

    async def extract_data_esami_12m(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._extract_date("data_esami_12m", tracker)

    def _validate_date(
        self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        latest = tracker.latest_message or {}
        intent = str((latest.get("intent") or {}).get("name") or "")
        reminders = dialogue()
        if intent == "negazione" or reminders.is_cancel(str(value)):
            send(dispatcher, [reminders.interrupted()])  # the form ends; nothing was stored
            return {slot: None, NOTE: None, "requested_slot": None}
        reading = reminders.read_date(str(value), slot, tracker.get_slot(NOTE))
        return {slot: reading.value, NOTE: reading.note}

    async def validate_data_esami_6m(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._validate_date("data_esami_6m", value, dispatcher, tracker)

    async def validate_data_esami_12m(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._validate_date("data_esami_12m", value, dispatcher, tracker)


class ActionAskConsenso(Action):
    def name(self) -> str:
        return "action_ask_consenso"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        messages, events = welcome(tracker)
        send(dispatcher, [*messages, dialogue().consent_question()])
        return events


class _AskDate(Action):
    slot = ""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        note = tracker.get_slot(NOTE)
        send(dispatcher, [dialogue().date_question(self.slot, note)])
        # The reason is said once; a month given without a day stays for the next answer.
        kept = {k: v for k, v in (note or {}).items() if k in ("asks", "mese_numero")}
        return [SlotSet(NOTE, kept if "mese_numero" in kept else None)] if note else []


class ActionAskDataEsami6m(_AskDate):
    slot = "data_esami_6m"


class ActionAskDataEsami12m(_AskDate):
    slot = "data_esami_12m"


class ActionSalvaPromemoria(Action):
    """Submit: saves consent and dates together, or tells a subscriber they are active."""

    def name(self) -> str:
        return "action_salva_promemoria"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reminders = dialogue()
        channel, sender = user(tracker)
        consent = tracker.get_slot(CONSENT)
        dates = {KIND_FOR_ASKS[slot]: tracker.get_slot(slot) for slot in DATE_SLOTS}
        answer = None  # refused or given up: the validation said so, nothing to store
        if consent is True and all(dates.values()):
            answer = await asyncio.to_thread(reminders.activate, channel, sender, dates)
        elif consent is None:
            answer = await asyncio.to_thread(reminders.already_active, channel, sender)
        messages, events = welcome(tracker)
        send(dispatcher, messages + ([answer] if answer else []))
        return events + end_of_form(tracker)


class ActionInterrompiPromemoria(Action):
    """"Stop" while the form is active: nothing was stored, nothing is kept."""

    def name(self) -> str:
        return "action_interrompi_promemoria"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        answer = await asyncio.to_thread(dialogue().stop_sign_up, *user(tracker))
        send(dispatcher, [answer])
        return end_of_form(tracker)
