"""The topic catalogue (content/topics.yml) and the intent <-> topic mapping.

Content topics map to the intent with the same id and "." replaced by "_"
(``condizione.cos_e`` -> ``condizione_cos_e``). Dialogue and reminder topics
have hand-picked intent names below.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot import CATALOGUE_PATH

DIALOGUE_INTENTS: dict[str, str] = {
    "saluto": "bot.saluto",
    "aiuto": "bot.aiuto",
    "chi_sei": "bot.chi_sei",
    "grazie": "bot.grazie",
    "arrivederci": "bot.arrivederci",
    "fuori_ambito": "bot.fuori_ambito",
    "nlu_fallback": "bot.non_capito",
    "urgenza": "sicurezza.urgenza",
    "consiglio_personale": "sicurezza.consiglio_personale",
    "privacy": "privacy.informativa",
}

# Intents of the reminder flow; the topic they produce depends on the flow state.
REMINDER_INTENTS: tuple[str, ...] = (
    "promemoria_attiva",
    "promemoria_prossimi",
    "promemoria_fatto",
    "promemoria_rimanda",
    "promemoria_stop",
    "dati_cancella",
    "calendario",
)

# Intents that only make sense as answers or follow-ups.
CONVERSATION_INTENTS: tuple[str, ...] = ("affermazione", "negazione", "data", "seguito")
# "Ti è stata utile?" under a content answer: intent -> the vote stored.
FEEDBACK_INTENTS: dict[str, str] = {"utile": "utile", "non_utile": "non_utile"}


@lru_cache(maxsize=4)
def load_catalogue(path: Path = CATALOGUE_PATH) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def content_topics() -> dict[str, dict[str, Any]]:
    return dict(load_catalogue()["content"])


def intent_for_topic(topic_id: str) -> str:
    return topic_id.replace(".", "_")


@lru_cache(maxsize=1)
def content_intents() -> dict[str, str]:
    """Intent name -> content topic id (built once; do not modify the result)."""
    return {intent_for_topic(topic): topic for topic in content_topics()}


def all_intents() -> list[str]:
    """Every intent the NLU must know (nlu_fallback is produced by Rasa itself)."""
    names = list(content_intents())
    names += [name for name in DIALOGUE_INTENTS if name != "nlu_fallback"]
    names += list(REMINDER_INTENTS) + list(CONVERSATION_INTENTS) + list(FEEDBACK_INTENTS)
    return names


def topic_for_intent(intent: str) -> str | None:
    return content_intents().get(intent) or DIALOGUE_INTENTS.get(intent)
