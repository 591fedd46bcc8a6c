"""Decides what action_rispondi answers to one user message (pure logic, no Rasa imports).

Order of precedence, whatever the message:
1. ``urgenza`` (set by the safety layer): the emergency answer first, then the rest.
2. Reminder commands (next tests, done, snooze, stop, delete); the sign-up itself is the
   Rasa form ``promemoria_form`` (actions/promemoria.py), not this module.
3. Content topics, follow-ups on the last topic, dialogue (greeting, help, ...), fallback.

The first answer of a conversation also gets the welcome (automated assistant, not a doctor).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.content import ContentStore, Topic
from bot.text import normalize
from bot.topics import DIALOGUE_INTENTS, content_intents, intent_for_topic

# A content intent that the classifier ranks this high, behind an urgent override,
# is answered after the emergency message.
SECONDARY_TOPIC_CONFIDENCE = 0.35
# How many topics the fallback offers as buttons.
FALLBACK_SUGGESTIONS = 3
FOOD_TOPIC = "dieta.cibi_ricchi_fosforo"
# The answer about follow-up tests offers reminders; a "sì" right after starts them.
REMINDER_OFFER_TOPIC = "controlli.esami_periodici"
OFFER_SLOT = "offerta_promemoria"
WELCOME_SLOT = "benvenuto_inviato"
# Marks the message that confirms "cancella i miei dati": the channel that delivers it
# then deletes the conversation from the tracker store (bot/channels/common.py).
FORGET_FLAG = "cancella_conversazione"

DIALOGUE_INTENT_FOR_TOPIC = {topic: intent for intent, topic in DIALOGUE_INTENTS.items()}


@dataclass
class Turn:
    """One user message, as the NLU understood it, plus the conversation state."""

    intent: str
    text: str = ""
    confidence: float = 1.0
    ranking: list[dict[str, Any]] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    channel: str = "rest"
    sender: str = ""


@dataclass
class Reply:
    messages: list[dict[str, Any]] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    # The user asked to delete everything: the last message carries FORGET_FLAG.
    forget_conversation: bool = False

    def payload(self) -> list[dict[str, Any]]:
        """The messages as sent, the deletion signal on the last one."""
        if self.forget_conversation and self.messages:
            last = self.messages[-1]
            return [*self.messages[:-1], {**last, "custom": {**last["custom"], FORGET_FLAG: True}}]
        return list(self.messages)


def message(
    topic: str,
    text: str,
    buttons: list[dict[str, str]] | None = None,
    **custom: Any,
) -> dict[str, Any]:
    """A bot message in the channel format: text, buttons, and custom.topic."""
    payload: dict[str, Any] = {"text": text.strip(), "custom": {"topic": topic, **custom}}
    if buttons:
        payload["buttons"] = buttons
    return payload


class Answerer:
    """Turns a :class:`Turn` into the bot's messages, reading texts from the content store."""

    def __init__(self, content: ContentStore, reminders: Any = None) -> None:
        self.content = content
        self.reminders = reminders  # bot.reminders.conversation.ReminderDialogue or None

    # -- building blocks -------------------------------------------------------------

    def button_for(self, topic_id: str) -> dict[str, str] | None:
        if topic_id in DIALOGUE_INTENT_FOR_TOPIC:
            title = {"bot.aiuto": "Cosa sai fare?", "privacy.informativa": "Privacy"}.get(
                topic_id, topic_id
            )
            return {"title": title, "payload": f"/{DIALOGUE_INTENT_FOR_TOPIC[topic_id]}"}
        topic = self.content.topic(topic_id)
        if topic is None:
            return None
        return {"title": topic.title, "payload": f"/{intent_for_topic(topic_id)}"}

    def buttons_for(self, topic_ids: list[str]) -> list[dict[str, str]]:
        return [b for b in (self.button_for(t) for t in topic_ids) if b is not None]

    def dialogue(self, topic_id: str, **custom: Any) -> dict[str, Any]:
        entry = self.content.dialogue(topic_id)
        buttons = self.buttons_for([str(t) for t in entry.get("pulsanti") or []])
        return message(topic_id, str(entry.get("testo", "")), buttons, **custom)

    def topic_message(self, topic: Topic, text: str | None = None) -> dict[str, Any]:
        body = text if text is not None else topic.body
        return message(
            topic.id,
            f"**{topic.title}**\n\n{body}",
            self.buttons_for(topic.related),
            title=topic.title,
            sources=[_source_label(s) for s in topic.sources],
        )

    # -- the decision ----------------------------------------------------------------

    def welcome(self, slots: dict[str, Any]) -> dict[str, Any] | None:
        """The welcome, on the first answer of a conversation only (then WELCOME_SLOT)."""
        return None if slots.get(WELCOME_SLOT) else self.dialogue("bot.benvenuto")

    def answer(self, turn: Turn) -> Reply:
        reply = Reply()
        if turn.slots.get(OFFER_SLOT):
            reply.slots[OFFER_SLOT] = False  # the offer holds for one answer only
        urgent = turn.intent == "urgenza"
        if urgent:  # first, even before the welcome
            reply.messages.append(self.dialogue("sicurezza.urgenza"))
        welcome = self.welcome(turn.slots)
        if welcome is not None:
            reply.messages.append(welcome)
            reply.slots[WELCOME_SLOT] = True
        if urgent:
            secondary = self._secondary_topic(turn)
            if secondary is not None:
                reply.messages.append(self.topic_message(secondary))
                reply.slots["ultimo_argomento"] = secondary.id
            return reply

        if self.reminders is not None:
            handled = self.reminders.handle(turn)
            if handled is not None:
                reply.messages.extend(handled.messages)
                reply.slots.update(handled.slots)
                reply.forget_conversation = handled.forget_conversation
                return reply

        reply.messages.extend(self._answer_intent(turn, reply))
        return reply

    def _answer_intent(self, turn: Turn, reply: Reply) -> list[dict[str, Any]]:
        intent = turn.intent
        topic_id = content_intents().get(intent)
        if topic_id is not None:
            topic = self.content.topic(topic_id)
            if topic is not None:
                reply.slots["ultimo_argomento"] = topic_id
                if topic_id == REMINDER_OFFER_TOPIC:
                    reply.slots[OFFER_SLOT] = True  # "sì" now starts the sign-up
                return [self.topic_message(topic)]
        if intent == "seguito":
            return [self._follow_up(turn, reply)]
        if intent in ("affermazione", "negazione", "data"):
            return [self._fallback(turn)]
        if intent in DIALOGUE_INTENTS and intent != "nlu_fallback":
            return [self.dialogue(DIALOGUE_INTENTS[intent])]
        return [self._fallback(turn)]

    def _secondary_topic(self, turn: Turn) -> Topic | None:
        """The content topic the classifier saw behind an urgent message, if clear enough."""
        for entry in turn.ranking[1:3]:
            topic_id = content_intents().get(str(entry.get("name")))
            if topic_id and float(entry.get("confidence", 0)) >= SECONDARY_TOPIC_CONFIDENCE:
                return self.content.topic(topic_id)
        return None

    def _follow_up(self, turn: Turn, reply: Reply) -> dict[str, Any]:
        last = turn.slots.get("ultimo_argomento")
        # "e il latte?" with nothing before it: foods are the usual case.
        topic = self.content.topic(str(last or FOOD_TOPIC))
        if topic is None:
            return self._fallback(turn)
        words = set(normalize(turn.text).split())
        for key, text in topic.follow_ups.items():
            if normalize(key) in words or any(w.startswith(normalize(key)) for w in words):
                reply.slots["ultimo_argomento"] = topic.id
                return self.topic_message(topic, text)
        if not last:
            return self._fallback(turn)
        reply.slots["ultimo_argomento"] = topic.id
        note = str(self.content.dialogue("seguito.non_trovato").get("testo", ""))
        return self.topic_message(topic, f"{note.strip()}\n\n{topic.body}")

    def _fallback(self, turn: Turn) -> dict[str, Any]:
        suggestions: list[str] = []
        for entry in turn.ranking:
            topic_id = content_intents().get(str(entry.get("name")))
            if topic_id and topic_id not in suggestions:
                suggestions.append(topic_id)
            if len(suggestions) == FALLBACK_SUGGESTIONS:
                break
        if not suggestions:
            suggestions = ["condizione.cos_e", "dieta.povera_fosforo", "bot.aiuto"]
        fallback = self.dialogue("bot.non_capito")
        fallback["buttons"] = self.buttons_for(suggestions)
        return fallback


def _source_label(source: Any) -> str:
    if isinstance(source, dict):
        document = str(source.get("documento", "")).strip()
        section = str(source.get("sezione", "")).strip()
        return f"{document}: {section}" if section else document
    return str(source)
