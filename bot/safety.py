"""Safety layer: recognise red flags and requests for personal medical advice.

Pure Python (standard library only), rule based, deterministic. The functions never
log, store or echo the message text.

* ``normalize`` - the canonical form of a message (``bot.text.normalize``, re-exported).
* ``is_urgent`` - red flags: severe/sudden pain, chest pain, breathing trouble,
  fainting, seizures, acute confusion, fever together with an inflamed lump or an
  open/discharging wound, an infected-looking wound, self-harm or suicidal thoughts,
  explicit emergencies (118/112, ambulance, emergency room).
* ``asks_personal_advice`` - doses, starting/stopping/changing a medicine or
  supplement, reading one's own (or a relative's) lab values, self-diagnosis.
* ``classify`` - ``"urgenza"``, ``"consiglio_personale"`` or ``None``.

Matching works on a *match form* of the text: ``normalize`` plus a few chat
abbreviations ("nn" -> "non") and with runs of the same letter squeezed to one
("febbre" -> "febre", "aiutooo" -> "aiuto"). Squeezing makes the rules tolerant of
the most common typos (missing or extra double letters). Patterns are written in
ordinary spelling and squeezed the same way when compiled (see ``_sq``).

All patterns use bounded repetitions only (no nested unbounded quantifiers), so the
cost is linear in the length of the message, and each rule is skipped unless one of
its cheap substring "needles" occurs in the text (see ``_Rule``). A 100 KB message
takes roughly 0.05-0.2 s.

Precision policy: a red flag that is *negated* by the patient ("non ho febbre",
"nessun dolore al petto") does not count, and a short *general* question without any
personal marker that only names a symptom ("il dolore al petto è un sintomo della
calcinosi?") is not urgent - unless the message opens with the bare symptom
("dolore al petto, è un sintomo?"). Everything else that looks like a present severe
symptom is reported as urgent: a false alarm costs less than a missed emergency.
Self-harm wording is never suppressed.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import NamedTuple

from bot.questions import question_part
from bot.senses import SPORT
from bot.text import normalize

__all__ = ["asks_dose", "asks_personal_advice", "classify", "is_urgent", "normalize"]

URGENT = "urgenza"
PERSONAL_ADVICE = "consiglio_personale"

# -------------------------------------------------------------------------- match form

_CHAT_WORDS = {"nn": "non", "ke": "che", "xke": "perche", "xche": "perche", "gnente": "niente", "qnd": "quando"}
_CHAT_RE = re.compile(r"\b(?:nn|ke|xke|xche|gnente|qnd)\b")
_SQUEEZE_TEXT = re.compile(r"([a-z])\1+")
_SQUEEZE_PATTERN = re.compile(r"(?<!\\)([a-z])\1+")


# Laughing faces become a laugh the rules can read ("chiamate il 118, ho mangiato il
# prosciutto 🤣"): normalize() drops emojis.
_LAUGH_EMOJI = re.compile("[\U0001F602\U0001F923\U0001F605\U0001F606\U0001F639\U0001F61C\U0001F61D\U0001F61B]")


def _match_form(text: str) -> str:
    text = _CHAT_RE.sub(lambda m: _CHAT_WORDS[m.group(0)], normalize(_LAUGH_EMOJI.sub(" ahah ", text)))
    return _SQUEEZE_TEXT.sub(r"\1", text)


def _sq(pattern: str) -> str:
    """Squeeze doubled letters in a pattern written in ordinary spelling.

    Letters right after a backslash are left alone, so escapes such as ``\\b`` or
    ``\\s`` are never merged with the following letter.
    """
    return _SQUEEZE_PATTERN.sub(r"\1", pattern)


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile(_sq("|".join(f"(?:{a})" for a in alternatives)))


def _alt(*words: str) -> str:
    return "(?:" + "|".join(words) + ")"


_W = r"(?:\s+\w+)"  # one more word (used with bounded repetitions only)

# --------------------------------------------------------------------------- negation

# A symptom is negated when it directly follows a negator plus a few filler words:
# "non ho (la) febbre", "non mi fa male il petto", "nessun dolore", "senza febbre",
# "né dolore al petto". Any other word in between ("non so se è ...", "non ho mai
# avuto un dolore così") breaks the negation, so the symptom still counts.
_FILLER = _alt(
    "ho", "ha", "hanno", "abbiamo", "avevo", "aveva", "c", "ce", "e", "ci", "sono", "sento",
    "sente", "sentiamo", "un", "una", "uno", "il", "la", "l", "lo", "i", "le", "gli",
    r"alcun\w*", r"nessun\w*", "piu", "ancora", "di", "del", "della", "dei", "delle",
    "mi", "fa", "fanno", "da", "sembra", "proprio", "per", "niente", "affatto", "mai",
    "sto", "sta", "stiamo", "stanno", "stavo", "stava", "si",
)
_NEGATED_TAIL = re.compile(
    _sq(
        rf"\b(?:non|nessun[oa]?|niente|senza|ne|zero)\s+(?:{_FILLER}\s+){{0,4}}$"
        r"|\b(?:non e che|niente che (?:mi|ti|ci) fa\w*|nulla che (?:mi|ti|ci) fa\w*)\s+(?:\w+\s+){0,1}$"
    )
)
_NEGATION_LOOKBACK = 60


# "mai avuto svenimenti", but not "mai avuto un dolore così" (the worst ever is a red flag).
_NEVER_TAIL = re.compile(_sq(rf"\bmai (?:(?:avut[oaie]|stat[oaie]|succes\w*)\s+)?(?:{_FILLER}\s+){{0,3}}$"))
_LIKE_NEVER_BEFORE = re.compile(
    _sq(
        r"\bcosi\b(?!\s+(?:non|da|che|ci|vi|ti|mi|lo|la|si)\b)|\bcome (?:questo|questa|quest[oa] volta|ora|"
        r"adesso|oggi|stanotte)\b|\bdel genere\b|\bsimil\w*|\bprima d ora\b|\bin vita mia\b"
    )
)
_LIKE_NEVER_WINDOW = 30
_PAIN_WORD = re.compile(_sq(r"dolor|male|mal di|fitt"))


def _negated(text: str, start: int, end: int | None = None) -> bool:
    before = text[max(0, start - _NEGATION_LOOKBACK) : start]
    if _NEGATED_TAIL.search(before) is not None:
        return True
    return (
        end is not None
        and _NEVER_TAIL.search(before) is not None
        and not (_PAIN_WORD.search(text, start, end) and _LIKE_NEVER_BEFORE.search(text, start, end + _LIKE_NEVER_WINDOW))
    )


def _positions(regex: re.Pattern[str] | _Rule, text: str, negatable: bool = True) -> list[int]:
    return [
        m.start() for m in regex.finditer(text) if not (negatable and _negated(text, m.start()))
    ]


def _found(regex: re.Pattern[str] | _Rule, text: str, negatable: bool = True) -> bool:
    for m in regex.finditer(text):
        if not (negatable and _taken_back(text, m.start(), m.end())):
            return True
    return False


def _taken_back(text: str, start: int, end: int) -> bool:
    """The symptom at ``text[start:end]`` is denied before or after ("febbre niente"), is
    long past ("anni fa sono svenuta"), or a figure of speech."""
    return (
        _negated(text, start, end)
        or _NEGATED_AFTER.match(text, end, end + _NEGATED_AFTER_WINDOW) is not None
        or _dismissed(text, start, end)
        or _long_past(text, start, end)
    )


# What follows a symptom and takes it back: it is over ("ora passato"), or it is a figure of
# speech ("quasi svenuta quando mi hanno detto il ticket", "soffocare dalle regole della
# dieta", "emergenza dieta: cosa cucino?").
_DISMISSED_AFTER = re.compile(
    _sq(
        r"\W*(?:(?:\w+\W+){0,2}?(?:"
        r"quando (?:\w+ ){0,5}?(?:mi |ci |l )?(?:hanno|ha|ho) (?:detto|chiesto|letto|visto|"
        r"sentito|comunicato|fatto vedere|dato|mostrato|fatto leggere|consegnato|spiegato|elencato)"
        r"|(?:ora|adesso|poi|ormai|gia) (?:e |ora )?passat|gia dato"
        r"|(?:dall?[ea]?|da (?:tutt[aei] )?(?:quest[aei]|quell[aei]|st[aei]))\s*(?:regol|dieta|burocrazi|cart[ae]|domand|"
        r"pensier|impegn|preoccupazion|divieti|cose da fare|visit|analisi|esami|controll|ospedal|appuntament|scadenz))"
        r"|(?:\w+\W+){0,2}?(?:l idea|il pensiero|all idea|al pensiero)\b"
        r"|(?:dieta|menu|ricett\w*)\b)"
    )
)
_DISMISSED_WINDOW = 50
# Said right after the symptom: "febbre niente", "febbre non ne ha", "febbre zero".
_NEGATED_AFTER = re.compile(
    _sq(r"\s+(?:niente|zero|nessun\w*|mai|no|non (?:ne|ce l|l) \w+|non c e)\b")
)
_NEGATED_AFTER_WINDOW = 20
# A red flag told as a story long ago ("anni fa sono svenuta durante un prelievo", "l'anno
# scorso aveva avuto la febbre"), a fear of needles ("svengo solo a vedere un ago"), a laugh
# or boredom ("non riesco a respirare dal ridere", "mi sento morire dalla noia"). A recent
# one that is over ("è svenuta stamattina, ora sta bene") still gets the emergency answer:
# a fainting or a chest pain that passed is still a reason to be seen today.
_LONG_AGO = (
    r"(?:(?:\d+|un|due|tre|quattro|cinque|qualche|molti|tanti|diversi|parecchi) )?(?:anni|mesi) fa"
    r"|(?:un|1) (?:anno|mese) fa|in passato|un tempo"
    r"|una volta(?! (?:al|alla|a|ogni|per|la settimana|il mese|l anno|che))"
    r"|(?:l|un|dell|nell) anno scorso|lo scorso anno|(?:l|un) anno passato|da giovane|in gioventu|l ann passat\w*|(?:l|un) estate scorsa|tempo fa|da piccol\w*|da bambin\w*|da ragazz\w*"
    r"|(?:\d+|due|tre|quattro|qualche|alcune|diverse|parecchie) settimane fa|la settimana scorsa"
    r"|(?:il|lo|l) (?:mese|inverno|autunno) scorso|(?:la|l) (?:primavera|estate) scorsa|la scorsa (?:estate|primavera)"
    r"|lo scorso (?:inverno|autunno)"
    r"|quando (?:ero|era|eravamo) (?:al|alle|all|a|piccol\w*|bambin\w*|ragazz\w*|giovane)|al liceo|alle medie|alle elementari"
    r"|nel (?:19|20)\d\d"
    r"|(?:a|ad|in|lo scorso|a inizio|a fine|verso) (?:gennaio|febbraio|marzo|aprile|maggio|giugno|"
    r"luglio|agosto|settembre|ottobre|novembre|dicembre)"
)
# Said right after the symptom, it is chronic, not sudden: "il fiato corto da anni", "rossa e
# calda da qualche mese" (self-harm is never taken back).
_CHRONIC_AFTER = re.compile(
    _sq(
        r"(?:\s+\w+){0,2}?\s+da (?:(?:qualche|un|una|due|tre|quattro|cinque|sei|molti|molte|diversi|"
        r"diverse|parecchi\w*|tant\w*|\d+) )?(?:mes[ei]|ann[oi]|tempo|sempre|una vita)\b"
        # with the weather: "mi fa un male cane quando cambia il tempo"
        r"|(?:\s+\w+){0,4}?\s+solo quando (?:cammino|corro|salgo|mi muovo|sto in piedi|faccio sforzi)\b"
        r"|\s+(?:che ho|che mi viene|che sento)(?:\s+\w+){0,3}?\s+(?:la sera|la notte|la mattina|ogni sera|ogni notte|di sera|di notte)\b"
        r"|(?:\s+\w+){0,2}?\s+(?:quando cambia il tempo|col cambio di stagione|con il cambio di stagione|col freddo|"
        r"con il freddo|con l umidita|quando piove|quando (?:studia|studio|lavora|lavoro|legge|leggo|gioca|gioco) (?:troppo|tanto))\b"
    )
)
_FIGURATIVE = (
    r"(?:dal|dalle|dalla) (?:ridere|risate|noia|fame|sonno|vergogna|gioia|emozione|felicita)"
    r"|di (?:stanchezza|fatica|caldo|freddo|sonno|noia|fame|sete|vergogna|invidia|nostalgia|compiti|lavoro|impegni|curiosita|"
    r"frustrazione|rabbia|nervoso|nervosismo|ansia)"
    r"|(?:per la|dalla) (?:fame|noia|stanchezza|sete|fatica)|dentro\b"
    r"|(?:nelle|nei|nel|tra le|tra i) (?:scartoffi\w*|cart[ae]|compiti|pratiche|moduli|impegni)"
    r"|(?:solo |sempre |gia )?(?:a|al|alla|quando|se|ogni volta che) (?:vedere|vedo|vede|vista|"
    r"pensiero|pensarci|sentire|sento|devo fare|deve fare|faccio|fa|fanno|fare) (?:\w+ )?(?:un |l |il |la |i |gli |le )?(?:ago|aghi|sangue|"
    r"siring\w*|punture|prelievo|prelievi)"
    r"|(?:solo )?a pensarci|(?:solo |gia )?a (?:pensare|leggere|sentire|guardare|vederl[oaie]|vedere)\b|(?:al|solo al) (?:solo )?pensiero"
    r"|(?:leggendo|vedendo|sentendo|guardando) (?:\w+ ){0,2}?(?:prezz\w*|cont[oi]|cost[oi]|bollett\w*|scontrin\w*|ticket|"
    r"cifr\w*|parcell\w*|preventiv\w*|spes[ae])"
    r"|(?:a|al|quando|dopo aver) (?:vedere|vedo|visto|ho visto|leggere|letto|ho letto|sentire|sentito) "
    r"(?:\w+ ){0,2}?(?:prezz\w*|cont[oi]|cost[oi]|bollett\w*|scontrin\w*|ticket|cifr\w*|parcell\w*|"
    r"preventiv\w*|spes[ae])"
    r"|(?:una )?(?:risat\w*|sbadigli\w*|urlo|grido)"
    # "mi fa un male cane rinunciare alla pizza", "morire d'ansia", "da morire a forza di
    # leggere", "soffocare a gestire tutto", "soffoco sotto le ricette di mia madre"
    r"|(?:a |dover )?rinunciar\w*|(?:d|di|dall|per l) ansia|a forza di \w+"
    r"|(?:x|per) quant[ei] (?:cose|esami|visite|carte|moduli)|tra (?:prelievi|esami|visite|carte|pratiche|moduli)"
    r"|(?:leggendo|a leggere|nel leggere) (?:\w+ ){0,2}?(?:nom\w*|refert\w*|diagnos\w*|parol\w*|risultat\w*)"
    r"|a (?:gestire|organizzare|seguire|star dietro|stare dietro|ricordare) \w+|sotto (?:le|i|gli|la|il) (?:ricett\w*|regol\w*|cart\w*|pratich\w*|compiti|impegni)"
    r"|(?:co|con|per|dal|dall|da) (?:st |sto |questo |questa |quest )?(?:caldo|afa|umidita|calura)"
    r"|(?:al|il) portafoglio|alle tasche|al conto in banca"
    r"|(?:a )?(?:vedere|sentire|pensare|sapere) (?:mio|mia|i miei|le mie|il mio|la mia|che|come|lui|lei)\b"
    r"|ogni volta che (?:\w+ ){0,3}?(?:vedo|vede|penso|pensa|leggo|legge|ordinano|mangiano|parlano|apro|"
    r"guardo|piange|piangono|provo|cerco|dico|dice|dicono|parlo|parla)"
)
# "è svenuto l'anno scorso", "ho avuto la febbre anni fa": a past tense, then when.
_LONG_AGO_AFTER = re.compile(_sq(rf"(?:\s+\w+){{0,2}}?\s+(?:{_LONG_AGO})\b"))
# "il dolore fortissimo che avevo alla spalla l'anno scorso"
_PAST_CLAUSE_AFTER = re.compile(
    _sq(
        r"(?:\s+\w+){0,3}?\s+(?:che|ca) (?:avevo|aveva|avevamo|avevano|ho avuto|ha avuto|abbiamo avuto|hanno avuto|tenev\w*)\b"
        rf"(?:\s+\w+){{0,4}}?\s+(?:{_LONG_AGO}|a (?:\d+|\w+) anni)\b"
    )
)
_PAST_TENSE_BEFORE = re.compile(
    _sq(r"\b(?:e|sono|era|ero|erano|siamo|ha|ho|hanno|aveva|avevo|avevano|abbiamo)(?:\s+\w+){0,2}\s*$")
)
_FIGURATIVE_AFTER = re.compile(_sq(rf"(?:\s+\w+){{0,1}}?\s+(?:{_FIGURATIVE})\b"))
# Further on, only a habit of the mind: "il mal di testa più forte della mia vita ogni volta
# che provo a capire i geni".
_EVERY_TIME_AFTER = re.compile(
    _sq(r"(?:\s+\w+){0,4}?\s+ogni volta che (?:\w+ ){0,3}?(?:provo|cerco|penso|leggo|dico|parlo|sento parlare) a?\b")
)
# A feeling put down to fear ("sembra che svenga dalla paura", "mi sentivo soffocare nel tubo
# per la claustrofobia"), unless it happened ("è svenuta dalla paura": a fainting all the same).
_FEAR_AFTER = re.compile(
    _sq(r"(?:\s+\w+){0,3}?\s+(?:dalla|dallo|per la|per lo) (?:paura|terrore|spavento|fifa|claustrofobia)\b")
)
_FEAR_OF_BEFORE = re.compile(_sq(r"\b(?:sogno|sognato|sognavo|ho paura|paura|temo|terrore|incubo) di\s*$"))
_HAPPENED = re.compile(r"(?:ut|at|ment)[oaie]$")
# "ridevo così tanto che mi mancava il fiato"
_LAUGH_BEFORE = re.compile(
    _sq(r"\b(?:rid(?:o|i|e|ono|evo|eva|evamo|evano|endo|ere|iamo|ete)|risat\w*)\b(?:\s+\w+){0,7}\s*$")
)
_LONG_AGO_BEFORE = re.compile(_sq(rf"\b(?:{_LONG_AGO})\b(?P<told>(?:\s+\w+(?:,\w+)?){{0,8}})\s*$"))
# Further back when the symptom is told in the imperfect: "anni fa la massa mi bloccava la
# gamba e avevo dolori tremendi".
_LONG_AGO_FAR_BEFORE = re.compile(
    _sq(rf"\b(?:{_LONG_AGO}|(?:a|all eta di) (?:\d+|\w+) anni)\b(?P<told>(?:\s+\w+){{0,18}})\s*$")
)
_IMPERFECT_BEFORE = re.compile(
    _sq(
        r"\b(?:avevo|aveva|avevamo|avevano|facevo|faceva|facevano|era|ero|erano|stavo|stava|"
        r"(?:sono|e|siamo) stat[oaie]|(?:ho|ha|abbiamo|hanno) avuto|(?:mi sono|si e|ci siamo|si era|mi ero) \w+[tsr][oaie]|"
        r"(?:ho|ha) (?:sentito|provato|passato)|(?:mi )?ricordo)(?:\s+\w+){0,9}\s*$"
    )
)
# A new, present event after the story brings the symptom back: "anni fa ... ora ho".
_NOW = re.compile(_sq(r"\b(?:ora|adesso|oggi|ieri|stanotte|stamattina|stasera|da ieri)\b"))
_STORY_WINDOW = 70


# A dream ("faccio sempre lo stesso incubo: ... sento di soffocare"), a thought ("ogni volta
# che ci penso mi manca il respiro").
_DREAM_OR_THOUGHT_BEFORE = re.compile(
    _sq(
        r"\b(?:incubo|incubi|sogno|sognato|sognavo)\b(?:\s+\w+){0,16}\s*$"
        r"|\b(?:ogni volta che|quando|solo a|a) (?:ci )?pens\w*\b(?:\s+\w+){0,2}\s*$"
    )
)
# Something that is not a body as the subject: "la burocrazia mi sta soffocando", "questa
# dieta mi uccide".
_FIGURATIVE_SUBJECT_BEFORE = re.compile(
    _sq(
        r"\b(?:burocrazi\w*|dieta|regol\w*|cart[ae]|pratich\w*|lavoro|pensier\w*|situazion\w*|"
        r"impegn\w*|scuola|modul\w*|bollett\w*|debit\w*|domand\w*|preoccupazion\w*|storia|ansia|angoscia|tristezza|"
        r"madre|padre|mamma|famiglia|genitori|suocer[ao])"
        r"\s+(?:che\s+)?(?:mi|ci|ti|la|lo|li|le)\s+(?:sta\w*\s+)?$"
    )
)


# A reaction to news ("quando ha letto la parola tumorale è quasi svenuto").
_REACTION_BEFORE = re.compile(
    _sq(
        r"\bquando (?:\w+ ){0,2}?(?:ha|ho|hanno|abbiamo|mi hanno|gli hanno|le hanno|ci hanno) "
        r"(?:letto|sentito|visto|saputo|detto|comunicato|nominato|parlato di|pronunciato)\b(?:\s+\w+){0,14}\s*$"
    )
)
# "se avessi dolori fortissimi di notte a chi mi rivolgo?": a question about a case to come,
# up to a word that brings it back to the present ("se avessi saputo prima... ora ho").
_NOT_NOW_WORD = r"(?:\s+(?!ora\b|adesso\b|oggi\b|stamattina\b|stanotte\b|stasera\b|invece\b)\w+)"
_HYPOTHETICAL_BEFORE = re.compile(
    _sq(
        r"\b(?:quando|se) (?:uno|una|si|qualcuno) (?:ha|prende|gli viene|le viene|viene)\b(?:\s+\w+){0,3}\s*$"
        rf"|\bse\b(?:\s+\w+){{0,6}}?\s+(?:uno|una|qualcuno)(?: (?:si sente|sente|prova|ha))?\b{_NOT_NOW_WORD}{{0,4}}\s*$"
        # a fear of what may come: "ho paura che da grande avrò un dolore da morire"
        r"|\b(?:ho paura|temo|paura) che\b(?:\s+\w+){0,8}?\s+(?:avro|avra|verra|venga|faccia|facciano|torni|tornino|ritorni|possa|diventi)\b(?:\s+\w+){0,3}\s*$"
        r"|\b(?:in caso di|nel caso|quando e il caso di|quali sono i segn\w*|come (?:si )?riconosc\w*|"
        r"come ci si accorge|come (?:si )?capisce|come (?:faccio|si fa) a capire|come accorgersi|"
        r"cosa (?:devo |dobbiamo |si deve |bisogna )?fare (?:se|quando|in caso)|protocoll\w*|elencat\w*|(?:una |la )?regola|da tenere d occhio|"
        r"segnali d allarme|campanelli d allarme|ipoteticamente|in teoria|"
        r"(?:ho |avevo )?(?:subito )?(?:pensato|pensavo|credevo|temevo) che|"
        r"(?:e |sono )?stat[oaie] (?:molto )?chiar(?:o|a|i|e|issim[oaie])|"
        rf"ipotizziamo|mettiamo|supponiamo|va considerat\w*)\b{_NOT_NOW_WORD}{{0,22}}\s*$"
        r"|\b(?:se|nel caso|qualora|casomai|mettiamo che)\s+(?:\w+\s+){0,10}?(?:avessi|avesse|avessimo|"
        r"dovessi|dovesse|dovessero|venisse|venissero|capitasse|capitassero|succedesse|fosse|"
        r"(?:sent|prov|avvert|not|accorg|trov|ved|sven)\w*(?:assi|essi|issi)|"
        r"\w{3,}(?:asse|esse|isse|assero|essero|issero))\b"
        rf"{_NOT_NOW_WORD}{{0,8}}\s*$"
        rf"|\b(?:se|quando|nel caso che) (?:un giorno|mai|per caso|in futuro|prima o poi|dovesse)\b{_NOT_NOW_WORD}{{0,8}}\s*$"
        rf"|\b(?:domanda generale|domanda teorica|non riguarda me|per curiosita|in generale)\b{_NOT_NOW_WORD}{{0,14}}\s*$"
        # an instruction given: "mi hanno detto che se il dolore diventa insopportabile devo chiamare"
        r"|\b(?:detto|spiegato|consigliato|raccomandato|scritto|ripetuto)\b(?:\s+\w+){0,4}?\s+(?:di |che )?"
        rf"(?:se|quando|nel caso|in caso)\b{_NOT_NOW_WORD}{{0,12}}\s*$"
    )
)
# Someone outside the family, told as the story before one's own question: "la mia compagna
# di stanza è svenuta ieri in palestra ... io ho la calcinosi e mi chiedo". A relative, or
# someone in trouble now ("il mio collega è svenuto, cosa faccio?"), is still an emergency.
_SOMEONE_ELSE_BEFORE = re.compile(
    _sq(
        r"\b(?:compagn\w* di (?:stanza|classe|scuola|corso|squadra|banco)|vicin\w* (?:di letto|di casa|di stanza)|"
        r"vicin[oa] di|coinquilin\w*|un signore|una signora|un ragazzo|una ragazza|un bambino|una bambina|"
        r"letto accanto|un altro (?:ospite|paziente|signore|ragazzo|bambino)|un'?altra (?:ospite|paziente|signora)|"
        r"(?:la mia|il mio|una|un) vicin[oa]|(?:il|la) (?:figli[oa]|bambin[oa]|ragazz[oa]|nipote) di (?:una|un|mia|mio) (?:mia |mio )?(?:amic[oa]|conoscent[ei]|collega|vicin[oa]))\b"
        r"(?:\s+\w+){0,18}\s*$"
    )
)
_REPORTED_PAST_BEFORE = re.compile(
    _sq(
        rf"\b(?:diceva|dicevano|diceva sempre|raccontava)\b{_NOT_NOW_WORD}{{0,6}}\s*$"
        r"|\b(?:dice|racconta|ha detto|mi ha detto) che\b(?:\s+\w+){0,3}?\s+(?:si sentiva|sentiva|aveva|le veniva|"
        r"gli veniva|le mancava|gli mancava|stava per)\s*$"
    )
)
# "se la massa diventasse calda": an "if" just before the symptom, its verb (an imperfect
# subjunctive) inside or right after it.
_IF_NOW_BEFORE = re.compile(_sq(r"\bse (?:\w+\s+){1,12}$"))
_NOT_NOW_NOTE = re.compile(
    _sq(
        r"\b(?:per ora|x ora|ora|adesso|al momento|oggi) (?:e |va )?(?:tutto (?:ok|bene|a posto|tranquillo)|niente|nulla|no|"
        r"(?:sto|sta|stiamo) (?:bene|benissimo|benone))\b|\be tutto a posto\b|\bper sapere prima\b"
        r"|\b(?:finora|per fortuna) niente di tutto questo\b|\bniente di tutto questo\b"
        r"|\bchiedo (?:per|x) sapere\b|\b(?:per|x) essere preparat\w*|\bvoglio essere preparat\w*|\bper sapere come comportarmi\b"
    )
)
_IF_BEFORE = re.compile(_sq(r"\b(?:se|qualora|casomai|nel caso che)\s+(?:\w+\s+){0,3}$"))
_IF_PRESENT_BEFORE = re.compile(_sq(r"\bse (?:\w+\s+){1,6}$"))
_SUBJUNCTIVE = re.compile(_sq(r"\b\w{3,}(?:asse|esse|isse|assero|essero|issero)\b"))
_REPORTED_BEFORE = re.compile(_sq(r"\b(?:dice|racconta|ha detto|mi ha detto|diceva) che\s*$"))
_IMPERFECT_SAID = re.compile(_sq(r"\b(?:sentiva|veniva|mancava|aveva|faceva)\b"))
# "cosa si fa se esce del pus? non a me, chiedo perché ne parlavano"
_NOT_ME_AFTER = re.compile(_sq(r"\b(?:non a me|non parlo di me|chiedo per (?:un amic\w*|un amica|curiosita|sapere))\b"))
# The red flags listed as what a doctor described ("febbre alta + ferita aperta: è lo
# scenario che il medico mi ha descritto"; "queste sono le cose per cui correre al ps").
_SCENARIO_AFTER = re.compile(
    _sq(r"\b(?:e lo scenario|lo scenario che|mi ha(?:nno)? descritto|queste sono le cose per cui|sono i segnali per cui|sono i casi in cui)\b")
)
# "...scherzo, respiro mille volte meglio!"
_JOKE_AFTER = re.compile(_sq(r"\b(?:scherzo|scherzavo|sto scherzando|era una battuta|a parte gli scherzi|scherzi a parte)\b"))
_OWN_QUESTION_AFTER = re.compile(
    _sq(r"\bio (?:invece |ho |sono |ero |mi |volevo |vorrei |cosa |come |che )|\b(?:il mio|la mia) (?:invece |non |ha |e |sta )")
)
# A story read or heard about someone else ("su un forum ho letto di una ragazza finita al
# pronto soccorso con la febbre"), up to a word of one's own present.
_READ_ABOUT_BEFORE = re.compile(
    _sq(
        r"(?:\b(?:ho letto|ho sentito|abbiamo letto|leggo|ho visto (?:un|il) video|raccontava|racconta|ho ancora negli occhi|il ricordo)"
        r"(?:\s+\w+){0,3}? (?:di|che|la storia di|su)"
        # a film, a book, a quote: "nel film il protagonista crollava", "cito il mio reumatologo"
        r"|\b(?:nel|in un|in una|nella) (?:film|serie|telefilm|libro|libri|romanzo|documentari\w*|programma|servizio)"
        r"|\b(?:in|alla) (?:tv|televisione)\b|\bnei libri|\bil protagonista"
        r"|\bla protagonista|\bun personaggio|\bsi parla di)\b"
        r"(?:\s+(?!ho\b|io\b|mi\b|ora\b|adesso\b|oggi\b|sono\b|mio\b|mia\b|stamattina\b|stanotte\b)\w+){0,14}\s*$"
    )
)
# Fear of needles or of tests told before the faint: "ogni volta che vedo un ago quasi svengo".
_NEEDLES_BEFORE = re.compile(
    _sq(
        r"\b(?:ogni volta che|quando|se|solo a|a) (?:gli |le |mi |ci |ti )?(?:vedo|vede|vedere|sento|sentir|sentire|faccio|fa|fanno|facciamo|fate) (?:\w+ ){0,2}?"
        r"(?:un |l |il |gli |i |le |la )?(?:ago|aghi|sangue|prelievo|prelievi|siring\w*|punture|esami|analisi|dottori|medici|parola)\b"
        r"(?:\s+\w+){0,6}\s*$"
    )
)
# A doctor's words quoted: "cito il mio reumatologo: 'pelle rossa, calda e febbre? non aspettare'".
_QUOTE_BEFORE = re.compile(_sq(r"\b(?:cito|citando|come dice sempre|come ripete sempre)\b(?:\s+\w+){0,14}\s*$"))
_HELP_NOW = re.compile(
    _sq(
        r"\b(?:cosa (?:faccio|facciamo|devo fare)|aiut\w*|(?:chiamo|chiamiamo|chiamare|chiamate|chiama)\b"
        r"|(?<!chiamato )(?<!chiamato il )(?:112|118))\b"
    )
)
# The heat: "che caldo oggi, soffoco proprio".
_HEAT = re.compile(_sq(r"\b(?:caldo|afa|afos\w*|calura|umidita)\b"))
# Feeling short of air in the MRI tube: claustrophobia, not a breathing problem.
_CLAUSTROPHOBIA = re.compile(_sq(r"\b(?:claustrofob\w*|risonanz\w*|nel tubo|col tubo|li dentro|gastroscopi\w*)\b"))
_AIR = re.compile(_sq(r"soffoc|manc\w* (?:l )?aria"))
# A fainting at a blood test, told with "now he is fine": a vasovagal faint, not today's
# emergency ("al primo prelievo è svenuto, adesso sta benissimo ma ha paura del prossimo").
_BLOOD_TEST_BEFORE = re.compile(_sq(r"\b(?:al|ai|durante il|durante un|dopo il|all ultimo|al primo) (?:prelievo|prelievi)\b"))
_BLOOD_TEST_AFTER = re.compile(_sq(r"\s+(?:al|ai|durante il|durante i|dopo il) (?:prelievo|prelievi)\b"))
_LONG_AGO_SOON = re.compile(_sq(rf"(?:\s+\w+){{0,4}}?\s+(?:{_LONG_AGO})\b"))
_LAST_TIME_BEFORE = re.compile(_sq(r"\b(?:l ultima volta|la volta scorsa|ogni volta|sempre)\b(?:\s+\w+){0,3}\s*$"))
_REASSURED_AFTER = re.compile(
    _sq(r"\b(?:mi ha(?:nno)? (?:tranquillizzat\w*|rassicurat\w*)|era solo perche|ero a digiuno|per il digiuno|guarit\w* del tutto)\b")
)
_FINE_NOW = re.compile(
    _sq(r"\b(?:(?:adesso|ora|poi|da allora) )?(?:sta|sto|stiamo|e stato|si e ripres\w*|mi sono ripres\w*) "
        r"(?:molto |tanto |gia |un po )?(?:bene|benone|benissimo|meglio|alla grande|una favola)\b|\btutto passato\b"
        r"|\bsi (?:riprende|e ripres[oa]|e rialzat[oa]|rialza) subito\b")
)
# Out of breath after a race "like everyone else": effort, not a breathing problem.
_AIR_EFFORT = re.compile(_sq(r"affann|fiato|fiatone"))
_RAN_BEFORE = re.compile(_sq(r"\b(?:ho corso|abbiamo corso|correndo|di corsa|dopo (?:la|una) corsa|fatto le scale di corsa)\b"))
_ONLY_ON_EFFORT = re.compile(_sq(r"(?:\s+\w+){0,4}?\s+solo quando (?:vado|faccio|salgo|corro|pedalo)\b"))
_LIKE_EVERYONE = re.compile(_sq(r"\bcome tutti\b|\bcome chiunque\b"))


# A laugh right after the words ("sviene se le tolgo la nutella ahaha", "chiamate il 118 🤣"),
# or right before them with nothing of one's own in between ("ahah il dolore più forte della
# mia vita? quando la dietista..."): a joke.
_LAUGHTER = r"(?:a?(?:ha){2,}h?|(?:ah){2,}h?|ahah\w*|hihi\w*|lol|xd)"
_LAUGH_AFTER = re.compile(_sq(rf"\b{_LAUGHTER}\b"))
_LAUGH_RIGHT_BEFORE = re.compile(_sq(rf"\b{_LAUGHTER}\s+(?:(?:il|la|lo|l|un|una|che)\s+)?$"))
_LAUGH_WINDOW = 60
# What is happening now, said after a story or an instruction: "il medico aveva detto che se
# ho dolore al petto devo chiamare il 112... ecco, ce l'ho adesso".
_HAPPENING_NOW = re.compile(
    _sq(
        r"\b(?:ce (?:l|li|le) (?:ho|ha)|mi sta succedendo|gli sta succedendo|le sta succedendo|sta succedendo|mi sta venendo) "
        r"(?:proprio )?(?:adesso|ora|in questo momento)\b"
        r"|\b(?:adesso|ora|in questo momento|ecco) (?:ce (?:l|li|le) (?:ho|ha)|mi sta succedendo|sta succedendo)\b"
    )
)
# Over, and a doctor has seen it: "la febbre è passata e il medico ha detto che non era
# infetta", "il dolore al petto dell'altra settimana era muscolare, in ps mi hanno fatto l'ecg".
_OVER_AFTER = re.compile(
    _sq(
        r"(?:\s+\w+){0,5}?\s+(?:e |era |ora e |e gia |e finalmente |finalmente e |poi )?(?:passat\w*|finit\w*|sparit\w*|"
        r"guarit\w*|chius\w*|rientrat\w*)\b"
        r"|(?:\s+\w+){0,6}?\s+era (?:solo |soltanto )?(?:muscolar\w*|ansia|il caldo|stress|niente|nulla|una contrattura|"
        r"intercostal\w*|gastrit\w*|reflusso)\b"
    )
)
_SEEN_BY = re.compile(
    _sq(
        r"\b(?:medic[oa]|dottor\w*|pediatra|pronto soccorso|ps|guardia medica|ospedale|ambulatorio|specialista|"
        r"cardiolog\w*|reumatolog\w*|endocrinolog\w*|ortoped\w*|chirurg\w*)\b"
    )
)
_SEEN_HOW = re.compile(
    _sq(
        r"\b(?:visitat\w*|controllat\w*|ha detto|hanno detto|ha spiegato|ci ha spiegato|ha visto|hanno visto|dimess\w*|(?:fatto|fatti) (?:l |gli )?"
        r"(?:ecg|elettrocardiogramma|esami)|tutto (?:normale|a posto|ok)|era tutto)\b"
    )
)
_FINE_AGAIN = re.compile(
    _sq(
        r"\b(?:stavo|stava|sono stat[oa]|e stat[oa]) (?:di nuovo |gia )?(?:bene|meglio)\b|\b(?:ora|adesso) (?:sta|sto|stiamo) (?:bene|benissimo|meglio)\b"
        r"|\b(?:e|poi e) passat[oa] tutto\b|\bpassato tutto\b"
    )
)
# A cause the doctor named that is not a red flag: a fever with the flu, checked.
_BADLY_BEFORE = re.compile(
    _sq(r"\b(?:guard\w*|tratt\w*|rispond\w*|parl\w*|scriv\w*|vest\w*|finit[oa]|andat[oa]|mess[oa]|cucin\w*|dorm\w*)\s+$")
)
_GOT_UP_AFTER = re.compile(_sq(r"\bsi e (?:subito )?rialzat[oa](?: subito)?\b"))
_SAME_OLD_AFTER = re.compile(_sq(r"\b(?:sempre lo stesso dolore|lo stesso dolore da anni|lo conosco bene|il solito dolore)\b"))
_BENIGN_CAUSE = re.compile(_sq(r"\b(?:virus|virale|influenza|influenzale|raffreddore|gola rossa|otite|tosse)\b"))
_BACK_AGAIN = re.compile(_sq(r"\b(?:di nuovo|ancora|ricominciat\w*|tornat\w*|ripres\w*|peggiorat\w*)\b"))
# Not meant as a body's complaint: "mi fa male il cuore quando lo lascio, ma è tristezza, non un
# dolore vero".
_NOT_REAL_AFTER = re.compile(
    _sq(
        r"\be solo (?:paura|ansia)\b|\bfisicamente sto bene\b"
        r"|\b(?:non e |non |nn )un dolore vero\b|\bma e (?:solo )?(?:tristezza|ansia|emozione|nostalgia|un modo di dire)\b"
        r"|\bin senso figurato\b|\b(?:e |solo )?un modo di dire\b"
    )
)
# The words only mentioned: "se scrivo 'dolore al petto' per provare, lo legge qualcuno?"
_MENTIONED_BEFORE = re.compile(
    _sq(r"\b(?:se (?:ti |vi )?(?:scrivo|scrivessi|digito|dico|dicessi)|(?:la|le) parol[ae]|la frase)\s*$")
)
_MENTIONED_WHY = re.compile(
    _sq(r"\bper (?:provare|prova|test)\b|\bcosa (?:succede|rispondi|risponde)\b|\b(?:lo|la) legge\b|\bchi legge\b|\bsalvat\w*")
)
# The words of a joke: a laugh is read only around these (a fever of 39.5 stays one, laugh or not).
_FALSE_ALARM = re.compile(
    _sq(r"\b(?:era (?:solo |soltanto )?(?:un graffio|niente|nulla|una sciocchezza)|niente di grave|falso allarme|si spaventano per niente)\b")
)
_WANTED_TO_CALL_BEFORE = re.compile(_sq(r"\b(?:voleva|volevano|stava per|stavano per) (?:chiamare|far venire)\s+(?:\w+\s+)?$"))
_EMERGENCY_WORDS = re.compile(_sq(r"112|118|ambulanz|emergenz|pronto soccorso"))
_HYPERBOLE_WORDS = re.compile(_EMERGENCY_WORDS.pattern + "|" + _sq(r"sven|svien|soffoc|mor|della mia vita"))
# A relative's complaint of long ago: "mia nonna aveva sempre dolori al petto, era il cuore;
# è mancata anni fa a 90 anni".
_RELATIVE_PAST_BEFORE = re.compile(
    _sq(
        r"\b(?:mia|mio) (?:nonn[ao]|bisnonn[ao]|prozi[ao]|zi[ao]|padre|madre|papa|mamma)\b(?:\s+\w+){0,2}?\s+"
        r"(?:aveva|soffriva|era|stava|sentiva)\b(?:\s+\w+){0,3}\s*$"
    )
)
_FEAR_THAT_BEFORE = re.compile(_sq(r"\b(?:ho|ha|hanno|abbiamo) paura che\b(?:\s+\w+){0,6}\s*$"))
_CHILLS_OF_FEELING = re.compile(_sq(r"\bvenire i brividi\b"))  # "mi ha fatto venire i brividi"
_GONE_FOR_GOOD = re.compile(_sq(r"\b(?:e|sono) (?:mancat\w*|mort[oa]|scompars\w*)\b|\bbuonanima\b"))


_NEAR = 400
# Words looked for in a symptom as said, in the squeezed form of the text (bot.safety._match_form).
_SOFFOC, _RICETTA, _MALISSIM = _sq("soffoc"), _sq("ricetta"), _sq("malissim")


class _Around(NamedTuple):
    """A symptom found at ``text[start:end]`` and the windows around it, sliced once."""

    text: str
    start: int
    end: int
    said: str
    before: str  # a clause before
    far: str  # a whole sentence or two before
    after: str
    near: str  # the neighbourhood, for clues anywhere around it (bounded: long messages stay cheap)


def _around(text: str, start: int, end: int) -> _Around:
    return _Around(
        text, start, end, text[start:end], text[max(0, start - _STORY_WINDOW) : start],
        text[max(0, start - 2 * _STORY_WINDOW) : start], text[end : end + _STORY_WINDOW],
        text[max(0, start - _NEAR) : end + _NEAR],
    )


def _told_as_story(a: _Around) -> bool:
    """The symptom is someone else's, read, quoted, described by a doctor, hypothetical,
    reported in the past or joked about, not the writer's present."""
    text, start, end, said, before, far = a.text, a.start, a.end, a.said, a.before, a.far
    if _REACTION_BEFORE.search(far) or _HYPOTHETICAL_BEFORE.search(far) or _READ_ABOUT_BEFORE.search(far):
        return True
    if _QUOTE_BEFORE.search(far) or _NEEDLES_BEFORE.search(before) or _SCENARIO_AFTER.search(text, end, end + 120):
        return True
    if _NOT_ME_AFTER.search(text, end, end + 80):
        return True
    if _REPORTED_PAST_BEFORE.search(before) or _JOKE_AFTER.search(text, end, end + 60):
        return True
    if _HYPERBOLE_WORDS.search(said + a.after[:25]) and (
        _LAUGH_AFTER.search(text, end, end + _LAUGH_WINDOW) or _LAUGH_RIGHT_BEFORE.search(before)
    ):
        return True
    if _MENTIONED_BEFORE.search(before) and _MENTIONED_WHY.search(a.near):
        return True
    if _NOT_REAL_AFTER.search(text, end, end + _STORY_WINDOW) or _DREAM_OR_THOUGHT_BEFORE.search(far):
        return True
    if _FEAR_THAT_BEFORE.search(before) and _FINE_NOW.search(text, end, end + _NEAR):
        return True  # "ha paura che durante la lezione svenga... lui sta bene"
    if "brivid" in said and _CHILLS_OF_FEELING.search(text, max(0, start - 30), end + 5):
        return True
    if _RELATIVE_PAST_BEFORE.search(before) and _GONE_FOR_GOOD.search(a.near) and not _NOW.search(text, end, end + _NEAR):
        return True
    if "morire" in said and _IF_PRESENT_BEFORE.search(before):
        return True
    if _IF_BEFORE.search(before) and _SUBJUNCTIVE.search(text, start, end + 30):
        return True
    if (_IF_NOW_BEFORE.search(before) or _EMERGENCY_WORDS.search(said)) and _NOT_NOW_NOTE.search(a.near):
        return True
    if _EMERGENCY_WORDS.search(said) and (_FALSE_ALARM.search(a.near) or _WANTED_TO_CALL_BEFORE.search(before)):
        return True
    if _REPORTED_BEFORE.search(before) and _IMPERFECT_SAID.search(said):
        return True
    return bool(
        _SOMEONE_ELSE_BEFORE.search(far)
        and (_OWN_QUESTION_AFTER.search(text, end) or _FINE_NOW.search(text, end, end + 2 * _STORY_WINDOW))
        and not _HELP_NOW.search(a.after)
    )


def _seen_by_a_doctor(near: str) -> bool:
    """A doctor (or the emergency room) saw it and said or did something: "il medico l'ha
    visitata", "in ps mi hanno fatto l'ecg"."""
    return _SEEN_BY.search(near) is not None and _SEEN_HOW.search(near) is not None


def _explained(a: _Around, happened: bool) -> bool:
    """The symptom has a harmless cause told with it: fear of the MRI tube, the heat, effort,
    a blood test, or the writer was reassured afterwards."""
    text, start, end, said, before, after = a.text, a.start, a.end, a.said, a.before, a.after
    if _AIR.search(said) and not happened and _CLAUSTROPHOBIA.search(before + said + after):
        return True
    if (_AIR.search(said) or "sven" in said) and _FEAR_OF_BEFORE.search(before):
        return True
    if _SOFFOC in said and _HEAT.search(text[max(0, start - 40) : end + 40]):
        return True
    if "sven" in said and _HEAT.search(after[:40]) and _OWN_QUESTION_AFTER.search(text, end, end + _NEAR):
        return True
    if _BLOOD_TEST_AFTER.match(text, end) and (
        _LONG_AGO_SOON.match(text, end)
        or (_LAST_TIME_BEFORE.search(before) and not _NOW.search(text, end, end + 40))
    ):
        return True
    if _REASSURED_AFTER.search(after) and not _NOW.search(after):
        return True
    if (
        (over := _OVER_AFTER.match(text, end, end + _STORY_WINDOW) or _FINE_AGAIN.search(text, end, end + _NEAR))
        and _seen_by_a_doctor(a.near)
        and not _BACK_AGAIN.search(text, over.end(), over.end() + _NEAR)
    ):
        return True
    if _MALISSIM in said and _BADLY_BEFORE.search(before):
        return True
    if _PAIN_WORD.search(said) and _SAME_OLD_AFTER.search(text, end, end + 2 * _STORY_WINDOW):
        return True
    if "febr" in said and _seen_by_a_doctor(a.near) and _BENIGN_CAUSE.search(a.near):
        return True
    if "cadut" in said and _GOT_UP_AFTER.search(after):
        return True  # a fall, up again at once: not a faint
    if _FINE_NOW.search(after) and (_BLOOD_TEST_BEFORE.search(before) or _LIKE_EVERYONE.search(after)):
        return True
    return bool(
        (_AIR_EFFORT.search(said) or "senza fiato" in said)
        and (_LIKE_EVERYONE.search(after) or _ONLY_ON_EFFORT.match(text, end) or _RAN_BEFORE.search(before))
    )


def _dismissed(text: str, start: int, end: int) -> bool:
    a = _around(text, start, end)
    happened = _HAPPENED.search(a.said) is not None
    if (_told_as_story(a) and not _HAPPENING_NOW.search(text, end, end + _NEAR)) or _explained(a, happened):
        return True
    return (
        _DISMISSED_AFTER.match(text, end, end + _DISMISSED_WINDOW) is not None
        or _FIGURATIVE_AFTER.match(text, end, end + _DISMISSED_WINDOW) is not None
        or _EVERY_TIME_AFTER.match(text, end, end + _DISMISSED_WINDOW) is not None
        or (not happened and _FEAR_AFTER.match(text, end, end + _DISMISSED_WINDOW) is not None)
        or _FIGURATIVE_SUBJECT_BEFORE.search(a.before) is not None
    )


def _long_past(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - _STORY_WINDOW) : start]
    if (m := _LONG_AGO_BEFORE.search(before)) and not _NOW.search(before, m.start("told")):
        return True
    far = text[max(0, start - 2 * _STORY_WINDOW) : start]
    if (
        _IMPERFECT_BEFORE.search(before)
        and (m := _LONG_AGO_FAR_BEFORE.search(far))
        and not _NOW.search(far, m.start("told"))
    ):
        return True
    if _LAUGH_BEFORE.search(before):
        return True
    if _PAST_CLAUSE_AFTER.match(text, end, end + _STORY_WINDOW) or _CHRONIC_AFTER.match(text, end, end + _STORY_WINDOW):
        return True
    return bool(
        _PAST_TENSE_BEFORE.search(before) and _LONG_AGO_AFTER.match(text, end, end + _STORY_WINDOW)
    )


def _near(first: Iterable[int], second: list[int], distance: int) -> bool:
    """True if some position of ``first`` is within ``distance`` chars of one of ``second``."""
    if not second:
        return False
    for pos in first:
        i = bisect_left(second, pos - distance)
        if i < len(second) and second[i] <= pos + distance:
            return True
    return False


class _Rule:
    """A compiled pattern guarded by cheap substring tests.

    Every possible match of ``regex`` contains at least one of ``needles`` (checked by
    the unit tests), so when no needle occurs in the text the regex is not run at all.
    This keeps long messages cheap: most rules are skipped after a few ``in`` scans.
    """

    __slots__ = ("needles", "regex")

    def __init__(self, regex: re.Pattern[str], *needles: str) -> None:
        self.regex = regex
        self.needles = tuple(_sq(n) for n in needles)

    def possible(self, text: str) -> bool:
        return any(n in text for n in self.needles)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.regex.finditer(text) if self.possible(text) else iter(())

    def search(self, text: str) -> re.Match[str] | None:
        return self.regex.search(text) if self.possible(text) else None


# ------------------------------------------------------------------------- red flags

_PAIN = _alt(r"dolo?r[ei]?", "male", r"mal di \w+", r"fitt[ae]", r"cramp[oi]", r"spasm[oi]")
_PAIN_STRONG_AFTER = _alt(
    r"fortissim\w*", r"insopportabil\w*", r"insostenibil\w*", r"terribil\w*", r"tremend\w*",
    r"atroc\w*", r"lancinant\w*", r"strazian\w*", r"pazzesc\w*", r"allucinant\w*",
    r"bestial\w*", r"improvvis\w*", r"acutissim\w*", r"intensissim\w*", r"violent\w*",
    r"disuman\w*", r"incredibil\w*", r"assurd\w*", r"tremendissim\w*",
    r"(?:molto|troppo|davvero|super|cosi) fort\w*", r"fort\w* fort\w*", "cane",
    "da morire", "da impazzire", r"da url\w*", "da piangere", "da svenire",
    "di colpo", "di botto", r"all improvvis\w*", "mi sta uccidendo", "mi uccide",
    r"(?:10|9|dieci|nove) (?:su )?10",
    r"forte(?<!\bmeno forte)(?<!\bpoco forte)",
)
_PAIN_STRONG_BEFORE = _alt(
    r"fortissim\w*", r"insopportabil\w*", r"terribil\w*", r"tremend\w*", r"atroc\w*",
    r"lancinant\w*", r"improvvis\w*", r"all improvvis\w*", "di colpo", "di botto",
    r"violent\w*", r"bruttissim\w*", r"strazian\w*", "forte", "forti",
)
# "piango dal dolore", "non riesco a muovere il braccio dal dolore"
_PAIN_HOW_STRONG = _alt(
    r"piang\w*", r"url\w*", r"grid\w*", r"impazz\w*", "muoio", "muore", r"sto morendo",
    r"sveng\w*", r"svien\w*", r"vomit\w*", r"mi piego", r"contorc\w*",
)
_PAIN_HOW = _alt(
    _PAIN_HOW_STRONG, r"non riesc\w*", "non posso", "non puo", r"non dorm\w*",
    r"bloccat\w*", r"paralizzat\w*", "tremo", "trema", r"non mi regg\w*",
)
_SEVERE_PAIN = _rx(
    rf"\b{_PAIN}(?:\s+(?!non\b|ne\b|senza\b|se\b|o\b|oppure\b|mai\b|poco\b|neanche\b|nemmeno\b|mica\b)\w+){{0,4}}\s+{_PAIN_STRONG_AFTER}\b",
    rf"\b{_PAIN_STRONG_BEFORE}{_W}{{0,3}}\s+{_PAIN}\b",
    rf"\b{_PAIN_HOW}{_W}{{0,6}}\s+dal (?:dolore|male)\b",
    rf"\b{_PAIN_HOW_STRONG}{_W}{{0,3}}\s+per il (?:dolore|male)\b",
    rf"\bdal (?:dolore|male){_W}{{0,3}}\s+{_PAIN_HOW}",
    r"\b(?<!guardato )(?<!guardata )(?<!trattato )(?<!trattata )(?<!risposto )(?<!parlato )"
    r"(?<!scritto )(?<!mangiato )(?<!cucinato )(?<!dormito )(?<!ci sta )(?<!ci sto )(?<!ci resta )"
    r"(?<!ci rimane )(?<!ci e rimast[oa] )(?<!ci sono rimast[oa] )malissimo\b",
    r"\bnon ce la (?:faccio|fa|facciamo) piu(?:\s+\w+){0,3}\s+(?:dolore|male|dolori)\b",
)
_SEVERE_PAIN_RULE = _Rule(_SEVERE_PAIN, "dol", "mal", "fit", "cramp", "spasm")

_CHEST = _alt("petto", "torace", "sterno")
_CHEST_PAIN = _rx(
    rf"\b(?:dolo?r[ei]?|male?|fitt[ae]|pes[oi]|oppression\w*|strett\w*|mors\w*|costrizion\w*|"
    rf"pression\w*|trafitt\w*){_W}{{0,3}}?\s+"
    rf"(?:a|al|nel|sul|in|del|allo|sullo|dietro lo|al centro del|in mezzo al)\s+{_CHEST}\b",
    rf"\bmal di (?:{_CHEST}|cuore)\b",
    r"\bd[ou]l[ou]r\w* (?:\w+ ){0,3}?(?:m ?piett\w*|m ?bett\w*|pett[ou]|o pettu|ô pettu)\b",
    r"\bmal (?:al|in del|nel) pett\b",
    rf"\b(?:schiaccia|schiacciano|stringe|preme) (?:lo|il|al) {_CHEST}\b",
    r"\bdolor\w* toracic\w*",
    rf"\b(?:mi |gli |le |si |ci )*string\w* (?:\w+ )?(?:il|al|nel) {_CHEST}\b",
    rf"\b{_CHEST} (?:strett\w*|chius\w*|in una morsa|come in una morsa)\b",
    rf"\b(?:fa|fanno|faceva|fa molto) male (?:il|al|nel|sul|lo|allo) (?:{_CHEST}|cuore)\b",
    rf"\b{_CHEST} (?:mi |gli |le )?(?:fa|fanno|faceva) (?:molto )?male\b",
    r"\b(?:dolo?r[ei]?|male|fitt[ae])(?:\s+\w+){0,2}\s+(?:al|nel) cuore\b",
    r"\b(?:sto|sta|stia|stai|stiamo) (?:avendo|per avere) un infarto\b",
    r"\b(?:credo|penso|temo|paura|forse|sembra|potrebbe essere)(?: che)?(?: sia| stia avendo| abbia)?"
    r" un infarto\b",
    r"\binfarto in corso\b",
    r"\b(?:un )?elefante (?:seduto )?(?:sul|sopra il|sopra al) petto\b|\bcome una coltellata\b",
    r"\b(?:credo|penso|temo|ho paura) di (?:avere|stare avendo|aver) (?:avuto )?un infarto\b",
    r"\bchest (?:pain|pains|hurts|tightness)\b",
    r"\bpain in (?:my|the|his|her) chest\b",
    r"\bheart attack\b",
    r"\bbrustschmerz\w*",
    r"\bschmerzen in der brust\b",
    r"\bherzinfarkt\b",
)
_CHEST_PAIN_RULE = _Rule(
    _CHEST_PAIN, "petto", "pett", "torace", "sterno", "cuore", "toracic", "infarto", "chest", "heart",
    "brust", "herzinfarkt", "piett", "pettu", "bett", "coltellata",
)

_BREATHING = _rx(
    r"\bnon riesc\w* (?:piu |quasi )?a (?:respirar\w*|prendere (?:il )?fiato)\b",
    r"\bnon respir(?:o|a|iamo|ava|avo|ano)\b(?!(?:\s+bene)?\s+(?:col|con il|dal|con la) (?:naso|bocca)\b)(?!\s+male\b)",
    r"\brespir\w* (?:male|a fatica|con fatica|con difficolta|a stento|corto|affannos\w*)\b",
    r"\bfatica (?:a|nel) respirar\w*|\bfatica a prendere (?:il )?fiato\b|\bmi fischia il petto\b",
    r"\bfatic\w* a respirar\w*|\brespir\w* con (?:molta |grande |tanta )?fatica\b",
    r"\bmanca (?:o |lu |u )?sciat\w*|\bnun (?:rispir|respir)\w*",
    r"\bdifficolta (?:a|nel|di|nella) respir\w*",
    r"\bdifficolta respiratori\w*",
    r"\b(?:fa|fai|faccio) fatica a (?:finire|dire) (?:le frasi|una frase)\b|\bnon riesc\w* a finire (?:le frasi|una frase)\b",
    r"\bfiatone anche (?:da seduto|da seduta|da fermo|da ferma|a riposo|da sdraiat\w*)\b",
    r"\b(?:mi|gli|le) si sta gonfiando la gola\b|\brespir\w* sempre peggio\b",
    r"\b(?:respiro|fiato) cort\w*",
    r"\bsenza fiato\b",
    r"\bmanc\w*(?: \w+)? (?:l aria|il fiato|il respiro|aria|fiato|respiro)\b",
    r"\bsoffoc(?:o|a|are|ando|ato|ata|ava|avo|hiamo)\b",
    r"\baffann(?:o|ata|ato|oso|osa|osamente)\b",
    r"\bdispne\w*",
    r"\brespir\w* (?:velocissim\w*|molto veloce|rapidissim\w*|a scatti|affannat\w*)\b",
    r"\b(?:costole|costato|pancia) (?:che )?(?:rientr\w*|si (?:vede|vedono) rientrare)|\bsi (?:vede|vedono) rientrare le costole\b|\brientramenti\b",
    r"\bnon riesc\w* (?:piu )?a (?:finire le frasi|parlare per il fiato|finire una frase)\b",
    r"\blabbra (?:\w+ ){0,2}?(?:blu|viola|cianotic\w*|bluastr\w*|scur\w*|grigi\w*)\b|\bcianotic\w*|\bcianosi\b",
    # the airway closing (an allergic reaction): swollen lips or tongue, trouble swallowing
    r"\b(?:labbra|lingua) (?:\w+ ){0,2}?gonfi\w*|\bgonfi\w* (?:la |le )?(?:labbra|lingua)\b"
    r"|\b(?:fatica|difficolta|non riesc\w*) a (?:deglutire|inghiottire)\b|\bgola (?:che )?si chiude\b",
    r"\bcan ?t breathe?\b",
    r"\bcan not breathe?\b",
    r"\bcannot breathe?\b",
    r"\bunable to breathe\b",
    r"\bshort(?:ness)? of breath\b",
    r"\b(?:trouble|difficulty|struggling) breathing\b",
    r"\bstruggling to breathe\b",
    r"\batemnot\b",
    r"\bkann nicht (?:mehr )?atmen\b",
    r"\bkeine luft\b",
)
_BREATHING_RULE = _Rule(
    _BREATHING, "respir", "fiato", "aria", "soffoc", "affann", "dispne", "breath", "atemnot",
    "atmen", "luft", "rientr", "frasi", "frase", "labbra", "ciano", "sciat", "rispir", "lingua", "gola",
    "deglutire", "inghiottire", "fischia",
)

_RELATIVE = _alt(
    "papa", "mamma", "padre", "madre", r"fi?gli?[oa]", r"bambin[oa]", "marito", "moglie",
    r"nonn[oa]", r"fratell[oa]", r"sorell[ae]", "lui", "lei", r"compagn[oa]",
)
_FAINTING = _rx(
    r"\bsvenut[oaie]\b|\bsvinut[oaiu]\b",
    r"\bsveng\w*",
    r"\bsvien\w*",
    r"\bsveniment[oi]\b",
    r"\bsvenend\w*",
    r"\b(?:continua|continuano) a svenire\b|\b(?:gia )?crollat[oa] (?:due|tre|piu) volte\b",
    r"\bmancament\w*",
    r"\b(?:risvegliat|svegliat|ritrovat)\w* (?:per|a|sul|sulla) (?:terra|pavimento)\b|\bnon ricordo come ci sono finit\w*",
    # "per un minuto non mi rispondeva", not "non rispondeva ai messaggi"
    r"\bper (?:un|qualche|alcuni|due|tre) (?:minut\w*|second\w*) non (?:mi |ci |le |gli )?rispondeva\b"
    r"|\bnon (?:mi |ci |le |gli )?rispondeva piu\b(?!\s+(?:al|ai|alle|a)\b)",
    r"\b(?:sto|sta|stava|stavo|stiamo|quasi|per) (?:per )?svenire\b",
    r"\b(?:e|sta) diventa(?:t[oa]|ndo) (?:tutto |tutta )?(?:grigi[oa]|blu|viola|cianotic[oa])\b|\blabbra (?:blu|viola)\b"
    r"|\b(?:e|sta) grigi[oa] in (?:faccia|viso)\b",
    r"\b(?:mi|si|ci) sent\w* svenire\b",
    r"\b(?:perde|perso|perdere|perdo|persa|perduto|perdendo|perdeva) (?:i sensi|conoscenza|coscienza)\b",
    r"\bpriv[oa] di sensi\b",
    r"\b(?:e|sembra|rimast[oa]|giace) incoscient\w*",
    r"\bnon (?:si sveglia|risponde piu|reagisce piu|reagisce)\b",
    r"\b(?<!mezzo )(?<!come uno che sta per avere un )collass\w*\b(?!\s+sul (?:divano|letto)\b)",
    r"\b(?:crollat|accasciat)\w* (?:a|per|sul|sulla|in) (?:terra|pavimento)\b|\baccasciat\w*",
    r"\b(?:cadut|finit)[oa] (?:\w+ ){0,3}?(?:a terra|per terra|sul pavimento)\b|\be (?:a|per) terra e non\b",
    r"\bnon ricordo come\b(?:\s+\w+){0,3}?\s+(?:cadut|finit)\w*|\bvedo (?:tutto )?nero\b",
    r"\bsincop\w*",
    rf"\b{_RELATIVE}(?:\s+\w+){{0,4}}\s+non (?:risponde|reagisce)\b"
    r"(?!\s+(?:al|alle|ai|a|alla|agli|allo|mai|ancora)\b)",
    r"\bfainted\b",
    r"\bpassed out\b",
    r"\bunconscious\b",
    r"\bohnmachtig\b",
    r"\bbewusstlos\b",
)
_FAINTING_RULE = _Rule(
    _FAINTING, "sven", "svien", "svinut", "diventa", "labbra", "grigi", "sensi", "conoscenza", "coscienza", "incoscient", "sveglia",
    "risponde", "rispondeva", "mancament", "reagisce", "collass", "sincop", "crollat", "accasciat", "cadut", "terra",
    "non ricordo come", "nero", "fainted", "passed out", "unconscious", "ohnmachtig",
    "bewusstlos",
)

_SEIZURE = _rx(
    r"\bconvulsion\w*",
    r"\bconvulsiv\w*",
    r"\bconvulsand\w*",
    r"\b(?:crisi|attacc\w*) epilettic\w*",
    r"\bseizures?\b",
    r"\bkrampfanfall\w*",
)
_SEIZURE_RULE = _Rule(_SEIZURE, "convuls", "epilett", "seizure", "krampfanfall")

# "confusa su quale dieta seguire" is about information, not an altered mental state.
_CONFUSED_ABOUT = (
    r"(?!\s+(?:da|dai|dalle|dagli|dalla|dal|su|sulle|sui|sulla|sul|riguardo|tra|fra|con|"
    r"perche|per|quale|quali|cosa|se|come|sulla)\b)"
)
_CONFUSION = _rx(
    r"\bstato confusionale\b",
    r"\bconfusione mentale\b",
    r"\bdisorientat\w*",
    r"\bnon (?:mi|ci) riconosce\b",
    r"\bnon riconosce (?:piu )?(?:nessuno|me|noi|i familiari|la famiglia|i suoi|le persone)\b",
    r"\bnon sa (?:piu )?dove (?:si trova|e)\b",
    r"\bparla (?:a vanvera|senza senso|in modo strano)\b",
    r"\b(?<!un )(?<!che )delir(?:a|io|ando)\b",  # not "la piscina è un delirio"
    rf"\b{_RELATIVE}{_W}{{0,3}}\s+(?:e|sembra|appare) (?:molto |tutto |parecchio |un po )?"
    rf"confus[oa]\b{_CONFUSED_ABOUT}",
    rf"\bmi sento (?:molto |tutto |tutta |un po )?confus[oa]\b{_CONFUSED_ABOUT}",
)
_CONFUSION_RULE = _Rule(_CONFUSION, "confus", "disorientat", "riconosce", "dove", "parla", "delir")

_EMERGENCY = _rx(
    # "è un'emergenza", "c'è un'emergenza", "emergenza!" - not "un'emergenza al giorno in
    # ufficio", "emergenza pidocchi", "codici di emergenza" (long messages: see _weak_alarm)
    r"\b(?<!calcinosi )(?<!tumorale )(?<!malattia )(?:e|c e|ce|abbiamo|ho) (?:un |una )?emergenz\w*\b"
    r"(?!\s+(?:sanitari\w*|covid|pandemic\w*|climatic\w*|abitativ\w*|economic\w*|dieta|"
    r"menu|ricett\w*|al giorno|pidocchi|a scuola|in ufficio)\b)",
    r"\b(?:chiam\w*|telefon\w*|contatt\w*|fare il|numero|serve il|serve l)(?:\s+\w+){0,2}\s+"
    r"(?:118|112|ambulanz\w*|guardia medica)\b",
    r"\b(?:serve|servirebbe|mandate|mandatemi|chiamatemi|chiamate|chiamo|chiamiamo|arriva|aspetto|aspettiamo) (?:un |l |una )?ambulanz\w*",
    r"\b(?:devo|dobbiamo|dovrei|dovremmo|e il caso di|meglio|vado|andiamo|corro|correre|"
    r"portarlo|portarla|portiamo|porto)(?:\s+\w+){0,3}\s+(?:al|in) pronto soccorso\b",
)
# Heavy bleeding, feeling of dying.
_OTHER_ACUTE = _rx(
    r"\bemorragi\w*",
    r"\bperde (?:molto|tanto|tantissimo|parecchio) sangue\b",
    r"\bsanguin\w* (?:cosi |troppo )?(?:molto|tanto|tantissimo|parecchio|senza fermarsi|di continuo)\b",
    r"\bgarz\w* (?:\w+ )?(?:zupp\w*|inzuppat\w*)\b",
    r"\bnon (?:smette|si ferma|smettono) di sanguinare\b",
    r"\bvomit\w* sangue\b",
    r"\b(?:ho paura di|temo di|mi sento|sto per|sta per|credo di) morire\b|\b(?:mi|me) sento mori\b",
    r"\bsto morendo\b(?!\s+(?:di|dal|dalla|dalle|dai) (?:fame|caldo|freddo|sonno|noia|ridere|"
    r"sete|curiosita|voglia|risate)\b)",
    r"\bi (?:think i am|m|am) dying\b",
)
_OTHER_ACUTE_RULE = _Rule(_OTHER_ACUTE, "emorragi", "sangu", "garz", "morire", "morendo", "sento mori", "dying")
# A bare "emergenza" or "ambulanza" is a call for help in a short message ("ambulanza!",
# "emergenza, aiuto"), not in a story ("ogni volta che passa un'ambulanza...").
_WEAK_ALARM = re.compile(
    _sq(
        r"\b(?:(?<!per le )(?<!per l )(?<!calcinosi e un )(?<!calcinosi e )(?<!tumorale e un )(?<!malattia e un )emergenz\w*(?!\s+(?:sanitari\w*|covid|pandemic\w*|climatic\w*|abitativ\w*|"
        r"economic\w*|dieta|menu|ricett\w*|pidocchi)\b)|ambulanz\w*)\b"
    )
)
_WEAK_ALARM_WORDS = 8
_EMERGENCY_RULE = _Rule(
    _EMERGENCY, "emergenz", "118", "112", "ambulanz", "guardia medica", "pronto soccorso"
)

# "voglio farmi del male" is self-harm, "il farmaco può farmi del male?" is not.
_HARMED_BY = ("puo", "possa", "possono", "potrebbe", "potrebbero", "possano", "rischia di",
              "rischiano di", "fa", "fanno")


def _not_after(phrase: str) -> str:
    """Lookbehinds placed *after* ``phrase``: it must not follow one of ``_HARMED_BY``."""
    return "".join(f"(?<!\\b{_sq(w)} {_sq(phrase)})" for w in _HARMED_BY)


_SELF_HARM = _rx(
    r"\bfarmi del male\b" + _not_after("farmi del male"),
    r"\bmi faccio del male\b",
    r"\buccidermi\b" + _not_after("uccidermi"),
    r"\bammazzarmi\b" + _not_after("ammazzarmi"),
    r"\bmi (?:uccido|ammazzo|ucciderei|ammazzerei|uccidero|ammazzero|voglio uccidere|voglio ammazzare)\b"
    r"(?!\s+(?:di|dalle|dal|dalla) (?:esercizi\w*|lavoro|fatica|studio|palestra|ginnastica|allenament\w*|"
    r"corsa|risate|ridere|pulizie|compiti|straordinari|pesi|addominali|flessioni|squat|piegamenti|serie|ripetizioni)\b)",
    r"\b(?<!dato del )(?<!danno del )(?<!dare del )(?<!da del )(?<!dato della )(?<!roba da )(?<!e da )(?<!sono da )suicid\w*",
    r"\bautolesion\w*",
    r"\b(?:togliermi|levarmi|togliersi|levarsi) la vita\b",
    r"\b(?:farla|falla|la faccio|la faro|farla proprio) finita\b"
    r"(?!\s+(?:una volta per tutte\s+)?con (?:le|la|il|i|gli|lo|questa|questo|sta|sto|queste|questi) (?!vita\b|mondo\b)\w+)",
    r"\bnon (?:voglio|vuole|vorrei|voler|volere) piu (?:vivere|esistere)\b",
    r"\bnon ho piu (?:voglia|la forza) di vivere\b",
    r"\bnon ce la (?:faccio|fa) piu (?:a vivere|ad andare avanti|a andare avanti|a continuare"
    r"|di vivere|con la vita)\b",
    r"\b(?:voglio|vorrei|preferirei|vuole|vorrebbe) morire\b",
    r"\bmeglio morire\b",
    r"\bmeglio (?:essere )?mort[oa]\b",
    r"\bvorrei essere mort[oa]\b",
    r"\bpensier\w* di (?:morte|farla finita|togliermi|uccidermi|morire)\b",
    r"\btagliarmi le vene\b",
    r"\b(?:non voglio|non vorrei|non vuole) piu esserci\b",
    # not "una pastiglia che la fa sparire per sempre" (the illness)
    r"\b(?<!fa )(?<!fanno )(?<!far )(?<!farla )(?<!farle )(?<!farlo )(?:sparire|scomparire|andarmene|andarsene) per sempre\b",
    r"\b(?:lettera|lettere|biglietto)\b(?:\s+\w+){0,5}\s+per (?:salutar\w*|dire addio)\b|\bdire addio a tutti\b",
    r"\b(?:ho|ha) gia deciso come\b|\bmi manca solo (?:trovare )?il coraggio\b",
    r"\bquant[ei] (?:pillole|pastiglie|compresse)\b(?:\s+\w+){0,3}\s+(?:servono|ci vogliono|bastano)\b",
    r"\b(?:penso|pensavo|ho pensato|sto pensando) (?:spesso |ancora |sempre )?di tagliarmi\b",
    r"\b(?:sono|mi sento) (?:solo |soltanto )?un peso per (?:tutti|la famiglia|voi|loro)\b",
    r"\bnon (?:vi|ti|le|gli) daro piu (?:fastidio|problemi|pensieri)\b|\b(?:presto|tra poco|fra poco) non ci saro piu\b",
    r"\bnon vedo piu (?:nessun )?senso\b",
    r"\bmi sono tagliat[oaie]\b(?!\s+(?:i capelli|le unghie|la barba|con|col|un dito|il dito|mentre|cucinando|in cucina|"
    r"facendo\w*|radendo\w*|per sbaglio|sbagliando|col rasoio|con il rasoio))",
    r"\bmi taglio\b(?!\s+(?:i capelli|le unghie|la barba))",
    r"\b(?:ho|avevo|mi fa) paura di me stess[oa]\b",
    r"\b(?:ho|avevo|mi viene|mi e venuta|sento) (?:di nuovo |ancora )?(?:la )?voglia di (?:farmi (?:del )?male|rifarlo|tagliarmi)\b",
    # an overdose thought of: "ho pensato di prenderle tutte" (the pills)
    r"\b(?:(?:ho pensato|pensavo|penso|sto pensando|stavo pensando|avevo voglia|ho voglia|ho avuto voglia) di|voglio|vorrei|volevo) "
    r"(?:prender(?:le|li)|prendere|ingoiar(?:le|li)|ingoiare) (?:tutt[ei]|un intero|l intero|tutto il)\b"
    # "prenderli tutti la sera insieme" (a binder at dinner) is a timing question
    r"(?!\s+(?:la sera|la mattina|a cena|a pranzo|ai pasti|al pasto|insieme la sera|insieme a cena)\b)",
    r"\bbuttarmi (?:giu|dal|dalla|sotto|da)\b|\bmi butto (?:giu|dal|dalla|sotto|da)\b",
    r"\bme voglio accider\w*|\bmi voglio accider\w*",
    r"\bse (?:io )?non ci fossi\b|\bnon vedo piu un motivo\b",
    r"\b(?:stanotte|stasera|adesso|ora|poi) le prendo tutte\b|\ble prendo tutte (?:insieme|stanotte|stasera)\b",
    r"\bho comprato una corda\b",
    r"\bimpiccarmi\b",
    r"\bnon vale (?:piu )?la pena (?:di )?vivere\b",
    r"\bmeglio (?:se )?non (?:esserci|ci fossi|svegliarmi|esistere)\b",
    r"\bnon (?:voglio|vorrei) piu svegliarmi\b",
    r"\bnon svegliarmi piu\b",
    r"\bpensato (?:anche )?a come farl[ao]\b",
    r"\bvoglia di morire\b",
    r"\bmi sono (?:fatt[oa]|procurat[oa]) (?:dei |delle |da sol[oa] )?tagli\b",
    r"\b(?:mi sono|si e) tagliat[oa] (?:apposta|di proposito|da sol[oa])\b",
    r"\b(?:mi sono|si e) fatt[oa] (?:del )?male (?:apposta|di proposito|da sol[oa])\b",
    r"\b(?:mi sono|si e) tagliat[oa] (?:le braccia|i polsi|il polso|le gambe|le vene)\b",
    r"\b(?:stanotte|stasera|adesso|ora|poi) le (?:prende|prendera) tutte\b",
    r"\bper non svegliar(?:mi|si) piu\b",
    r"\b(?:ha|ho) preso (?:il fucile|la pistola|la corda)\b|\b(?:si e|mi sono) chius[oa] in (?:garage|bagno|cantina) con\b",
    r"\b(?:ho|ha) (?:una|la) lametta in mano\b|\bmi sto tagliando\b(?!\s+(?:i capelli|le unghie|la barba|le verdure))",
    r"\b(?:me ne sono|se ne e) pres[oaie] (?:una ventina|una decina|tante|troppe|tutte)\b|\bne ho pres[ei] (?:una ventina|una decina|troppe|tutte)\b",
    r"\bnon ce la faccio piu\b(?:\s+\w+){0,3}?\s+addio\b",
    # "stasera ho pensato che se mi facessi del male almeno sarebbe finita"
    r"\bse mi facessi del male\b(?:\s+\w+){0,3}?\s+(?:sarebbe finita|finirebbe tutto|sarebbe tutto finito)\b",
    r"\b(?:ho|ha) (?:preso|ingerito|inghiottito|mandato giu) (?:troppe|tutte le) "
    r"(?:pastiglie|pillole|compresse|medicine)\b",
    r"\b(?:la )?vita non ha (?:piu )?senso\b",
    r"\b(?:vuole|vorrebbe) (?:uccidersi|ammazzarsi|farla finita)\b",
    r"\bsi vuole (?:uccidere|ammazzare|fare del male|tagliare)\b",
    r"\b(?:vuole|vorrebbe|voleva|pensa di|parla di) (?:tagliarsi|farsi del male|fare del male a se stess\w*)\b",
    r"\b(?:non ha|senza) (?:piu )?(?:senso|nessun senso) (?:vivere|continuare a vivere)\b",
    r"\bkill (?:my ?self|me)\b",
    r"\bend (?:my life|it all)\b",
    r"\bwant to die\b",
    r"\bself harm\w*",
    r"\bhurt myself\b",
    r"\bselbstmord\w*",
    r"\bmich umbringen\b",
    r"\bnicht mehr leben\b",
)
# "non ce la faccio più" alone (the whole message) is read as despair. Kept apart from
# _SELF_HARM: an anchored alternative would disable the regex engine's fast scan.
_GIVING_UP = re.compile(
    _sq(
        r"^(?:\w+\s+){0,3}non ce la (?:faccio|fa|facciamo) piu(?:\s+(?:basta|aiuto|aiutatemi|"
        r"aiutami|davvero|veramente|proprio|io)){0,3}$"
    )
)
_SELF_HARM_RULE = _Rule(
    _SELF_HARM, "del male", "uccid", "ammazz", "suicid", "autolesion", "la vita", "finita", "corda", "butto",
    "accider", "motivo", "prendo tutte", "prende tutte", "prendera tutte", "svegliar", "preso", "chius", "lametta",
    "pres", "addio",
    "vivere", "esistere", "non ce la fa", "mor", "pensier", "vene", "buttarmi", "impiccarmi",
    "senso", "kill", "end ", "die", "self", "myself", "selbstmord", "umbringen", "leben",
    "esserci", "ci fossi", "svegliarmi", "come farl", "tagli", "pastiglie", "pillole",
    "compresse", "medicine", "pensato di", "pensavo di", "penso di", "voglio", "vorrei", "volevo",
    "voglia di", "me stess", "sparire", "scomparire", "andarmene", "andarsene", "lettera", "lettere",
    "biglietto", "addio", "deciso come", "coraggio", "peso per", "pensando di", "daro piu", "saro piu",
)

# Fever together with an inflamed lump or an open / discharging / infected wound.
_FEVER = _rx(
    r"\bfebbr\w*",
    r"\bfebricitant\w*",
    r"\bfrev[ae]?\b|\bfrebb\w*",  # Neapolitan, Sicilian
    r"\bfebbricol\w*",
    r"\btemperatura (?:alta|altissima|a 3[89]|a 4[0-2]|di 3[89]|di 4[0-2])\b",
    r"\b(?:3[89]|4[0-2])(?:[.,]\d)? (?:di febbre|gradi)\b",
    # "scotta", "39 e 8 misurato adesso", "ha 38,5" (not "ha 39 anni")
    r"\b(?<!sole )(?<!sabbia )(?<!acqua )(?<!piatto )(?<!caffe )(?<!brodo )(?<!asfalto )(?<!forno )"
    r"scott(?:a|ava|ano|avano)\b(?!\s+(?:il|la|lo|l|come|troppo)\b)",
    r"\b(?:bolle|scotta) la fronte\b|\bfronte (?:che )?(?:bolle|scotta|bollente)\b",
    r"\b(?:febbre|fronte|scotta)\b(?:\s+\w+){0,3}\s+(?:3[89]|4[0-2]) e (?:passa|mezzo|qualcosa)\b",
    r"\b(?:termometro|misurat\w*|temperatura)\b(?:\s+\w+){0,3}\s+(?:3[89]|4[0-2])\b"
    r"|\b(?:3[89]|4[0-2])(?:(?: e | virgola |[.,])\d)?\s+(?:misurat\w*|col termometro|al termometro)\b"
    r"|\b(?:ha|ho|hai) (?:3[89]|4[0-2])$|\b(?:ha|ho|hai) (?:3[89]|4[0-2]) (?:da|dalla|dal|stamattina|stanotte|adesso|ora)\b"
    r"|\b(?:ha|ho|hai|abbiamo|aveva|avevo|ha avuto|ho avuto) (?:3[89]|4[0-2])(?: e (?:mezzo|\d)|[.,]\d)\b(?!\s*(?:anni|kg|chili|euro|di (?:pth|fosforo|vitamina)))",
    r"\bbrividi\b|\bbatt\w* i denti\b",
    r"\bfever\b",
    r"\bfieber\b",
)
_FEVER_RULE = _Rule(
    _FEVER, "febbr", "frev", "frebb", "denti", "temperatura", "gradi", "brividi", "fever", "fieber", "scott", "fronte", "termometro",
    "misurat", "ha 3", "ha 4", "ho 3", "ho 4", "hai 3", "hai 4", "abiamo 3", "abiamo 4", "aveva 3",
    "aveva 4", "avevo 3", "avevo 4", "avuto 3", "avuto 4",
)
_HIGH_FEVER = _rx(
    r"\bfebbr\w* (?:altissim\w*|a 4[0-2]|di 4[0-2]|oltre (?:i )?4[0-2]|sopra (?:i )?4[0-2])",
    r"\b4[0-2](?:[.,]\d)? di febbre\b",
    r"\btemperatura (?:altissima|a 4[0-2]|di 4[0-2])\b",
)
_WOUND = _alt(
    r"ferit[ae]", r"fistol\w*", r"piag\w*", r"ulcer\w*", "taglio", r"cicatric\w*", "buco",
    "apertura", r"lesion\w* apert\w*",
)
_DISCHARGE = _rx(
    rf"\b{_WOUND}",
    r"\bpus\b",
    r"\binfett\w*",
    r"\bsi (?:e|sono) (?:apert\w*|rott\w*)",
    r"\bsi (?:apre|aprono|rompe)\b",
    r"\bapert[ae]\b",
    r"\bsecrezion\w*",
    r"\bsecern\w*",
    r"\b(?:esce|escono|usciva|uscito|uscita|esc\w*)(?:\s+\w+){0,2}\s+"
    r"(?:liquido|materiale|roba|pus|sangue|siero|latte|gesso|pasta|crema|sostanza)\b",
    r"\bbutta\b",
    r"\bcola\b",
    r"\bdrena\b",
    r"\bsuppur\w*",
    r"\bperde (?:liquido|materiale|sangue|pus|siero)\b",
)
_INFLAMED = _rx(
    r"\bross[oaie]\b",
    r"\barrossat\w*",
    r"\barrossament\w*",
    r"\brossor\w*",
    r"\bgonfi[oaie]\b",
    r"\bgonfiat\w*|\bgonfissim\w*",
    r"\bgonfior\w*",
    r"\bcald[oaie]\b(?<!\bho cald.)(?<!\bha cald.)(?<!\bsento cald.)(?<!\bfa cald.)"
    r"(?<!\bavere cald.)",
    r"\bbollent\w*",
    r"\bruss[oaie]?\b|\babbuffat\w*|\bunchiat\w*|\bgunfi\w*",  # dialect: red, swollen
    r"\binfiammat\w*",
    r"\binfiammazion\w*",
    r"\bred\b",
    r"\bswollen\b",
)
_LUMP = _rx(
    r"\bmass[ae]\b", r"\bpallin\w*", r"\bnodul\w*", r"\bnodo\b", r"\bbozz\w*",
    r"\bgonfior\w*", r"\brigonfiament\w*", r"\bcalcificazion\w*", r"\bdeposit\w*",
    r"\bcalcinosi\b", r"\blesion\w*", r"\bzona\b", r"\bpelle\b", r"\bgomit\w*",
    r"\bspall\w*", r"\banc[ae]\b", r"\bginocch\w*", r"\bman[oi]\b", r"\bdit[oa]\b",
    r"\bpied[ei]\b", r"\bbracci\w*", r"\bgamb\w*", r"\bpols\w*", r"\bcavigl\w*",
    r"\bfianc\w*", r"\bglute\w*", r"\bcosc\w*", r"\btallon\w*", r"\barticolazion\w*",
    r"\bcisti\b", r"\bpunto\b", r"\blump\b", rf"\b{_WOUND}", r"\bvrazz\w*", r"\bpall[ae]\b",
)
_FEVER_WINDOW = 200
_LUMP_WINDOW = 80

_INFECTED_WOUND = _rx(
    r"\bstriscia rossa (?:che sale|che va su|sul braccio|sulla gamba|verso)\b|\bstrisce rosse (?:che salgono|sul braccio|sulla gamba)\b",
    r"\bpus\b",
    rf"\b{_WOUND}(?:\s+(?!non\b|mai\b|nemmeno\b|neanche\b)\w+){{0,6}}\s+(?:infett\w*|puzz\w*|cattivo odore|maleodorant\w*|"
    r"verdastr\w*|giallastr\w*|cald[ae]|bollent\w*|con (?:le )?strisce)",
    rf"\b(?:infezione|infett\w*){_W}{{0,3}}\s+(?:a|al|alla|della|nella|sulla|sul|nel)\s+{_WOUND}",
    r"\b(?:strisce|striature|righe|linee|strie|filamenti) ross[ei]\b",
    # what comes out looks infected: "esce roba giallastra che puzza"
    r"\b(?:esce|escono|cola|colano|perde|butta|buttano)(?:\s+\w+){0,3}\s+(?:giallastr\w*|verdastr\w*|"
    r"che puzza|puzzolent\w*|maleodorant\w*)",
    r"\b(?:rosso|rossore|arrossamento)(?:\s+\w+){0,4}\s+si (?:allarga|espande|estende|sta allargando)",
    r"\bsi (?:allarga|espande|estende|sta allargando) (?:il )?(?:rosso|rossore|arrossamento)\b",
    r"\bred streaks?\b",
)
_INFECTED_WOUND_RULE = _Rule(
    _INFECTED_WOUND, "pus", "ferit", "fistol", "piag", "ulcer", "taglio", "cicatric", "buco",
    "apertura", "lesion", "infe", "stri", "righe", "linee", "filamenti", "ros", "red streak",
    "esce", "escono", "cola", "perde", "butta",
)
_HOT_RED_LUMP = _rx(
    # not across a "non": "la massa mi prude, non è rossa non è calda"
    r"\b(?:mass[ae]|pallin\w*|nodul\w*|bozz\w*|gonfior\w*|calcificazion\w*|lesion\w*|zona)"
    r"(?:\s+(?!non\b|ne\b|senza\b|mai\b)\w+){0,6}\s+(?:ross[ae]|arrossat[ae])(?:\s+(?!non\b|ne\b|senza\b)\w+){0,3}\s+(?:cald[ae]|bollent\w*)\b",
    r"\b(?:mass[ae]|pallin\w*|nodul\w*|bozz\w*|gonfior\w*|calcificazion\w*|lesion\w*|zona)"
    r"(?:\s+(?!non\b|ne\b|senza\b|mai\b)\w+){0,6}\s+(?:cald[ae]|bollent\w*)(?:\s+(?!non\b|ne\b|senza\b)\w+){0,3}\s+(?:ross[ae]|arrossat[ae])\b",
)
_HOT_RED_LUMP_RULE = _Rule(_HOT_RED_LUMP, "cald", "bollent")

# Short general questions that only *name* a symptom are not emergencies.
_PERSONAL = re.compile(
    _sq(
        r"\b(?:ho|ha|hanno|abbiamo)\b(?!\s+(?:la calcinosi|una calcinosi|letto|sentito|saputo|"
        r"visto|una domanda|un dubbio|una curiosita|bisogno|capito)\b)"
        r"|\b(?:hai|avevo|mi|me|mio|mia|miei|mie|nostro|nostra|sento|sente|"
        r"sto|(?<!si )sta|stiamo|stanno|io|noi|lui|lei|adesso|ora|oggi|ieri|stanotte|stamattina|"
        r"stasera|subito|aiuto|aiutami|aiutatemi|faccio|facciamo|questo|"
        r"questa(?! (?:malattia|patologia|condizione|sindrome))|questi|queste|"
        r"figli[oa]|bambin[oa]|bimb[oa]|marito|moglie|padre|madre|papa|mamma|nonn[oa]|"
        r"fratell[oa]|sorell[ae]|compagn[oa]|my|me|im|we|our|ich|mein\w*|mir|mich)\b"
        r"|\bi (?:have|am|feel|m|ve|cant|can|think|got|had)\b"
    )
)
_GENERIC_QUESTION = re.compile(
    _sq(
        r"\b(?:e|sono) (?:un |una |uno |il |la )?(?:sintom\w*|segn[oi]|manifestazion\w*|"
        r"tipic\w*|frequent\w*|comun[ei]|caratteristic\w*|collegat\w*|legat\w*|correlat\w*|"
        r"associat\w*|dovut\w*|causat\w*|complicanz\w*|effett\w* collateral\w*|rar[oaie])\b"
        r"|\b(?:puo|possono|potrebbe|potrebbero) (?:causare|dare|provocare|portare|comportare|"
        r"essere|esserci|comparire|manifestarsi|verificarsi|succedere|capitare|includere|"
        r"far venire|far|fare|diventare|infettarsi|aprirsi|peggiorare)\b"
        r"|\bsi puo\b|\bcos e\b|\bcosa (?:e|sono|significa|significano|vuol dire|si intende|"
        r"indica)\b|\bquali sono\b|\bperche\b|\bcome mai\b|\bin che modo\b|\bquanto (?:e|sono) "
        r"(?:comune|frequente|raro|rara)\b|\b(?:rischio|rischi|probabilita) di\b|\be vero che\b"
        r"|\bcome si (?:riconosce|riconoscono|cura|curano|tratta|trattano|gestisce|gestiscono|"
        r"previene|prevengono|distingue)\b|\bdifferenza tra\b"
        r"|\bquando (?:e il caso di|e meglio|bisogna|si deve|devo|dobbiamo) (?:chiamare|andare|correre|"
        r"preoccupar\w*|rivolger\w*)\b|\bcome (?:capisco|faccio a capire|riconosco|si capisce) se\b"
        r"|\b(?:quali|che) (?:segn\w*|sintom\w*) (?:devo|bisogna|dobbiamo) (?:controllare|guardare)\b"
        r"|\bva considerat\w*\b|\bquali sono i segn\w*"
        r"|\b(?:is|are)(?:\s+\w+){0,3}\s+(?:a |an )?(?:symptom|symptoms|sign|signs|common|"
        r"typical)\b|\bcan(?:\s+\w+){0,3}\s+cause\b|\bwhat is\b|\bwhy\b"
    )
)
_GENERIC_MAX_WORDS = 30


def _is_generic_question(text: str) -> bool:
    return (
        len(text.split(" ", _GENERIC_MAX_WORDS + 1)) <= _GENERIC_MAX_WORDS
        and _PERSONAL.search(text) is None
        and _GENERIC_QUESTION.search(text) is not None
    )


# Fever mentions read in one message: a real one never has more; a pathological one (a word
# pasted thousands of times) stays fast.
_MAX_FEVER_MENTIONS = 100


def _fever_red_flag(text: str) -> bool:
    mentions = islice(_FEVER_RULE.finditer(text), _MAX_FEVER_MENTIONS)
    fevers = [m.start() for m in mentions if not _taken_back(text, m.start(), m.end())]
    if not fevers:
        return False
    if _found(_HIGH_FEVER, text):
        return True
    if _near(fevers, _positions(_DISCHARGE, text), _FEVER_WINDOW):
        return True
    lumps = _positions(_LUMP, text, negatable=False)
    inflamed_lumps = [p for p in _positions(_INFLAMED, text) if _near([p], lumps, _LUMP_WINDOW)]
    return _near(fevers, inflamed_lumps, _FEVER_WINDOW)


_SYMPTOM_RULES = (
    _CHEST_PAIN_RULE,
    _BREATHING_RULE,
    _FAINTING_RULE,
    _SEIZURE_RULE,
    _CONFUSION_RULE,
    _EMERGENCY_RULE,
    _OTHER_ACUTE_RULE,
    _SEVERE_PAIN_RULE,
    _INFECTED_WOUND_RULE,
    _HOT_RED_LUMP_RULE,
)


# A severe pain (not a chest pain) that is gone: "il dolore forte di ieri è sparito del tutto".
# A fainting, a chest pain or breathlessness that passed is still a reason to be seen today.
_GONE_AFTER = re.compile(
    _sq(
        r"(?:\s+\w+){0,5}?\s+(?:e |ora e |adesso e |poi e |poi )?(?:sparit\w*|passat\w*|andat\w* via|finit\w*)\b"
        r"|\s+per (?:pochi|qualche|un paio di|due|tre|cinque|dieci) second\w*\b"
    )
)


def _severe_pain(text: str) -> bool:
    return any(
        not _taken_back(text, m.start(), m.end()) and not _GONE_AFTER.match(text, m.end(), m.end() + _DISMISSED_WINDOW)
        for m in _SEVERE_PAIN_RULE.finditer(text)
    )


# A threat said as a joke by someone who then laughed ("se mi togliete la carbonara mi
# ammazzo, e poi ha riso per mezz'ora"): the only thing that takes self-harm words back.
_LAUGHED_AFTER = re.compile(
    _sq(r"\b(?:ha riso|rideva|ridendo|ci ha riso|scherzava|scherzando|per scherzo|(?:messa|messo|scoppiat\w*) a ridere)\b")
)


# Denied in so many words: "non ho pensieri di farmi del male", "nessuna intenzione di farla
# finita", "non voglio farmi del male" - unless a "but" follows ("...ma a volte ci penso").
_SELF_HARM_DENIED_BEFORE = re.compile(
    _sq(
        r"\b(?:non|mai|nessun\w*)\s+(?:ho\s+)?(?:(?:mai|nessun\w*|alcun\w*|la minima)\s+)?"
        r"(?:pensat\w*|penso|pensieri|pensiero|intenzione|idea|voglio|vorrei|avuto pensieri)\s+(?:di\s+|a\s+)?$"
    )
)
_CARER = re.compile(_sq(r"\b(?:psicolog\w*|psichiatr\w*|terapeut\w*|medic[oai]|dottor\w*|pediatra|infermier\w*|neuropsichiatr\w*)\b"))
_BUT_AFTER = re.compile(
    _sq(
        r"\b(?:ma|pero|anche se|eppure|a volte|ogni tanto|qualche volta|certe volte)\b(?:\s+\w+){0,6}?\s+"
        r"(?:ci |lo )?(?:pens\w*|voglia|rifarlo|farlo|tagli\w*|tentat\w*|idea|idee)\b"
    )
)


def _self_harm_taken_back(text: str, start: int, end: int) -> bool:
    """Self-harm words that are not a thought of one's own now: someone laughed them off, they
    are denied, said in jest (a laugh and "scherzo"), hypothetical or a doctor's instruction, a
    story read or seen, or long past with "ora sto bene". Anything else stays a red flag."""
    a = _around(text, start, end)
    before, far = a.before, a.far
    if _LAUGHED_AFTER.search(text, end, end + 60):
        return True
    if _SELF_HARM_DENIED_BEFORE.search(before) and not _BUT_AFTER.search(text, end, end + 60):
        return True
    if _JOKE_AFTER.search(text, end, end + 50) and _LAUGH_AFTER.search(text, end, end + 50):
        return True
    if _HAPPENING_NOW.search(text, end, end + _NEAR):
        return False
    if _HYPOTHETICAL_BEFORE.search(far) and _CARER.search(far):
        return True  # "la psicologa mi ha detto che se mai avessi pensieri di farmi del male..."
    if _READ_ABOUT_BEFORE.search(far):
        return True
    return _long_past(text, start, end) and _FINE_NOW.search(text, end, end + _NEAR) is not None


def _self_harm(text: str) -> bool:
    return any(not _self_harm_taken_back(text, m.start(), m.end()) for m in _SELF_HARM_RULE.finditer(text))


def _weak_alarm(text: str) -> bool:
    return len(text.split(" ", _WEAK_ALARM_WORDS + 1)) <= _WEAK_ALARM_WORDS and any(
        not _taken_back(text, m.start(), m.end()) for m in _WEAK_ALARM.finditer(text)
    )


def _urgent_match_form(text: str) -> bool:
    if _self_harm(text) or _GIVING_UP.match(text) or _weak_alarm(text):
        return True
    if not _is_generic_question(text):
        others = (rule for rule in _SYMPTOM_RULES if rule is not _SEVERE_PAIN_RULE)
        return any(_found(rule, text) for rule in others) or _severe_pain(text) or _fever_red_flag(text)
    # A general question ("il dolore al petto è un sintomo?") is not an emergency, unless
    # the message opens with the bare symptom ("dolore al petto, è un sintomo?").
    return any(
        m.start() == 0 and not _negated(text, 0)
        for rule in _SYMPTOM_RULES
        for m in rule.finditer(text)
    )


def is_urgent(text: str) -> bool:
    """True if the message reports a red flag that needs urgent medical attention."""
    if not text:
        return False
    return _urgent_match_form(_match_form(text))


# ------------------------------------------------------------------ personal advice

_MED = _alt(
    r"farmac\w*", r"medicin\w*", r"pastigli\w*", r"compress\w*", r"pillol\w*", r"capsul\w*",
    "gocce", r"bustin\w*", r"fial\w*", r"iniezion\w*", r"puntur\w*", r"integrator\w*",
    r"vitamin\w*", "vit d", r"carbonat\w*", r"citrat\w*", r"chelant\w*",
    r"legant\w*", r"sevelamer\w*", "renvela", "lantanio", "fosrenol", "alluminio",
    r"acetazolamid\w*", "diamox", "probenecid", r"niacinamid\w*", r"nicotinamid\w*",
    r"tiosolfat\w*", r"bifosfonat\w*", r"alendronat\w*", r"pamidronat\w*", r"zoledron\w*",
    r"neridronat\w*", r"calcitriol\w*", r"colecalciferol\w*", "dibase", "rocaltrol",
    r"antidolorific\w*", r"analgesic\w*", r"paracetamol\w*", r"tachipirin\w*",
    r"ibuprofen\w*", "brufen", "moment", "oki", r"ketoprofen\w*", r"aspirin\w*", "fans",
    r"antinfiammator\w*", r"cortison\w*", r"prednison\w*", r"deltacorten\w*",
    r"antibiotic\w*", r"diuretic\w*", r"terapi\w*", r"cur[ae]", r"trattament\w*",
    r"pomat\w*", r"cerott\w*", r"sciropp\w*", r"dos[ei]", r"dosaggi\w*", "magnesio",
    r"fosfat[oi]", "burosumab", "crysvita", r"omeprazol\w*",
)
_MED_RE = re.compile(_sq(rf"\b{_MED}\b"))
_MODAL_ME = _alt(
    "posso", "possiamo", "potrei", "potremmo", "devo", "dobbiamo", "dovrei", "dovremmo",
    r"e meglio(?: se| che)?", "conviene", "faccio bene a", r"e il caso di", r"va bene(?: se)?",
    "e sicuro", r"rischio(?: qualcosa)? se", "mi conviene", "mi consigli di",
    "mi consigliate di", "ci conviene", "vorrei", "vorremmo",
)
_PRONOUNS = _alt(
    "gli", "le", "lo", "la", "li", "ne", "glielo", "gliela", "glieli", "gliele", "gliene",
    "me", "ce", "io", "ancora", "anche", "continuare a", "smettere di", "non", "piu", "a",
    "di", "ad", "subito", "ora", "adesso", "tranquillamente", "fare", "farle", "fargli",
)
_VERB_STRONG = _alt(
    r"smett\w*", r"sospend\w*", r"interromp\w*", r"raddoppi\w*", r"dimezz\w*",
)
_VERB_ANY = _alt(
    r"smett\w*", r"sospend\w*", r"interromp\w*", r"raddoppi\w*", r"dimezz\w*", r"ferm\w*",
    r"togli\w*", r"lasci\w*", r"inizi\w*", r"cominci\w*", r"prend\w*", r"assum\w*",
    r"us\w*", r"aument\w*", r"riduc\w*", r"ridur\w*", r"diminu\w*", r"abbass\w*",
    r"alz\w*", r"cambi\w*", r"sostitu\w*", r"salt\w*", r"continu\w*", r"riprend\w*",
    r"dar\w*", "dare", r"somministr\w*", r"prov\w*", r"associ\w*", r"combin\w*",
    r"mescol\w*", r"aggiung\w*", r"spost\w*", r"passa\w*", r"accett\w*", r"rifiut\w*", r"pigli\w*",
)
_CLITIC = _alt(
    r"(?:prender|assumer|smetter|sospender|interromper|aumentar|ridur|diminuir|saltar|"
    r"raddoppiar|dimezzar|usar|somministrar|provar|rifiutar|accettar|pigliar)"
    r"(?:lo|la|li|le|ne|glielo|gliela|glieli|gliele|gliene)",
    r"dar(?:lo|la|li|ne|glielo|gliela|glieli|gliele|gliene)",
)
# Objects that make "posso prendere/cambiare ..." a practical, not a medical, question.
_NON_MED_OBJECT = re.compile(
    _sq(
        r"\s+(?:un |una |uno |l |il |la |lo |le |i |gli |di |del |della )?(?:appuntament\w*|"
        r"visit\w*|contatt\w*|informazion\w*|part\w*|sole|aereo|treno|ferie|centro|"
        r"medic[oi]|ospedal\w*|specialist\w*|numer\w*|domand\w*|esam\w*|analisi|dieta|"
        r"messaggi\w*|scuola|lavoro|sport|palestra|bagno|doccia)\b"
    )
)
_ADVICE_MODAL_ME = re.compile(
    _sq(rf"\b{_MODAL_ME}\s+(?:{_PRONOUNS}\s+){{0,3}}(?P<verb>{_CLITIC}|{_VERB_ANY})\b")
)
_ADVICE_MODAL_ME_RULE = _Rule(
    _ADVICE_MODAL_ME, "posso", "possiamo", "potrei", "potremmo", "devo", "dobbiamo", "dovrei",
    "dovremmo", "meglio", "conviene", "faccio bene", "il caso di", "va bene", "sicuro",
    "rischio", "consigli", "vorrei", "vorremmo",
)
# Third person ("mio figlio può sospendere ...?"), but not impersonal ("si può prendere?").
_MODAL_THEM_NOT_IMPERSONAL = _alt(
    *(rf"{w}(?<!\bsi {w})" for w in ("puo", "possono", "potrebbe", "potrebbero", "deve",
                                      "devono", "dovrebbe"))
)
_ADVICE_MODAL_THEM = re.compile(
    _sq(
        rf"\b{_MODAL_THEM_NOT_IMPERSONAL}\s+(?:{_PRONOUNS}\s+){{0,3}}"
        rf"(?P<verb>{_CLITIC}|{_VERB_ANY})\b"
    )
)
_ADVICE_MODAL_THEM_RULE = _Rule(_ADVICE_MODAL_THEM, "puo", "poss", "potrebb", "dev", "dovrebb")
_CLITIC_RE = re.compile(_sq(rf"^{_CLITIC}$"))
_CONTAGION_RE = re.compile(_sq(r"contagi|\battacca|a contatto|trasmett|infett[ao] gli altri"))
_VERB_STRONG_RE = re.compile(_sq(rf"^{_VERB_STRONG}$"))
# "vorrei smettere di ricevere i promemoria": the chat's messages, not a medicine.
_NOT_A_MEDICINE_AFTER = re.compile(
    _sq(r"\s+(?:di )?(?:ricever\w*|i promemoria|gli avvisi|i messaggi|le notifiche|di scriver\w*|la chat)\b")
)
# "quanto fosforo al giorno posso mangiare io?": an amount for oneself (the general diet
# answer, with the caveat).
_OWN_AMOUNT = re.compile(
    _sq(
        r"\bquant[oa] (?:fosforo|calcio|vitamina d|proteine|latte|formaggio) (?:al giorno |a settimana |al di )?"
        r"(?:posso|devo|dovrei|possiamo|puo|deve|dovrebbe) (?:mangiare|assumere|prendere|bere|introdurre)\b"
    )
)
_ADVICE_IF = re.compile(
    _sq(
        r"\b(?:e )?se (?:gli |le |lo |la |li |ne |io |non )?(?:smetto|sospendo|interrompo|salto|"
        r"aumento|riduco|diminuisco|raddoppio|dimezzo|cambio|tolgo|inizio|comincio|prendo|"
        r"assumo|do|diamo|smettiamo|sospendiamo|interrompiamo|saltiamo|aumentiamo|riduciamo|"
        r"prendiamo|dimentico|scordo)\b"
        # "le smetto?", "la sospendo?": the medicine just named
        r"|\b(?:le|li|la|lo) (?:smetto|sospendo|interrompo|smettiamo|sospendiamo|interrompiamo)\b(?!\s+di\b)"
        r"|\bdi prescriver(?:mel|gliel|cel)\w*"
        r"|\b(?:me la|me lo|me le|me li) (?:metto|spalmo|applico)\b"
        # "mi ha proposto il carbonato di calcio, ma va bene?": a medicine offered, to take or not
        r"|\b(?:proposto|prescritto|consigliato|dato|dat[oaie])\b(?:\s+\w+){0,12}?\s+(?:va bene|e sicur\w*|e il caso|lo prendo|la prendo)\b"
        r"|\b(?:ho deciso|decido|ho deciso che)\b(?:\s+\w+){0,4}?\s+(?:smetto|sospendo|interrompo|lascio|mollo)\b"
        # "sto pensando di sospenderla", "lo posso ridurre da sola?": the medicine named
        r"|\b(?:sto pensando|stavo pensando|penso|pensavo|ho deciso|ho pensato) di (?:sospender|smetter|"
        r"interromper|ridurr|toglier|lasciar)\w*"
        r"|\b(?:lo|la|li|le|ne) (?:posso|possiamo|devo|dobbiamo|potrei) (?:ridurr|sospender|smetter|interromper|"
        r"aumentar|diminuir|cambiar|toglier|dimezzar)\w*"
    )
)
_ADVICE_PASSIVE = re.compile(
    _sq(
        r"\b(?:va|vanno|andrebbe|andrebbero) (?:sospes\w*|interrott\w*|aumentat\w*|ridott\w*|"
        r"pres[oaie]|cambiat\w*|tolt\w*|iniziat\w*|dimezzat\w*|raddoppiat\w*)\b"
    )
)
_MISSED_DOSE = re.compile(
    _sq(
        r"\b(?:dimenticat\w*|scordat\w*|saltat\w*|perso)(?:\s+\w+){0,3}\s+"
        r"(?:dos[ei]|compress\w*|pastigli\w*|pillol\w*|capsul\w*|bustin\w*|fial\w*|gocce|"
        r"farmac\w*|medicin\w*)\b"
    )
)
_MISSED_DOSE_RULE = _Rule(_MISSED_DOSE, "dimenticat", "scordat", "saltat", "perso")
_DOSE = re.compile(
    _sq(
        r"\bquant[ioae] (?:mg|milligrammi|grammi|g|mcg|microgrammi|ui|unita|gocce|compress\w*|"
        r"pastigli\w*|capsul\w*|pillol\w*|bustin\w*|fial\w*|ml|millilitri|cucchia\w*|dosi|"
        r"volte al giorno|volte al di|puff|spruzzi)\b"
        # how often a session is done (physiotherapy, the pool) is not a dose
        r"(?!\s+(?:si fa|si fanno|si va|va fatt|vanno fatt|devo andare|andare|vado|fare|faccio|"
        r"facciamo|in piscina|di fisioterapia|di esercizi|di sedut))"
        r"|\bquanto (?:ne|gliene) (?:prendo|prende|prendiamo|devo|deve|dobbiamo|posso|puo|do|"
        r"diamo|somministro|dovrei|dovrebbe)\b(?!\s+(?:mangia\w*|magna\w*|bere|bev\w*|cucina\w*|grattugia\w*|mett\w*|usar\w*))"
        r"|\bquanto (?:gli |le )?(?:prendo|prende|prendiamo|do|diamo|somministro)\b"
        r"|\bquanto (?:devo|deve|posso|puo|dobbiamo|dovrei|dovrebbe|possiamo) (?:prenderne|"
        r"prendere|darne|dare|dargli|darle|assumer\w*|somministrar\w*)\b"
        r"|\bquanta (?:ne )?(?:devo|deve|posso|puo|dobbiamo) (?:prender\w*|dar\w*|assumer\w*)"
        r"|\b(?:che|quale|qual e la|la giusta) (?:dose|dosaggio|posologia|quantita) "
        r"(?:devo|deve|posso|puo|dobbiamo|gli|le|mi|di|da|del|della|giust\w*|corrett\w*|"
        r"consigliat\w*|massim\w*|per)\b"
        r"|\b(?:che|quale) (?:dose|dosaggio|posologia)\b"
        r"|\b(?:dose|dosaggio|posologia) (?:giust\w*|corrett\w*|consigliat\w*|massim\w*)\b"
        r"|\bogni quant\w* (?:ore )?(?:lo |la |li |le |glielo |gliela |ne )?(?:prendo|prende|"
        r"devo prendere|deve prendere|do|diamo|devo dare|posso prendere)\b"
        r"|\ba che ora (?:lo |la |li |le )?(?:prendo|devo prendere|deve prendere|do|diamo)\b"
        r"|\bquante volte al (?:giorno|di)\b"
        r"|\bquante volte (?:lo |la |li |le |gliel\w* )?(?:prendo|do|diamo|devo prendere|"
        r"deve prendere|posso prendere|devo dare|dobbiamo dare)\b"
        r"|\b(?:lo|la|li|le) (?:prendo|do|diamo|prende|devo prendere) prima o dopo\b"
        r"|\bhow (?:much|many)(?:\s+\w+){0,2}\s+(?:should|can|do) (?:i|we|he|she) (?:take|give)\b"
        r"|\bwhat dose\b"
        r"|\b(?:can|should|may|must) (?:i|we|he|she) (?:stop|start|take|increase|reduce|skip|"
        r"give|double|lower|raise)\b"
        # half or whole, one or two: "mezza compressa o intera?", "ne prendo una o due?"
        r"|\bmezz[ao] (?:\w+ )?(?:o|oppure|invece che|invece di|anziche) (?:una |tutta )?inter[ao]\b"
        r"|\bne prendo (?:una|due|mezza)(?:\s+\w+){0,4}\s+o (?:una|due|tre|mezza)\b"
        r"|\b(?:la|lo|le|li) prendo (?:mezza|mezzo|meta)\b"
        r"|\bquale delle due (?:e|sarebbe) (?:quella )?giust\w*"
        r"|\b\d+ (?:gocce|compresse|pastiglie|pillole|capsule|bustine|mg|ui|ml) o \d+\b"
        r"|\b(?:alzo|aumento|abbasso|riduco|cambio|dimezzo|raddoppio)\b(?:\s+\w+){0,3}?\s+(?:il dosaggio|la dose|le dosi)\b"
    )
)
_DOSE_RULE = _Rule(
    _DOSE, "quant", "dos", "posologia", "a che ora", "prima o dopo", "how ", "can ", "should ",
    "may ", "must ", "mezz", "ne prendo", "delle due", "gocce", "compres", "pastigl", "pillol",
    "capsul", "bustin", " mg", " ui", " ml",
)
# "quante volte a settimana?" is a dose when a medicine is named ("la vitamina D quante
# volte a settimana?"), otherwise how often one exercises or sees a doctor.
_WEEKLY = re.compile(_sq(r"\bquant[ie] volte (?:a|alla|per) settimana\b"))


def _asks_dose(text: str) -> bool:
    if _DOSE_RULE.search(text) or _MISSED_DOSE_RULE.search(text):
        return True
    return _WEEKLY.search(text) is not None and _MED_RE.search(text) is not None

_LAB = _alt(
    "fosforo", r"fosfat[oi]", "fosfatemia", "calcio", "calcemia", "pth", r"paratorm\w*",
    r"paratiroid\w*", "vitamina d", "vit d", r"25 oh\w*", r"calcitriol\w*", r"fgf ?23",
    r"creatinin\w*", "egfr", "filtrato", r"fosfatasi(?: alcalina)?", "alp", r"tmp ?gfr",
    r"calciuri\w*", r"fosfaturi\w*", "magnesio", "potassio", "sodio", "pcr", "ves",
    r"emoglobin\w*", r"albumin\w*", "azotemia", "uricemia", "acido urico", "tsh",
    r"glicemi\w*", "colesterolo", r"proteina c(?: reattiva)?",
)
_LAB_NEEDLES = (
    "fosf", "calc", "pth", "parat", "vitamina d", "vit d", "25 oh", "fgf", "creatinin", "egfr",
    "filtrato", "alp", "tmp", "magnesio", "potass", "sodio", "pcr", "ves", "emoglobin",
    "albumin", "azotemia", "uricemia", "acido urico", "tsh", "glicemi", "colesterolo",
    "proteina c",
)
_NUMBER = r"\d+(?:[.,]\d+)?"
_NOT_A_VALUE = _alt(
    "anni", "anno", "mesi", "mese", "giorni", "giorno", "settimane", "settimana", "ore",
    "volte", "kg", "cm", "ui", "mg al giorno", "compresse",
)
_LAB_VALUE = re.compile(
    _sq(
        rf"\b{_LAB}\b(?:\s+\w+){{0,4}}?\s+{_NUMBER}\b(?!\s+{_NOT_A_VALUE}\b)"
        rf"|\b{_NUMBER}(?:\s+(?:mg|pg|ng|mmol|nmol|pmol|ui|u|meq)(?:\s+(?:dl|ml|l))?)?"
        rf"\s+(?:di |del |della |dello |d )?{_LAB}\b"
    )
)
_LAB_VALUE_RULE = _Rule(_LAB_VALUE, *_LAB_NEEDLES)
_REFERENCE_RANGE = re.compile(
    _sq(
        rf"\b(?:tra|fra) {_NUMBER} e {_NUMBER}\b|\bda {_NUMBER} a {_NUMBER}\b"
        r"|\bvalor\w* (?:normal\w*|di riferimento|nella norma)\b|(?<!fuori )\brange\b|\bintervall\w*\b"
        r"|\bsi consider\w*|\be considerat\w*|\bsi parla di\b|\bin generale\b"
    )
)
_NOT_OWNING = (
    r"(?!\s+(?:letto|sentito|visto|trovato|saputo|capito|chiesto|studiato|cercato|"
    r"una domanda|un dubbio|bisogno|paura|curiosita|nominat\w*|parlato|accennato|spiegato|detto|scritto|meno|piu|"
    # "hanno troppo fosforo?" of foods: what they contain
    r"troppo|tanto|molto|poco|pochissimo|tantissimo)\b)"
)
# "il mio fosforo", "ho il PTH a 80", "mi è uscito il calcio a 10,5"
_OWN_FIRST = re.compile(
    _sq(
        r"\b(?:mio|mia|miei|mie|nostro|nostra|nostri|nostre)\b"
        rf"|\b(?:ho|abbiamo|avevo|avevamo)\b{_NOT_OWNING}"
        r"|\b(?:mi|gli|le|ci) (?:e|sono) (?:uscit\w*|risultat\w*|venut\w*|arrivat\w*)"
        r"|\b(?:mi|gli|le) risulta\b|\bmy\b"
    )
)
# "ha il fosforo alto" is personal unless the subject is generic ("chi ha ...").
_OWN_THIRD = re.compile(_sq(rf"\b(?:ha|hanno|aveva|avevano)\b{_NOT_OWNING}"))
_GENERIC_SUBJECT = re.compile(
    _sq(
        r"\b(?:chi|uno|qualcuno|i pazienti|le persone|un paziente|una persona|nei pazienti|"
        r"nelle persone|i malati|un malato|tutti|molti|alcuni|si ha|si hanno)\b"
    )
)


def _own(text: str, generic_subject: bool, start: int = 0, end: int | None = None) -> bool:
    """Does ``text[start:end]`` speak about the writer's (or a relative's) own data?"""
    end = len(text) if end is None else end
    if _OWN_FIRST.search(text, start, end):
        return True
    return not generic_subject and _OWN_THIRD.search(text, start, end) is not None

_EVALUATION = _alt(
    # not "bass[oaie]": squeezed, "basse" is "base" ("leganti a base di calcio")
    r"alt[oaie]", r"altissim\w*", r"bass[oai]", r"bassissim\w*", r"elevat\w*",
    "fuori norma", "fuori dalla norma", "fuori range", r"sballat\w*", r"alterat\w*",
    "sopra", "sotto", "grave", r"preoccup\w*", r"pericolos\w*", "normale", "nella norma",
    "va bene", r"buon[oi]", "cosa vuol dire", "cosa significa", "troppo", r"salit\w*",
    r"scesa|sceso", r"aumentat\w*", r"diminuit\w*",
)
_OWN_LAB_EVALUATED = re.compile(
    _sq(
        rf"\b{_LAB}\b(?:\s+(?!ma\b|pero\b|che\b|quello\b|quella\b|della\b|dello\b|dei\b|delle\b)\w+){{0,4}}?\s+{_EVALUATION}\b"
        r"(?!\s+(?:stare|sentir\w*|avere|essere|provare|che)\b)"
        rf"|\b{_EVALUATION}(?:\s+\w+){{0,2}}?\s+(?:il |la |lo |l )?{_LAB}\b"
    )
)
_OWN_LAB_EVALUATED_RULE = _Rule(_OWN_LAB_EVALUATED, *_LAB_NEEDLES)
_OWN_REPORT = re.compile(
    _sq(
        r"\b(?:i|gli|le|il) (?:miei|mie|suoi|sue|nostri|nostre|mio|suo) (?:esam\w*|analisi|"
        r"valor\w*|risultat\w*|referto|referti)\b"
        r"|\b(?:esam\w*|analisi|valor\w*|risultat\w*|referto|referti) (?:di|del|della|dello) "
        r"(?:mio|mia|miei|mie|nostro|nostra)\b"
        r"|\bnel (?:mio|suo|nostro) caso\b|\bnel caso di (?:mio|mia)\b"
    )
)
_OWN_REPORT_RULE = _Rule(_OWN_REPORT, "esam", "analisi", "valor", "risultat", "refert", "caso")
# "vorrei i promemoria per i suoi esami", "il ticket per gli esami di mia figlia": one's own
# tests as dates to remember or bills to pay, not as results to read.
_SCHEDULING = re.compile(
    _sq(
        r"\b(?:promemoria|ricord\w*|avvis\w*|prenot\w*|scadenz\w*|calendario|appuntament\w*|"
        r"ticket|pagar\w*|pagat\w*|pago|paga|euro|cost\w*|esenzion\w*|gratis|"
        # or as data the chat may keep: "se scrivo le sue analisi dove vanno a finire?"
        r"privacy|tenete|conserv\w*|salvat\w*|dove (?:vanno|finiscono)|chi (?:li |le )?legge)\b"
    )
)
_READ_REPORT = re.compile(
    _sq(
        r"\b(?:spiegar\w*|interpretar\w*|legger\w*|guardar\w*|spieghi|interpreti|leggi|guardi)"
        r"(?:\s+\w+){0,2}\s+(?:i |gli |le |il )?(?:esam\w*|analisi|valor\w*|risultat\w*|referto|"
        r"referti)\b"
    )
)
_READ_REPORT_RULE = _Rule(_READ_REPORT, "esam", "analisi", "valor", "risultat", "refert")
_DIAG_QUESTION = re.compile(
    _sq(
        r"\b(?:e(?<!\bcos e)(?<!\bcosa e)(?<!calcinosi e)(?<!tumorale e)|sara|sarebbe) "
        r"(?:(?:la|una|un|di|proprio|anche|forse|per caso)\s+){0,2}(?:calcinosi|tumor\w*|"
        r"cancro|calcificazion\w*|cisti|lipoma|gotta|maligno|maligna|benign\w*|grave|"
        r"pericolos\w*|normale|qualcosa di grave)\b"
        r"|\b(?:potrebbe|puo|potrebbero|possono) (?:essere|trattarsi di)\b"
        r"|\bsi tratta di\b|\bdi cosa si tratta\b|\bcosa (?:puo|potrebbe|sara|e) (?:essere|mai)?\b"
        r"|\b(?:che )?cos e\b|\bdevo preoccuparmi\b|\bmi devo preoccupare\b"
        r"|\bdobbiamo preoccuparci\b|\bci dobbiamo preoccupare\b|\bsecondo (?:te|voi)\b"
        r"|\b(?:che )?cos(?:a)? ho\b|\bcosa (?:ha|avra) (?:mio|mia)\b"
    )
)
_FINDING = _alt(
    r"pallin\w*", r"nodul\w*", r"bozz\w*", r"gonfior\w*", r"mass[ae]", "nodo",
    r"protuberanz\w*", r"rigonfiament\w*", r"macchi\w*", r"grum\w*", "cisti",
    r"calcificazion\w*", r"sassolin\w*", "puntini bianchi", "indurimento",
    "qualcosa di duro", "cosa dura", "lump", "bump",
)
_OWNER = (
    r"(?:ho|ha|hanno|abbiamo|mi (?:e|sono)|gli (?:e|sono)|le (?:e|sono)|ci (?:e|sono)|"
    r"e (?:venut\w*|compars\w*|spuntat\w*|uscit\w*)|sento|sente|mio|mia|miei|mie|i have|my)"
    r"(?!\s+(?:letto|sentito|studiato|cercato|una domanda|un dubbio|bisogno|chiesto|domandato|detto|nominato|parlato)\b)"
)
_OWNED_FINDING = re.compile(
    _sq(
        rf"\b{_OWNER}(?:\s+\w+){{0,4}}\s+{_FINDING}\b"
        rf"|\b{_FINDING}(?:\s+\w+){{0,3}}\s+(?:che|ce l) (?:ho|ha|abbiamo|mi e|gli e|le e)\b"
    )
)
_OWNED_FINDING_RULE = _Rule(
    _OWNED_FINDING, "pallin", "nodul", "bozz", "gonfior", "mass", "nodo", "protuberanz",
    "rigonfiament", "macchi", "grum", "cisti", "calcificazion", "sassolin", "puntini",
    "indurimento", "duro", "dura", "lump", "bump",
)
_SELF_DIAGNOSIS = re.compile(
    _sq(
        r"\b(?:potrei|potrebbe|posso|puo|potremmo|rischio di|rischia di) avere (?:anche )?"
        r"(?:la |una )?(?:calcinosi|tumore|cancro)\b"
        r"|\b(?:e possibile|puo essere|potrebbe essere) che (?:io |lui |lei |mio \w+ |mia \w+ )?"
        r"(?:abbia|abbiamo) (?:la |una )?(?:calcinosi|tumore|cancro)\b"
        r"|\bcome (?:faccio|posso|facciamo|possiamo) (?:a )?(?:sapere|capire|scoprire) se "
        r"(?:ho|ha|abbiamo|mio|mia|anche)\b"
        r"|\bsecondo (?:te|voi) (?:ho|ha|e)\b"
        r"|\b(?:dici|dite|pensi|pensate|credi|credete) che (?:io |lui |lei )?(?:ho|ha|abbia|ce l (?:ho|ha)|sia)\b"
        r"|\bce l (?:ho|ha|abbiamo) anche (?:io|lui|lei|noi)\b"
        r"|\bho (?:anche )?io la calcinosi\b"
        r"|\b(?:potrei|potrebbe|posso|puo|potremmo|potrebbero|possono|rischio di|rischia di) "
        r"(?:anche )?averla\b"
    )
)
_SELF_DIAGNOSIS_RULE = _Rule(
    _SELF_DIAGNOSIS, "calcinosi", "tumore", "cancro", "sapere", "capire", "scoprire",
    "secondo", "ce l", "averla",
)
_RELATIVE_RE = re.compile(
    _sq(
        r"\b(?:mio|mia|miei|mie|nostro|nostra|nostri|nostre|suo|sua)\s+(?:\w+\s+)?"
        r"(?:fi?gli?\w*|bambin\w*|bimb\w*|marito|moglie|padre|madre|papa|mamma|nonn\w*|"
        r"fratell\w*|sorell\w*|compagn\w*|ragazz\w*|piccol\w*|zi[oa]|nipot\w*|suocer\w*|"
        r"partner|genitor\w*)\b|\b(?:lui|lei|papa|mamma)\b"
    )
)


def _modal_advice(text: str) -> bool:
    has_relative: bool | None = None
    medicines: list[int] | None = None
    for rule, needs_relative in ((_ADVICE_MODAL_ME_RULE, False), (_ADVICE_MODAL_THEM_RULE, True)):
        for m in rule.finditer(text):
            if needs_relative:
                if has_relative is None:
                    has_relative = _RELATIVE_RE.search(text) is not None
                if not has_relative:
                    break
            verb = m.group("verb")
            if _VERB_STRONG_RE.match(verb) and not _NOT_A_MEDICINE_AFTER.match(text, m.end()):
                return True
            # "posso prenderlo?" is about a medicine, "posso prenderla anche io?" about
            # catching the illness: a clitic counts unless the message is about contagion.
            if _CLITIC_RE.match(verb) and not _CONTAGION_RE.search(text):
                return True
            if _NON_MED_OBJECT.match(text, m.end()):
                continue
            if medicines is None:
                medicines = [med.start() for med in _MED_RE.finditer(text)]
            # a medicine named up to 60 chars before the modal or 90 chars after the verb
            if _near([m.start() - 30], medicines, 30) or _near([m.end() + 45], medicines, 45):
                return True
    return False


def _lab_advice(text: str) -> bool:
    text = SPORT.sub("sport", text)  # "giocando a calcio, niente di grave" is no lab value
    generic = _GENERIC_SUBJECT.search(text) is not None
    if _LAB_VALUE_RULE.search(text) and (
        _own(text, generic) or _REFERENCE_RANGE.search(text) is None
    ):
        return True
    if _OWN_REPORT_RULE.search(text) and not _SCHEDULING.search(text):
        return True
    if _READ_REPORT_RULE.search(text) and _own(text, generic):
        return True
    for m in _OWN_LAB_EVALUATED_RULE.finditer(text):
        if _IF_CONDITION_BEFORE.search(text, max(0, m.start() - 20), m.start()):
            continue  # "cosa mi fa male mangiare se ho il fosforo alto?": a condition, not a value
        if _own(text, generic, max(0, m.start() - 60), m.end() + 40):
            return True
    return False


_IF_CONDITION_BEFORE = re.compile(
    _sq(r"\b(?:se|quando|chi|uno che) (?:ho|hai|ha|abbiamo|hanno|si ha) (?:il |la |lo |l |i )?$|\b(?:con|col) (?:il |la |lo |l )?$")
)


# "quali sono i valori normali del fosforo?", "cosa succede se il fosforo è 6,1?": ranges
# depend on age and laboratory, and a number means something only for one person: the
# specialist answers, even without "my" (the general topic would invite self-judging).
_NORMAL_VALUES = re.compile(
    _sq(
        rf"\b(?:valor\w*|range|intervall\w*|limit\w*|soglia)\s+(?:\w+\s+){{0,2}}?"
        rf"(?:normal\w*|di riferimento|giust\w*|alt\w*|bass\w*|divers\w*|nella norma)"
        rf"\s+(?:\w+\s+){{0,3}}?{_LAB}\b"
        rf"|\b{_LAB}\s+(?:\w+\s+){{0,3}}?(?:normal\w*|nella norma)\b(?=[^.]*\?)"
        rf"|\bcosa succede se (?:\w+\s+){{0,2}}?{_LAB}\b"
        rf"|\b(?:a|oltre|sopra|sotto|da) (?:che|quale) valor\w* (?:di |del |della )?{_LAB}\b"
    )
)
_NORMAL_VALUES_RULE = _Rule(_NORMAL_VALUES, *_LAB_NEEDLES)


# "la pelle è normale": a description, not the question "è normale?".
_DESCRIBED_NORMAL = re.compile(
    _sq(r"\b(?:pelle|tutto|resto|colore|aspetto|temperatura|movimento)\s+(?:\w+\s+){0,2}?e normale$")
)


def _diagnosis_advice(text: str) -> bool:
    if _SELF_DIAGNOSIS_RULE.search(text):
        return True
    if not _OWNED_FINDING_RULE.search(text):
        return False
    return any(
        not _DESCRIBED_NORMAL.search(text, 0, m.end()) for m in _DIAG_QUESTION.finditer(text)
    )


# A medicine in pregnancy or while breastfeeding is always the specialist's decision.
_PREGNANCY = re.compile(_sq(r"\b(?:allatt\w*|incinta|gravidanz\w*|gravid[ae]|aspett\w* un bambin\w*)\b"))
# A decision on surgery: "ha ancora senso che si operi alla sua età?"
_SURGERY_DECISION = re.compile(
    _sq(r"\b(?:ha (?:ancora )?senso|conviene|vale la pena|e il caso|e meglio) (?:che )?(?:si |mi |lo |la |ci )?(?:oper\w*|fa(?:re|rsi)? operare)\b")
)
# Asking the bot itself to prescribe (not "mi fai la ricetta della carbonara?": a recipe).
_PRESCRIBE_ME = re.compile(
    _sq(r"\b(?:mi|ci|gli|le) (?:prescriv\w*|fai la ricetta|fate la ricetta)|\bprescrivi(?:mi|ci|gli|le)\b"
        r"|\b(?:puoi|potete|potresti|potreste) (?:prescriver\w*|farmi la ricetta)")
)
_RECIPE_OF = re.compile(_sq(r"\s+(?:del|della|dello|dei|delle|degli|di|per (?:il|la|i|le|fare))\s"))


def _asks_prescription(text: str) -> bool:
    m = _PRESCRIBE_ME.search(text)
    if m is None:
        return False
    recipe = _RICETTA in m.group() and _RECIPE_OF.match(text, m.end()) is not None
    return not recipe or _MED_RE.search(text) is not None


def _advice_match_form(text: str) -> bool:
    if _asks_dose(text):
        return True
    if _modal_advice(text) or _asks_prescription(text) or _OWN_AMOUNT.search(text) or _SURGERY_DECISION.search(text):
        return True
    if _MED_RE.search(text) and (
        _ADVICE_IF.search(text) or _ADVICE_PASSIVE.search(text) or _PREGNANCY.search(text)
    ):
        return True
    return _lab_advice(text) or _diagnosis_advice(text) or bool(_NORMAL_VALUES_RULE.search(text))


# The intent classifier also learns "urgenza" from examples. It catches red flags worded
# in ways the rules above do not know, but it also fires on calm words ("fortissimo",
# "febbre"): its urgent guess is trusted only when it is confident and the message does
# not say the problem is old, absent or asked about in general.
CLASSIFIER_URGENT_CONFIDENCE = 0.5
# With no alarming word at all ("mi hai tolto un peso dal petto"), a surer guess is needed.
CLASSIFIER_URGENT_CONFIDENCE_NO_ALARM = 0.6
# "voleva farla finita con le cure": giving up a treatment, not one's life.
_GIVING_UP_SOMETHING = re.compile(
    _sq(r"\bfarla finita con (?:le|la|il|i|gli|lo|questa|questo|sta|sto|queste|questi) (?!vita\b|mondo\b)\w+")
)
_CALM_CONTEXT = re.compile(
    _sq(
        r"\bda (?:(?:qualche|un|una|due|tre|molti|molte|diversi|diverse|parecchi\w*|tant\w*) )?"
        r"(?:giorni|settiman\w*|mes[ei]|ann[oi]|tempo|sempre)\b"
        r"|\b(?:non|nessun\w*|niente|senza)\s+(?:\w+\s+){0,3}?(?:dolor\w*|male|febbre|pus|"
        r"sangue|fa male|brucia|fastidio|respir\w*|fiato|aria)\b"
        r"|\b(?<!non )(?:st[aoi] bene|stanno bene|respir\w* (?:bene|benissimo|normalmente)|guarit\w*|"
        r"tutto (?:a posto|bene|tranquillo))\b"
        r"|\b(?:come (?:capisco|faccio a capire|si capisce|riconosco)|cosa (?:fare|faccio) se|"
        r"quando (?:devo|bisogna) (?:chiamare|andare)|in generale|solo curiosita)\b"
        # it comes and goes: "l'anca ogni tanto si gonfia e diventa calda"
        r"|\b(?:ogni tanto|di tanto in tanto|periodicamente|a periodi|(?:adesso|ora) va (?:molto |tutto )?meglio)\b"
    )
)


_ALARM_WORD = re.compile(
    _sq(r"\b(?:soffoc\w*|sven\w*|emergenz\w*|infart\w*|muoio|morire|dolor\w*|male|malissim\w*|respir\w*|fiato|"
        r"febbr\w*)\b")
)


def classifier_urgency_is_credible(text: str, confidence: float) -> bool:
    """Whether the classifier's "urgenza", with the rules silent, is kept: it is confident,
    and the message neither calls the problem old, absent or general, nor uses its alarming
    word as a figure of speech or tells it as a story long past (the tests the rules use)."""
    form = _match_form(text)
    if confidence < CLASSIFIER_URGENT_CONFIDENCE or _CALM_CONTEXT.search(form) or _is_generic_question(form):
        return False
    if _GIVING_UP_SOMETHING.search(form):
        return False
    alarms = list(_ALARM_WORD.finditer(form))
    if not alarms:
        return confidence >= CLASSIFIER_URGENT_CONFIDENCE_NO_ALARM
    return not any(_taken_back(form, m.start(), m.end()) for m in alarms)


# The question of a long message judges the values told in its context ("il fosforo era 7.
# È grave?", "cosa ne pensate?"): then those values decide, not only the question.
_JUDGING_QUESTION = re.compile(
    _sq(
        rf"\b(?:{_EVALUATION})\b|\b(?:cosa ne pens\w*|che ne dit\w*|secondo (?:te|voi)|"
        r"e tanto|e poco|e giust[oa]|ha ragione|cosa (?:devo|dobbiamo|deve) fare|cosa faccio|"
        r"cosa facciamo|significa\w*|vuol dire|e grave|preoccup\w*|e pericolos\w*)\b"
    )
)


def _values_asked(form: str) -> bool:
    return _lab_advice(form) or bool(_NORMAL_VALUES_RULE.search(form))


def mentions_own_values(text: str) -> bool:
    """The message tells or asks about one's own lab values or report, anywhere in it."""
    return bool(text) and _values_asked(_match_form(text))


def asks_dose(text: str) -> bool:
    """A dose, how often or how much of a medicine, or a missed dose."""
    return bool(text) and _asks_dose(_match_form(text))


def needs_specialist_only(text: str) -> bool:
    """A personal request that no general answer can serve: a dose or a missed dose, one's
    own lab values or report. (Other personal questions, like "posso prendere la vitamina
    D?" or "ce l'ho anche io?", get the general answer with the caveat.) In a long message
    the values count when its question asks about them or judges them; values told only as
    context ("il fosforo era 7 e qualcosa. Si cura uguale?") leave the question general."""
    if not text:
        return False
    form = _match_form(text)
    if _asks_dose(form):
        return True
    focus = question_part(text)
    if focus is not None:
        asked = _match_form(focus)
        if not _JUDGING_QUESTION.search(asked):
            return _values_asked(asked)
    return _values_asked(form)


def asks_personal_advice(text: str) -> bool:
    """True if the message asks for a personal medical decision or interpretation."""
    if not text:
        return False
    return _advice_match_form(_match_form(text))


def classify(text: str) -> str | None:
    """``"urgenza"`` for red flags, ``"consiglio_personale"`` for personal advice, else None."""
    if not text:
        return None
    form = _match_form(text)
    if _urgent_match_form(form):
        return URGENT
    if _advice_match_form(form):
        return PERSONAL_ADVICE
    return None
