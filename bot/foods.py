"""The food table clinic staff edit (content/it/alimenti.yml): which foods and drinks
people name, and which group of the diet answers each belongs to.

Pure lookups over the parsed YAML (``ContentStore.texts("alimenti")``): the NLU component
``bot.nlu.food_entities`` finds the foods in a message, the answer names them.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import yaml

from bot.content import ContentStore
from bot.text import normalize

logger = logging.getLogger(__name__)
# The table's group of foods the sources say nothing specific about.
UNCLASSIFIED = "non_classificato"
DIET_TOPICS = ("dieta.", "evitare.calcio_dieta")


@dataclass(frozen=True)
class Food:
    name: str  # generic name, as the table writes it
    group: str
    topic: str  # the content topic of the group
    text: str  # the group's sentence, {alimento} filled
    # The group's "argomento_se_nomina": a word of the message -> the topic then proposed.
    topic_if_named: tuple[tuple[str, str], ...] = ()

    def topic_for(self, message: str, understood: str | None = None) -> str:
        """The group's topic, or the one of a word the message names ("calcio"). A food the
        sources say nothing about (UNCLASSIFIED) takes the diet topic the message was
        understood as (``understood``), when it is one: "un bicchiere di vino a cena?"."""
        words = set(normalize(message).split())
        named = next((topic for word, topic in self.topic_if_named if normalize(word) in words), None)
        if named is not None:
            return named
        if self.group == UNCLASSIFIED and understood and understood.startswith(DIET_TOPICS):
            return understood
        return self.topic


@dataclass(frozen=True)
class FoodMatch:
    name: str
    start: int  # in the message as written
    end: int


def _fold(text: str) -> str:
    """Lower case without accents, one character for one: positions stay those of ``text``."""
    return "".join(unicodedata.normalize("NFKD", ch)[:1] or ch for ch in text.lower())


def spellings(entry: dict[str, Any]) -> list[str]:
    """Every way the table lets people name a food: its name, variants and brands."""
    name = str(entry.get("nome", "")).strip()
    return [name, *(str(w) for w in entry.get("varianti") or []), *(str(w) for w in entry.get("marche") or [])]


class FoodTable:
    def __init__(self, data: dict[str, Any]) -> None:
        self.groups: dict[str, dict[str, Any]] = dict(data.get("gruppi") or {})
        self.foods: dict[str, dict[str, Any]] = {}
        words: dict[str, str] = {}  # normalised word or phrase -> generic name
        for entry in data.get("alimenti") or []:
            name = str(entry.get("nome", "")).strip()
            if not name or entry.get("gruppo") not in self.groups:
                continue
            self.foods[name] = entry
            for word in spellings(entry):
                if normalize(word):
                    words.setdefault(normalize(word), name)
        self._words = words
        self._brands = {normalize(str(b)) for e in self.foods.values() for b in e.get("marche") or []}
        alternatives = sorted(words, key=len, reverse=True)  # longest first: "latte di soia"
        # Words of a name may be joined by spaces, hyphens or apostrophes ("coca-cola").
        spelled = [r"[\s'-]+".join(map(re.escape, w.split())) for w in alternatives]
        self._pattern = re.compile(r"\b(?:" + "|".join(spelled) + r")\b") if spelled else None

    def find(self, text: str) -> list[FoodMatch]:
        """Every food named in ``text``, in order, each generic name once."""
        if self._pattern is None:
            return []
        found: dict[str, FoodMatch] = {}
        for m in self._pattern.finditer(_fold(text)):
            name = self._words[normalize(m.group())]
            found.setdefault(name, FoodMatch(name, m.start(), m.end()))
        return list(found.values())

    def first_to_limit(self, foods: list[Food]) -> Food:
        """Of several foods named ("panino col salame"), the one whose group comes first in
        the table's list of groups (the groups to limit come first): its topic is proposed."""
        order = {group: i for i, group in enumerate(self.groups)}  # every Food's group is one of them
        return min(foods, key=lambda f: order[f.group])

    def food(self, name: str, as_written: str = "") -> Food | None:
        """The food ``name``; ``as_written``, the word the message used, is shown beside the
        name when it is another one ("Sardina (sardine): ..."), so that the answer names what
        was asked, except a brand (the table never names brands)."""
        entry = self.foods.get(name)
        if entry is None:
            return None
        group = self.groups[str(entry["gruppo"])]
        shown = name.capitalize()
        written = " ".join(as_written.split())
        if written and normalize(written) not in (normalize(name), *self._brands):
            shown = f"{shown} ({written.lower()})"
        text = str(group.get("testo", "")).replace("{alimento}", shown)
        named = group.get("argomento_se_nomina") or {}
        return Food(
            name,
            str(entry["gruppo"]),
            str(group.get("argomento", "")),
            text.strip(),
            tuple((str(word), str(topic)) for word, topic in named.items()),
        )


class CurrentFoodTable:
    """The table of content/it/alimenti.yml as it is now: built again only after the staff
    edit the file (the content store re-reads it when it changes). A missing or broken file
    is an empty table (logged), so that a typo leaves the bot answering without foods, for
    the NLU component and the answers alike; ``python -m bot content check`` shows the line."""

    def __init__(self, content: ContentStore) -> None:
        self.content = content
        self._built: tuple[dict[str, Any], FoodTable] | None = None

    def get(self) -> FoodTable:
        try:
            data = self.content.texts("alimenti")
        except (OSError, ValueError, yaml.YAMLError) as error:
            logger.warning("tabella degli alimenti non leggibile: %s", type(error).__name__)
            return FoodTable({})
        if self._built is None or self._built[0] is not data:
            self._built = (data, FoodTable(data))
        return self._built[1]
