"""Rasa NLU component: a command that deletes something must be asked for in words.

``dati_cancella`` deletes the whole conversation and the reminders at once, with no
question back ("deletable on request at any moment"); ``promemoria_stop`` ends the
reminders. The classifier alone must not decide either: a message about something else
that shares its words ("conversazione 4, messaggio 2: e il latte?" is close to "elimina
le conversazioni") came out as ``dati_cancella`` from one training run and lost every
message of that conversation. So, right after the classifier, such an intent stands only
when the text has a word that asks for it (:func:`unasked_commands`); otherwise the next intent of
the ranking that is not an unasked command takes its place, in both rankings.
Every training example of the two intents has such a word (tests/unit/test_command_guard.py).
"""

from __future__ import annotations

import re
from typing import Final

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.overrides import IntentOverride
from bot.nlu.tfidf_classifier import TOPIC_RANKING_KEY
from bot.text import normalize

_DELETE_WORDS: Final = (
    r"cancell\w*|elimin\w*|rimuov\w*|rimozion\w*|dimentic\w*|obli\w*|distrugg\w*|svuot\w*"
    r"|resett\w*|togli\w*|tolg\w*|delete|erase|remove"
)
# On normalised text (no accents: "più" -> "piu").
ASKED_WORDS: Final[dict[str, re.Pattern[str]]] = {
    "dati_cancella": re.compile(rf"\b(?:{_DELETE_WORDS})\b"),
    "promemoria_stop": re.compile(
        rf"\b(?:{_DELETE_WORDS}|stop\w*|basta|disattiv\w*|disabilit\w*|smett\w*|disiscri\w*"
        r"|annull\w*|interromp\w*|ferm\w*|spegn\w*|unsubscribe|esci|revoc\w*)\b"
        r"|\b(?:non|nn|niente|mai)\b(?:\s+\w+){0,4}\s+piu\b"
    ),
}


def unasked_commands(text: str) -> set[str]:
    """The guarded commands ``text`` has no word asking for (the text normalised once)."""
    form = normalize(text)
    return {name for name, words in ASKED_WORDS.items() if words.search(form) is None}


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class DestructiveCommandGuard(IntentOverride):
    """Replaces a deleting command the text does not ask for by the next intent."""

    def revise(self, message: Message, text: str) -> None:
        unasked = unasked_commands(text)
        if (message.get(INTENT) or {}).get("name") not in unasked:
            return
        for key in (INTENT_RANKING_KEY, TOPIC_RANKING_KEY):
            kept = [e for e in (message.get(key) or []) if e.get("name") not in unasked]
            message.set(key, kept, add_to_output=True)
        ranking = message.get(INTENT_RANKING_KEY) or [{"name": None, "confidence": 0.0}]
        message.set(INTENT, ranking[0], add_to_output=True)  # none left: the fallback's
