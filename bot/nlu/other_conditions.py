"""Rasa NLU component: calcifications that are not calcinosi tumorale.

People write about breast microcalcifications, calcific tendinitis, kidney stones,
scleroderma and many other conditions with "calcio" or "calcificazioni" in them. The
classifier cannot know them all; a named one (Table I of the 2011 Reumatismo review, the
PDTA's differential list in §10, the 2023 note on breast microcalcifications) is answered
with ``condizione_diagnosi_differenziale``: how it differs, ask your doctor. A message that
also names calcinosi tumorale is about it, unless it compares the two.
"""

from __future__ import annotations

import re

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.overrides import IntentOverride, override
from bot.text import normalize

INTENT_NAME = "condizione_diagnosi_differenziale"
_CALC = r"calcific\w*|calcio|calcolo|calcoli|calcolosi"

# Normalised text (bot.text.normalize: lower case, no accents, no punctuation).
OTHER_CONDITION = re.compile(
    r"\b(?:"
    r"micro ?calcificazion\w*|mammografi\w*|"  # breast (2023 note)
    rf"(?:{_CALC})\w* (?:\w+ ){{0,3}}(?:al |nel |della |del |sul )?(?:seno|mammell\w*|"
    r"tiroid\w*|prostat\w*|polmon\w*|cervello|cerebral\w*|reni|rene|renal\w*|cuore|cardiac\w*|"
    r"feto|fetal\w*|aort\w*|placent\w*|fegat\w*|milz\w*|pancreas|ovai\w*|testicol\w*|linfonod\w*)|"
    r"(?:seno|mammell\w*|tiroid\w*|prostat\w*|cervello|feto|aort\w*|arteri\w*|coronari\w*|valvol\w*|"
    r"placent\w*|fegat\w*|milz\w*|pancreas) (?:\w+ ){0,3}(?:" + _CALC + r")|"
    r"tendin\w* calcific\w*|tendinopatia calcific\w*|borsite calcific\w*|granulom\w*|"  # degenerative
    rf"(?:{_CALC})\w* (?:\w+ ){{0,3}}(?:tendin\w*|sovraspinos\w*|cuffia dei rotatori|coronari\w*|"
    r"valvol\w*|arteri\w*|vas[oi] sanguign\w*)|valvol\w* (?:\w+ )?calcific\w*|"
    r"coronari\w* calcific\w*|arteriosclerosi|aterosclerosi|sperone calcaneare|sperone osseo|"
    r"speroni|calcinosi cutis|calcinosi cutane\w*|cisti di baker|"
    r"nefrocalcinosi|nefrolitiasi|calcoli renali|calcolosi renale|renella|colic\w* renal\w*|ossalat\w*|"
    r"(?:calcoli|calcolo) (?:\w+ ){0,3}?(?:ai reni|al rene|nel rene|nei reni|renal\w*|alla vescica|urinar\w*)|"
    r"sclerodermi\w*|sclerosi sistemica|crest|dermatomiosit\w*|polimiosit\w*|"  # dystrophic
    r"lupus|connettivit\w*|cisticercosi|"
    r"fahr|gangli della base|focus iperecogen\w*|spot iperecogen\w*|"
    r"punt\w* (?:\w+ )?(?:brillant\w*|luminos\w*|bianc\w*) (?:\w+ ){0,2}?(?:nel|sul|al) cuore|"
    r"condrocalcinosi|pseudogotta|gotta|tofi|"
    r"miosite ossificante|mionecrosi|condromatosi|osteocondromatosi|meloreostosi|"  # metaplastic
    r"sarcoidosi|iperparatiroidismo|paratiroid\w*|milk ?alkali|latte ?alcali|ipercalcemi\w*|ipervitaminosi|"
    r"calcio (?:alto|elevato|altissimo) nel sangue|"  # metabolic
    r"dialisi|dializzat\w*|insufficienza renale|"
    r"osteosarcoma|condrosarcoma|sarcoma sinoviale"  # neoplastic
    r")\b"
)
THIS_DISEASE = re.compile(
    r"\bcalcinosi tumorale\b"
    r"|\bcalcinosi\b(?! (?:da|per|nella|della|in|cutis|cutane\w*|distrofic\w*|metastatic\w*|iatrogen\w*|universal\w*|"
    r"su internet|su google))"
)
COMPARISON = re.compile(
    r"\b(?:differenz\w*|diversa|diverso|stessa cosa|uguale|confond\w*|c entra|"
    r"simile|assomiglia|come la|come il|come per|rispetto|stess[ao]|c entra\w*|collegat\w*|legat\w*|"
    r"relazione|centra|rischi\w*|puo diventare|diventa|si trasforma|anche (?:lui|lei|io|noi)|"
    r"vostra malattia|questa malattia|a che fare|potrei avere|potrebbe avere|legame|sviluppand\w*|"
    r"(?:una|un) (?:forma|tipo|variante) di|tipo (?:la )?calcinosi|"
    # "è (la vostra) calcinosi tumorale?", not "cos'è la calcinosi tumorale?"
    r"(?<!cos )(?<!cosa )e (?:la )?(?:vostra |stessa )?calcinosi|e questa la calcinosi|sarebbe la calcinosi)\b"
)


# Kidney failure and dialysis cause the secondary form ("sono in dialisi e il nefrologo parla
# di calcinosi tumorale secondaria"), and high phosphorus, so a person on dialysis asking
# about the diet, binders, vitamin D or additives is answered on that: kidney words count
# only when the message speaks of calcifications and not of those.
KIDNEY = re.compile(r"dialisi|dializzat\w*|insufficienza renale")
CALCIFICATION = re.compile(rf"\b(?:{_CALC}|deposit\w*)\b")
KIDNEY_QUESTION = re.compile(
    r"\b(?:fosforo|fosfat\w*|legant\w*|chelant\w*|carbonato|vitamina d|dieta|cib\w*|mangi\w*|"
    r"additiv\w*|etichett\w*|cucin\w*|aliment\w*)\b"
)
# "una reumatologa mi ha detto che è calcinosi tumorale e non gotta": a condition ruled out.
RULED_OUT = re.compile(r"\b(?:non|e non|escluso|esclusa|esclus\w* (?:la|il|l))\s+(?:e\s+)?(?:una\s+|la\s+|il\s+)?$")


def names_other_condition(text: str) -> bool:
    """True when ``text`` is about a calcification that is not calcinosi tumorale."""
    form = normalize(text)
    named = [
        m.group() for m in OTHER_CONDITION.finditer(form)
        if not RULED_OUT.search(form[max(0, m.start() - 20) : m.start()])
    ]
    kidney_only = all(KIDNEY.fullmatch(n) for n in named)
    if not named or (kidney_only and (not CALCIFICATION.search(form) or KIDNEY_QUESTION.search(form))):
        return False
    if not THIS_DISEASE.search(form):
        return True
    return bool(COMPARISON.search(form)) and not kidney_only


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class OtherConditionOverride(IntentOverride):
    """Routes messages about other calcification conditions to the differential answer."""

    def revise(self, message: Message, text: str) -> None:
        if names_other_condition(text):
            override(message, INTENT_NAME)
