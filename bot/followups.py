"""Short elliptical follow-ups ("e la mozzarella?", "anche per mio figlio?", "e quanto
spesso?"): recognising them, what they ask about, and which "approfondimento" of a topic
answers them (pure text functions; bot/answers.py decides the answer).

A follow-up is answered in the context of the previous answer unless it clearly names
another topic; an *aspect* (who, when, how often, where, how much it costs) never names a
topic by itself, whatever the classifier makes of it ("e quanto spesso?" is not the
check-up topic after a diet answer).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.text import normalize

MAX_WORDS = 8  # longer messages are questions of their own
MAX_ASKED_CHARS = 40  # longer "what was asked" is not named back

# Openers that carry nothing ("ok, e il latte?", "grazie. e nei bambini?").
_FILLER = r"(?:ok(?:ay)?|okei|grazie|capito|ho capito|perfetto|bene|va bene|ah|ah ok|ok grazie)"
_CONJUNCTION = r"(?:e|ed|ma|invece|anche|pure|oppure|o|neanche|nemmeno|neppure|vale anche|vale lo stesso|lo stesso|idem|stesso discorso)"
_ELLIPTICAL_START = re.compile(
    rf"^(?:{_FILLER}\s+)?(?:{_CONJUNCTION}|per(?!\s+(?:favore|piacere|cortesia|caso)\b))\s+\S"
)
_ELLIPTICAL_END = re.compile(r"\sinvece$")  # not "anche": "ho la calcinosi e mio figlio anche"

# Stripped from the message to name what it asks about, on the text as written (accents kept).
_LEAD = re.compile(
    rf"^\s*(?:{_FILLER}[\s,.!]+)?(?:{_CONJUNCTION}\s+)+"
    r"(?:(?:per|con|x|su|riguardo a|riguardo|in|a|nei|negli|nel|nella|nelle|nello|ai|agli|alle|"
    r"al|alla|allo|dei|degli|delle|del|della|sui|sugli|sulle|sul|sulla|coi|col)\s+|(?:nell|dell|all|sull)')?",
    re.IGNORECASE,
)
_ARTICLE = re.compile(r"^(?:il|lo|la|i|gli|le|un|una|uno)\s+|^(?:l|un)'\s*", re.IGNORECASE)
_TRAIL = re.compile(
    r"\s+(?:invece|anche|pure|come la mettiamo|(?:lo|la|li|le|ne) posso \w+|posso \w+|"
    r"si può \w+|si puo \w+|va bene|vanno bene|fa male|fanno male|vale lo stesso|è uguale|"
    r"perché|perche|come mai|quindi|allora)\s*$",
    re.IGNORECASE,
)
_END_PUNCT = re.compile(r"[\s?!.,;:]+$")

# Who, when, how often, where, cost: the parts of an aspect-only follow-up.
ASPECT_WORDS = re.compile(
    r"^(?:bambin\w*|bimb\w*|figli\w*|neonat\w*|piccol\w*|ragazz\w*|adolescent\w*|anzian\w*|"
    r"adult\w*|nonn\w*|gravidanza|incint\w*|allatt\w*|sorell\w*|fratell\w*|genitor\w*|mamm\w*|"
    r"papa|madre|padre|marito|moglie|donn\w*|uomin\w*|uomo|maschi|femmine|anni|eta|"
    r"maggiorenn\w*|minorenn\w*|quanto|quanta|quante|quanti|spesso|volte|volta|ogni|dura|"
    r"durare|tempo|dopo|prima|durante|notte|estate|inverno|sempre|settiman\w*|mese|mesi|anno|"
    r"giorn\w*|scuola|lavoro|mare|viaggio|vacanz\w*|estero|fuori|regione|costa|costo|costano|gratis|"
    r"qualcosa|niente|nulla|nipot\w*|compagn\w*|"
    r"mio|mia|miei|mie|suo|sua|suoi|sue|lui|lei|io|me|noi|loro|chi|se|ho|ha|sono|e|ed|ma|"
    r"anche|invece|pure|per|x|con|nei|negli|nel|nella|nelle|nello|a|al|alla|ai|agli|alle|in|"
    r"di|da|dal|dalla|nell|dell|all|sull|il|lo|la|i|gli|le|l|un|una|uno|che|caso|vale|stesso|\d+)$"
)
# Words too common to show that a topic's text speaks of what was asked.
_COMMON = frozenset({"quanto", "quando", "quante", "quanti", "spesso", "volte", "sempre", "anche", "invece", "della", "delle", "degli"})


# "il nuoto?", "la ricotta?": a bare thing asked about, with its article.
# Not a clitic and its verb: "la devo evitare?", "lo prendo?" point back (refers_back).
_BARE_THING = re.compile(
    r"^(?:il|lo|la|i|gli|le|l|un|una)\s+(?!(?:prendo|mangio|uso|faccio|bevo|metto|tolgo|compro|do|"
    r"posso|devo|puo|deve|possiamo|dobbiamo|vedo|trovo|chiamo|fanno|fa|danno)\b)\w+(?:\s+\w+)?$"
)


def leading_question(text: str) -> str:
    """The first question when a comment follows it ("e la nutella? ne va matta" -> "e la
    nutella?"); else the whole text."""
    head, mark, rest = text.partition("?")
    return head + mark if mark and head.strip() and rest.strip(" ?!") else text


def is_elliptical(text: str) -> bool:
    """A short message that continues the previous one ("e il kefir?", "mia sorella invece?",
    "il nuoto?"), also with a comment after it ("e il calcio? gioca in una squadretta")."""
    lead = leading_question(text)
    return _is_elliptical(text) or (lead != text and _is_elliptical(lead))


def _is_elliptical(text: str) -> bool:
    form = normalize(text)
    if not form or len(form.split()) > MAX_WORDS:
        return False
    if _ELLIPTICAL_START.search(form) or _ELLIPTICAL_END.search(form):
        return True
    bare = form.replace("'", " ")
    return text.rstrip().endswith("?") and _BARE_THING.match(bare) is not None and not _CLITIC_VERB.search(bare)


# A short question that points back at the last answer without a conjunction: a clitic
# before the verb ("chi la prescrive?", "dove li trovo?"), a verb with no subject ("hanno un
# sito?", "costano?"), or "apposta" / "per questo" ("c'è un medico apposta?").
REFERS_BACK_WORDS = 6
_QUESTION_WORD = r"(?:chi|come|dove|quando|quanto|perche|cosa|che cosa|a chi|da chi)"
_MODAL = r"(?:posso|puoi|puo|possiamo|devo|deve|devi|dobbiamo|si puo|si deve|bisogna|conviene)"
_CLITIC = r"(?:(?:me|te|ce|ve|se)\s+)?(?:lo|la|li|le|ne|gli)"
_CLITIC_VERB = re.compile(
    rf"^(?:{_QUESTION_WORD}\s+(?:{_CLITIC}|si)\s+(?!\d)\w{{2,}}|{_CLITIC}\s+{_MODAL}\b)"
)
_SUBJECTLESS_VERB = re.compile(
    r"^(?:ha|hanno|fanno|danno|costano|costa|serve|servono|funziona|funzionano|durano|rimborsano|"
    r"passano|mandano|organizzano|vale|valgono|bisogna|occorre|si (?:fa|fanno|paga|pagano|trova|"
    r"trovano|prende|prendono|medica|medicano|prenota|prenotano|chiede|chiedono))\b"
)
_POINTS_BACK = re.compile(r"\b(?:apposta|per questo|per quello|per questa cosa|anche loro)\b")


def refers_back(text: str) -> bool:
    """A short question about the last answer's subject that does not start with "e"
    ("hanno un sito?", "chi la prescrive?", "c'è un medico apposta?")."""
    form = normalize(text).replace("'", " ")
    if not form or len(form.split()) > REFERS_BACK_WORDS:
        return False
    if _CLITIC_VERB.search(form) or _POINTS_BACK.search(form):
        return True
    return text.rstrip().endswith("?") and _SUBJECTLESS_VERB.search(form) is not None


def asked_about(text: str) -> str | None:
    """What a follow-up asks about, to name it back ("e il kefir?" -> "kefir"); None when
    there is nothing left or it is too long to repeat."""
    lead = leading_question(text)
    if lead != text and _is_elliptical(lead):
        text = lead
    what = _END_PUNCT.sub("", text.strip())
    what = _LEAD.sub("", what, count=1)
    what = _TRAIL.sub("", what)
    what = _ARTICLE.sub("", what.strip(), count=1).strip()
    what = _END_PUNCT.sub("", what)
    form = normalize(what)
    if not form or len(what) > MAX_ASKED_CHARS or re.fullmatch(_CONJUNCTION, form):
        return None
    return what


def is_aspect_only(text: str) -> bool:
    """Every word is about who, when, how often, where or how much ("e quanto spesso?",
    "anche per mio figlio?"): the follow-up names no topic of its own."""
    words = normalize(text).replace("'", " ").split()
    return bool(words) and all(ASPECT_WORDS.match(w) for w in words)


def _mentions(form: str, words: list[str], key: str) -> bool:
    key = normalize(key)
    if " " in key:
        return f" {key}" in f" {form}"
    return any(w.startswith(key) for w in words)


def matching_key(
    keys: Iterable[str], text: str, synonyms: dict[str, list[str]]
) -> str | None:
    """The first key (of a topic's "approfondimenti") the message names, by the key itself
    or, failing that, by one of its synonyms (content/it/schede.yml)."""
    form = normalize(text)
    words = form.replace("'", " ").split()
    keys = list(keys)
    for key in keys:
        if _mentions(form, words, key):
            return key
    for key in keys:
        if any(_mentions(form, words, str(s)) for s in synonyms.get(key) or []):
            return key
    return None


def _asked_words(asked: str) -> list[str]:
    """The words of what was asked that show what it is about (long and not too common)."""
    return [w for w in normalize(asked).split() if len(w) >= 5 and w not in _COMMON]


def text_mentions(body: str, asked: str) -> bool:
    """The topic's text speaks of what was asked (one of its longer words, give or take the
    last letter: "risonanza", "urine")."""
    stems = [w[:-1] for w in _asked_words(asked)]
    if not stems:
        return False
    body_words = normalize(body).split()
    return any(any(b.startswith(stem) and len(b) <= len(stem) + 2 for b in body_words) for stem in stems)


def text_names(body: str, asked: str) -> bool:
    """The topic's text uses the very words that were asked ("integratori", not only
    "integratore"): then the answer need not name them again."""
    words = _asked_words(asked)
    body_words = set(normalize(body).split())
    return bool(words) and all(w in body_words for w in words)
