"""Rasa NLU component: the foods and drinks a message names, as ``alimento`` entities.

The table is content/it/alimenti.yml (bot/foods.py), read through the content store, so an
edit by clinic staff counts from the next message, without retraining. The entity value is
the table's generic name ("grana" -> "parmigiano", a brand -> the food it stands for).

A food named only in the context of a question about something else ("che pizza sti
controlli! quali esami sono?", "mi hanno tolto una massa grossa come un'arancia... operarsi
non serve?") is not the subject: when the message asks something, the foods the questions
name count; the others only when a question speaks of eating ("le alici le adora, cosa devo
togliere?").
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.content import ContentStore
from bot.foods import CurrentFoodTable, FoodMatch
from bot.senses import not_the_food
from bot.text import normalize

ENTITY = "alimento"
QUESTION = re.compile(r"[^.!?\n]*\?")
# A question about eating, drinking or the diet: the foods of its context are its subject.
ABOUT_EATING = re.compile(
    r"\b(?:mangi\w*|magn\w*|bev\w*|bere|cib\w*|aliment\w*|evit\w*|togli\w*|elimin\w*|"
    r"dieta|fosforo|fosfat\w*|additiv\w*|calcio|dolc\w*|spuntin\w*|merend\w*|pasto|pasti|"
    r"limit\w*|riduc\w*|ridur\w*|porzion\w*|sgarr\w*|rigid\w*|"
    r"cucin\w*|prodott\w*|\w+r(?:lo|la|li|le|ne)|(?:lo|la|li|le|ne) (?:posso|puo|possiamo|"
    r"devo|deve|dobbiamo|va|vanno))\b"
)


def asked_foods(text: str, matches: list[FoodMatch]) -> list[FoodMatch]:
    """The foods that are the subject of the message (see the module's docstring)."""
    spans = [m.span() for m in QUESTION.finditer(text)]
    if not spans:
        return matches
    inside = [f for f in matches if any(a <= f.start < b for a, b in spans)]
    if inside:
        return inside
    asked = normalize(" ".join(text[a:b] for a, b in spans))
    return matches if ABOUT_EATING.search(asked) else []


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class FoodEntityExtractor(GraphComponent, EntityExtractorMixin):
    def __init__(self, content: ContentStore) -> None:
        self.foods = CurrentFoodTable(content)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FoodEntityExtractor:
        return cls(ContentStore())

    def process(self, messages: list[Message]) -> list[Message]:
        table = self.foods.get()  # empty when the file is missing or broken
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue
            found = [
                {"entity": ENTITY, "value": m.name, "start": m.start, "end": m.end}
                for m in asked_foods(text, table.find(text))
                if not not_the_food(m.name, text)
            ]
            if found:
                entities = message.get(ENTITIES, []) + self.add_extractor_name(found)
                message.set(ENTITIES, entities, add_to_output=True)
        return messages
