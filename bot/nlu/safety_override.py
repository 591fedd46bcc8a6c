"""Rasa NLU component: the safety layer runs before intent routing.

It sits after the intent classifier. When ``bot.safety.classify`` recognises a red flag
(``urgenza``) or a request for a personal medical decision (``consiglio_personale``), it
overrides the predicted intent with confidence 1.0 and keeps the classifier's ranking
behind it, so the answer action can still address the rest of the message afterwards.
A reminder command ("vorrei i promemoria per gli esami di mio figlio") is never a request
for a medical decision: only red flags override it.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.safety import classify
from bot.topics import REMINDER_INTENTS


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class SafetyOverride(GraphComponent, IntentClassifier):
    """Overrides the intent for urgent messages and personal-advice requests."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SafetyOverride:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue  # button payloads name their intent explicitly
            label = classify(text)
            if label is None:
                continue
            predicted = (message.get(INTENT) or {}).get("name")
            if label == "consiglio_personale" and predicted in REMINDER_INTENTS:
                continue
            ranking = [
                entry
                for entry in (message.get(INTENT_RANKING_KEY) or [])
                if entry.get("name") != label
            ]
            override = {"name": label, "confidence": 1.0}
            message.set(INTENT, override, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [override, *ranking], add_to_output=True)
        return messages
