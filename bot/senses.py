"""Words whose sense the intent classifier gets wrong, decided by what is around them
(pure; used by the NLU component bot/nlu/word_sense.py and by bot/answers.py). Each sense
is one row of SENSES: when the classifier predicted ``given`` and the message reads like
``pattern``, the intent is ``meant``.

- "calcio" the sport ("posso giocare a calcio?") is not calcium in the diet;
- "cosa mi fa male?" asks what is harmful, not about pain;
- "chi legge questa chat?" asks about privacy, not who the bot is.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from bot.text import normalize


class Sense(NamedTuple):
    given: frozenset[str]
    pattern: re.Pattern[str]
    meant: str


SPORT = re.compile(
    r"\b(?:gioc\w* (?:a |al |in )?(?:\w+ )?calci[oe]|calcio a (?:5|cinque|7|sette|11)|calcetto|"
    r"(?:squadra|scuola|partit\w*|allenament\w*|campionato|torneo) (?:di )?calcio|"
    r"calcio (?:giocat\w*|come sport)|(?:fare|fa|fanno|praticare|pratica) (?:il )?calcio|"
    r"(?<!non del )(?<!non il )(?<!non quello del )(?<!non col )pallone|portiere|in porta)\b"
)
# Both senses in one message ("gioca a calcio, ma il calcio nel piatto deve essere poco?"):
# the one in food decides, unless it is denied ("il calcio giocato, non quello del latte").
CALCIUM_IN_FOOD = re.compile(
    r"\b(?<!non il )calcio (?:nel|nei|del|dei|della|nella|negli) (?:piatto|cibo|cibi|latte|dieta|alimentazione|alimenti|formaggi)\b"
    r"|\b(?<!non )quello (?:nel|del|dei) (?:cibo|latte|piatto|formaggi)\b"
)
SPORT_NOT_FOOD = re.compile(rf"^(?!.*(?:{CALCIUM_IN_FOOD.pattern})).*(?:{SPORT.pattern})")
HARMFUL = re.compile(
    r"\b(?:cosa|che cosa|cos|quali cose|che cibi|quali cibi) (?:mi |gli |le |ci |vi )?"
    r"(?:puo |possono )?fa(?:nno|re)? male\b|\bfa(?:nno)? male (?:mangiare|bere|prendere)\b"
)
WHO_READS = re.compile(
    r"\bchi (?:legge|leggera|leggono|vede|vedra|puo (?:leggere|vedere)|ha accesso|conserva|"
    r"controlla) (?:\w+ ){0,3}?(?:chat|conversazion\w*|messaggi|dati|quello che scrivo)\b"
)

# "non mi fa male da anni", "zero dolore": the pain is denied, so the message is not about
# treating pain (the topic is then the classifier's next one, bot/nlu/word_sense.py).
PAIN_TOPIC = "terapia_dolore"
_PAIN_WORD = re.compile(r"\b(?:dolor\w*|dolent\w*|male|duol\w*|fastidio)\b")
_NO_PAIN = re.compile(
    r"\bnon (?:mi |gli |le |ci |ti )?(?:(?:ha|hanno) )?(?:mai |piu )?(?:fa|fanno|fatto|da|danno|dato)"
    r" (?:mai |piu )?(?:male|dolore|fastidio)\b"
    r"|\b(?:zero|nessun|nessuna|senza|niente|mai avuto|mai) (?:\w+ )?(?:dolor\w*|male|fastidio)\b"
    r"|\bnon (?:sento|sente|ho|ha|abbiamo|sentiamo) (?:nessun |mai |piu )?(?:dolor\w*|male|fastidio)\b"
    r"|\bnon (?:e|sono) (?:mai stat\w )?dolent\w*\b"
)


def denies_pain(text: str) -> bool:
    """Every pain word of the message is denied ("dura come un sasso ma non mi fa male")."""
    form = normalize(text)
    denied = [m.span() for m in _NO_PAIN.finditer(form)]
    words = [m.start() for m in _PAIN_WORD.finditer(form)]
    return bool(denied) and all(any(a <= w < b for a, b in denied) for w in words)


# Foods of the table named in another sense: mother's milk ("sto allattando, il farmaco passa
# nel latte?"), the chalky paste that comes out of a mass ("esce una pasta bianca tipo gesso").
NOT_THE_FOOD = {
    "latte": re.compile(r"\ballatt\w*|\blatte (?:materno|della mamma|di mamma)\b"),
    "merluzzo": re.compile(r"\bolio di fegato di merluzzo\b"),  # a vitamin D supplement
    "pasta": re.compile(r"\bpasta (?:bianc\w*|gessos\w*|tipo gesso|come (?:il )?gesso|dens\w*|cremos\w*)|\besce (?:\w+ ){0,2}pasta\b"),
}


def not_the_food(name: str, text: str) -> bool:
    """The food ``name`` is named in ``text`` in another sense (NOT_THE_FOOD)."""
    pattern = NOT_THE_FOOD.get(name)
    return pattern is not None and pattern.search(normalize(text)) is not None
# Water to drink is not the hydrotherapy pool ("l'acqua gassata va bene?").
DRINKING_WATER = re.compile(
    r"\bacqua (?:frizzante|gassata|naturale|liscia|minerale|del rubinetto|di rubinetto|in bottiglia)\b"
    r"|\bbollicine\b|\b(?:bere|bevo|beve|bevete|bevi|beviamo|bicchier\w*|bottigli\w*|litr\w*)\b"
)
POOL = re.compile(r"\b(?:piscin\w*|vasca|vasche|idro\w*|nuot\w*|terapi\w*|esercizi\w*|riabilit\w*|termal\w*)\b")
DRINKING_NOT_POOL = re.compile(rf"^(?!.*(?:{POOL.pattern})).*(?:{DRINKING_WATER.pattern})")

SENSES = (
    Sense(frozenset({"evitare_calcio_dieta", "evitare_leganti_calcio"}), SPORT_NOT_FOOD, "riabilitazione_esercizio"),
    Sense(frozenset({"terapia_dolore"}), HARMFUL, "evitare_riepilogo"),
    Sense(frozenset({"chi_sei", "aiuto"}), WHO_READS, "privacy"),
    Sense(frozenset({"riabilitazione_idrochinesiterapia"}), DRINKING_NOT_POOL, "dieta_cosa_mangiare"),
)


def meant_intent(text: str, predicted: str) -> str | None:
    """The intent ``text`` means when the classifier read ``predicted`` in the wrong sense."""
    form = normalize(text)
    for sense in SENSES:
        if predicted in sense.given and sense.pattern.search(form):
            return sense.meant
    return None
