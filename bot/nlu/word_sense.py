"""Rasa NLU component: applies bot/senses.py (words the classifier reads in the wrong
sense, like "calcio" the sport; pain that the message denies) after the classifier."""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.overrides import BOTH_RANKINGS, IntentOverride, override, put_first
from bot.nlu.tfidf_classifier import TOPIC_RANKING_KEY
from bot.senses import PAIN_TOPIC, denies_pain, meant_intent


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class WordSense(IntentOverride):
    def revise(self, message: Message, text: str) -> None:
        predicted = str((message.get(INTENT) or {}).get("name"))
        meant = meant_intent(text, predicted)
        if meant is not None:
            override(message, meant)
        elif predicted == PAIN_TOPIC and denies_pain(text):
            self._next_topic(message)

    @staticmethod
    def _next_topic(message: Message) -> None:
        """The classifier's next topic becomes the intent (the pain is denied): the pain
        topic leaves both rankings and the others' confidences are renormalised without it."""
        topics = message.get(TOPIC_RANKING_KEY) or []
        pain = next((float(e.get("confidence") or 0.0) for e in topics if e.get("name") == PAIN_TOPIC), 0.0)
        if not any(e.get("name") != PAIN_TOPIC for e in topics) or pain >= 1.0:
            return
        for key in BOTH_RANKINGS:
            rest = [
                {**e, "confidence": float(e.get("confidence") or 0.0) / (1.0 - pain)}
                for e in message.get(key) or []
                if e.get("name") != PAIN_TOPIC
            ]
            message.set(key, rest, add_to_output=True)
        put_first(message, message.get(TOPIC_RANKING_KEY)[0])
