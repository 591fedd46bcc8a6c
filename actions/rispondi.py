"""action_rispondi: the one action that answers every user message.

Thin Rasa glue: it reads the tracker, asks :class:`bot.answers.Answerer` what to say,
sends the messages with ``custom`` (topic, title, sources...) and returns slot updates.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.answers import Answerer, Turn
from bot.content import ContentStore

logger = logging.getLogger(__name__)

SLOTS = ("ultimo_argomento", "in_attesa", "bozza_promemoria", "benvenuto_inviato")


def turn_from_tracker(tracker: Tracker) -> Turn:
    latest = tracker.latest_message or {}
    intent = latest.get("intent") or {}
    return Turn(
        intent=str(intent.get("name") or "nlu_fallback"),
        confidence=float(intent.get("confidence") or 0.0),
        text=str(latest.get("text") or ""),
        ranking=list(latest.get("intent_ranking") or []),
        entities=list(latest.get("entities") or []),
        slots={name: tracker.get_slot(name) for name in SLOTS},
        channel=str(tracker.get_latest_input_channel() or "rest"),
        sender=str(tracker.sender_id),
    )


def _default_answerer() -> Answerer:
    from bot.reminders.conversation import ReminderDialogue

    return Answerer(ContentStore(), ReminderDialogue.from_environment())


class ActionRispondi(Action):
    answerer: Answerer | None = None

    def name(self) -> str:
        return "action_rispondi"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        if ActionRispondi.answerer is None:
            ActionRispondi.answerer = _default_answerer()
        turn = turn_from_tracker(tracker)
        reply = ActionRispondi.answerer.answer(turn)
        for msg in reply.messages:
            dispatcher.utter_message(
                text=msg.get("text"), buttons=msg.get("buttons") or [], json_message=msg["custom"]
            )
        logger.info("risposta: intent=%s messaggi=%d", turn.intent, len(reply.messages))
        return [SlotSet(name, value) for name, value in reply.slots.items()]
