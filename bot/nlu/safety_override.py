"""Rasa NLU component: the safety layer runs before intent routing.

It sits after the intent classifier. When ``bot.safety.classify`` recognises a red flag
(``urgenza``) or a request for a personal medical decision (``consiglio_personale``), it
overrides the predicted intent with confidence 1.0 and keeps the classifier's ranking
behind it, so the answer action can still address the rest of the message afterwards.
A reminder command ("vorrei i promemoria per gli esami di mio figlio") is never a request
for a medical decision: only red flags override it; nor is a question about another named
condition ("ho il calcio alto per le paratiroidi, c'entra con la calcinosi?"): its answer
already sends the person to their doctor, unless a dose is asked. When the rules find no red flag but the
classifier guessed "urgenza", the guess stands only if it is credible
(``bot.safety.classifier_urgency_is_credible``); otherwise the message goes to the topic it
is about (the classifier's topic ranking).
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.other_conditions import INTENT_NAME as OTHER_CONDITION
from bot.nlu.overrides import IntentOverride, override, put_first
from bot.nlu.tfidf_classifier import TOPIC_RANKING_KEY
from bot.safety import URGENT, asks_dose, classifier_urgency_is_credible, classify
from bot.topics import REMINDER_INTENTS


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class SafetyOverride(IntentOverride):
    """Overrides the intent for urgent messages and personal-advice requests."""

    def revise(self, message: Message, text: str) -> None:
        label = classify(text)
        predicted = (message.get(INTENT) or {}).get("name")
        if label is None and predicted == URGENT:
            confidence = float((message.get(INTENT) or {}).get("confidence") or 0.0)
            if not classifier_urgency_is_credible(text, confidence):
                self._to_topic(message)
            return
        if label is None:
            return
        if label == "consiglio_personale" and predicted in REMINDER_INTENTS:
            return
        if label == "consiglio_personale" and predicted == OTHER_CONDITION and not asks_dose(text):
            return
        # The topic ranking stays the classifier's: what the message is about.
        override(message, label, (INTENT_RANKING_KEY,))

    @staticmethod
    def _to_topic(message: Message) -> None:
        """The classifier's best guess other than urgenza becomes the intent."""
        topics = message.get(TOPIC_RANKING_KEY) or []
        if not topics:
            return
        ranking = [e for e in (message.get(INTENT_RANKING_KEY) or []) if e.get("name") != URGENT]
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        put_first(message, topics[0], (INTENT_RANKING_KEY,))
