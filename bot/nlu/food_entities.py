"""Rasa NLU component: the foods and drinks a message names, as ``alimento`` entities.

The table is content/it/alimenti.yml (bot/foods.py), read through the content store, so an
edit by clinic staff counts from the next message, without retraining. The entity value is
the table's generic name ("grana" -> "parmigiano", a brand -> the food it stands for).
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.content import ContentStore
from bot.foods import CurrentFoodTable, FoodTable

ENTITY = "alimento"
logger = logging.getLogger(__name__)


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

    def table(self) -> FoodTable:
        try:
            return self.foods.get()
        except (OSError, ValueError) as error:  # missing or broken file: no foods, no crash
            logger.warning("tabella degli alimenti non leggibile: %s", type(error).__name__)
            return FoodTable({})

    def process(self, messages: list[Message]) -> list[Message]:
        table = self.table()
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue
            found = [
                {"entity": ENTITY, "value": m.name, "start": m.start, "end": m.end}
                for m in table.find(text)
            ]
            if found:
                entities = message.get(ENTITIES, []) + self.add_extractor_name(found)
                message.set(ENTITIES, entities, add_to_output=True)
        return messages
