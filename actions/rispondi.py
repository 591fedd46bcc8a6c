"""action_rispondi: answers every message outside the reminder sign-up form.

Thin Rasa glue: it reads the tracker, asks :class:`bot.answers.Answerer` what to say (in a
worker thread: the answer reads files and the reminders database), sends the messages with
``custom`` (topic, title, sources...) and returns slot updates.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from bot.answers import OFFER_SLOT, WELCOME_SLOT, Turn

logger = logging.getLogger(__name__)

SLOTS = ("ultimo_argomento", WELCOME_SLOT, OFFER_SLOT)


def turn_from_tracker(tracker: Tracker) -> Turn:
    latest = tracker.latest_message or {}
    intent = latest.get("intent") or {}
    return Turn(
        intent=str(intent.get("name") or "nlu_fallback"),
        confidence=float(intent.get("confidence") or 0.0),
        text=str(latest.get("text") or ""),
        ranking=list(latest.get("intent_ranking") or []),
        entities=list(latest.get("entities") or []),
        topic_ranking=list(latest.get("topic_ranking") or []),
        questions=list(latest.get("domande") or []),
        slots={name: tracker.get_slot(name) for name in SLOTS},
        channel=str(tracker.get_latest_input_channel() or "rest"),
        sender=str(tracker.sender_id),
    )


def send(dispatcher: CollectingDispatcher, messages: list[dict[str, Any]]) -> None:
    """Sends messages in the channel format of bot.answers.message."""
    for msg in messages:
        dispatcher.utter_message(
            text=msg.get("text"), buttons=msg.get("buttons") or [], json_message=msg["custom"]
        )


class ActionRispondi(Action):
    def name(self) -> str:
        return "action_rispondi"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        turn = turn_from_tracker(tracker)
        reply = await asyncio.to_thread(services.answerer().answer, turn)
        send(dispatcher, reply.payload())
        logger.info("risposta: intent=%s messaggi=%d", turn.intent, len(reply.messages))
        return [SlotSet(name, value) for name, value in reply.slots.items()]
