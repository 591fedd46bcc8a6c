"""The one way our NLU components replace the intent the classifier chose."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.tfidf_classifier import TOPIC_RANKING_KEY

BOTH_RANKINGS = (INTENT_RANKING_KEY, TOPIC_RANKING_KEY)


def put_first(
    message: Message, entry: dict[str, Any], rankings: Iterable[str] = BOTH_RANKINGS
) -> None:
    """``entry`` ({"name", "confidence"}) becomes the intent, and the first (once) of each
    ranking named in ``rankings``; the rest of each ranking stays behind it, in order."""
    for key in rankings:
        rest = [e for e in (message.get(key) or []) if e.get("name") != entry.get("name")]
        message.set(key, [entry, *rest], add_to_output=True)
    message.set(INTENT, entry, add_to_output=True)


def override(message: Message, name: str, rankings: Iterable[str] = BOTH_RANKINGS) -> None:
    """The intent is ``name``, with full confidence."""
    put_first(message, {"name": name, "confidence": 1.0}, rankings)


class IntentOverride(GraphComponent, IntentClassifier):
    """A component after the classifier that may change its intent: built with no
    configuration, it looks at every typed message (button payloads, "/intent", name their
    intent and are left alone) through :meth:`revise`."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Self:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = str(message.get(TEXT) or "")
            if not text.startswith("/"):
                self.revise(message, text)
        return messages

    def revise(self, message: Message, text: str) -> None:
        raise NotImplementedError
