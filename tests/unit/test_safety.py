"""Unit tests for bot.safety (red flags and personal-advice requests)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest

from bot import safety
from bot.safety import asks_personal_advice, classify, is_urgent, normalize

# --------------------------------------------------------------------------- normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Che cos'è la CALCINOSI tumorale?", "che cos e la calcinosi tumorale"),
        ("E' grave? Perche' succede?", "e grave perche succede"),
        ("perché è così più già", "perche e cosi piu gia"),
        ("Il mio fosforo è 5,8!", "il mio fosforo e 5,8"),
        ("fosforo 6.1, è alto?", "fosforo 6.1 e alto"),
        ("  tanti    spazi\t\ne righe  ", "tanti spazi e righe"),
        ("fine frase. Nuova, frase", "fine frase nuova frase"),
        ("dolore 😭😭 fortissimo!!!", "dolore fortissimo"),
        ("l’aria manca", "l aria manca"),
        ("un po' di male", "un po di male"),
        ("Brustschmerzen, Übelkeit", "brustschmerzen ubelkeit"),
        ("snake_case-e-trattini", "snake case e trattini"),
        ("zero\u200bwidth soft\u00adhyphen", "zerowidth softhyphen"),
        ("", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_normalize_is_idempotent() -> None:
    text = "Cos'è? E' la FEBBRE a 38,5° — perché?! 🤒"
    assert normalize(normalize(text)) == normalize(text)


# ------------------------------------------------------------------------- red flags

URGENT_POSITIVE = [
    # severe or sudden pain
    "ho un dolore fortissimo al gomito",
    "dolore insopportabile all'anca da stanotte",
    "mi fa un male terribile la spalla",
    "ho avuto un dolore improvviso al ginocchio",
    "sento una fitta lancinante nel fianco",
    "non riesco a muovere il braccio dal dolore",
    "mia figlia piange dal dolore e non si calma",
    "all'improvviso un dolore atroce alla mano",
    "il dolore al piede è diventato insopportabile",
    "mi fa malissimo il gomito",
    "ho un male cane alla gamba",
    "dolre fortisimo e nn passa",  # typos
    "DOLORE INSOPPORTABILE!!!",
    "dolore 10/10 al gomito",
    # fever with an inflamed lump or an open / discharging wound
    "febbre alta e la massa è rossa e gonfia",
    "la ferita butta pus e ho la febbre",
    "ho la febbre a 38,5 e il gomito è gonfio e caldo",
    "mio figlio ha la febre e la pallina sul fianco si è aperta",
    "da ieri febbre, la fistola sull'anca perde liquido",
    "Ho 39 di febbre. La calcificazione sul ginocchio è diventata rossa.",
    "febbre a 40 da due giorni",
    # infected-looking wound
    "esce del pus dalla ferita",
    "la ferita è calda e puzza",
    "sulla pelle vicino alla ferita ci sono strisce rosse",
    "il rossore intorno alla fistola si allarga",
    "la ferita sembra infetta",
    "la massa sul gomito è rossa e calda",
    # chest pain
    "ho dolore al petto",
    "mi fa male il petto quando respiro",
    "sento un'oppressione al petto",
    "male al torace da un'ora",
    "dolore toracico e sudo freddo",
    "credo di avere un infarto",
    # breathing
    "non riesco a respirare",
    "ho il fiato corto anche a riposo",
    "mi manca l'aria",
    "respiro a fatica da stamattina",
    "mio padre fa fatica a respirare",
    # fainting
    "sono svenuto stamattina",
    "mia madre è svenuta in cucina",
    "perde i sensi ogni tanto",
    "ha avuto uno svenimento",
    "mi sento svenire",
    # seizures, confusion
    "mio figlio ha le convulsioni",
    "mio padre è molto confuso e non mi riconosce",
    "la nonna è in stato confusionale",
    # emergency
    "è un'emergenza",
    "chiamo il 118?",
    "devo chiamare il 112?",
    "dobbiamo andare al pronto soccorso?",
    "chiamate un'ambulanza",
    # self-harm / suicidal thoughts
    "voglio farla finita",
    "non voglio più vivere",
    "ho pensieri di suicidio",
    "a volte penso di farmi del male",
    "vorrei uccidermi",
    "non ce la faccio più a vivere così",
    "mia figlia dice che vuole morire",
    "non ho più voglia di vivere",
    "non voglio piu' vivere 😢",
    # generic question but self-harm is never suppressed
    "il suicidio è frequente nelle malattie rare?",
    # negation does not cancel a present red flag next to it
    "non ho febbre ma ho un dolore fortissimo alla spalla",
    "non ho mai avuto un dolore così forte al petto",
    "non so se è normale ma mi manca l'aria",
    # English / German
    "I have chest pain",
    "I can't breathe",
    "sometimes I want to kill myself",
    "thinking about suicide",
    "Ich habe Brustschmerzen",
    "ich bekomme keine Luft",
    # emoji
    "😭😭 dolore insopportabile 😭😭",
    "🫁 non riesco a respirare 🫁",
    # more wording seen in practice
    "ho un forte dolore al gomito",
    "non ce la faccio più",
    "non ce la faccio più con questo dolore",
    "ho paura di morire",
    "mio figlio trema e non risponde",
    "mia madre è confusa e parla a vanvera",
    "sto per svenire",
    "ho 40 di febbre",
    "perde tanto sangue dalla ferita",
    "Mio figlio stanotte ha avuto la febbre a 38 e stamattina la pallina sul fianco era rossa",
    "ho la calcinosi e ho dolore al petto",
    "dolore al petto, è un sintomo della calcinosi?",
    "se ho la febbre e la massa è rossa cosa faccio?",
    "FEBBRE ALTA E MASSA ROSSA E GONFIA",
    "febre alta e la masa e rosa e gonfia",  # typos and missing accents
    "aiutooo non riesco a respirareee",
]

URGENT_NEGATIVE = [
    "che cos'è la calcinosi tumorale?",
    "la calcinosi fa male?",
    "come si cura il dolore nella calcinosi?",
    "quali sono i sintomi?",
    "cosa fare se la massa si apre sulla pelle?",
    "la febbre è un sintomo?",
    "il dolore è normale?",
    "si può morire di calcinosi?",
    "il dolore al petto è un sintomo della calcinosi tumorale?",
    "la calcinosi può causare fiato corto?",
    "lo svenimento è tipico della calcinosi?",
    "le convulsioni sono una complicanza frequente?",
    "una ferita infetta può essere pericolosa?",
    "ho un po' di dolore al gomito quando lo piego",
    "mi fa male la spalla da qualche giorno",
    "ho la febbre da ieri e il raffreddore",
    "ho la febbre ma la massa non è rossa né gonfia",
    "mio figlio ha avuto la febbre la settimana scorsa, la massa è sempre uguale",
    "non ho febbre e non ho dolore al petto, volevo sapere della dieta",
    "nessun dolore al petto, solo una domanda sul fosforo",
    "il dolore non è fortissimo ma dura da giorni",
    "sono confusa su quale sia la dieta giusta",
    "mi sento confuso dalle tante informazioni",
    "il sito non riconosce la mia password",
    "quando devo fare la prossima visita?",
    "dalla massa esce un materiale bianco come gesso, è normale?",
    "quanto fosforo c'è nel formaggio?",
    "posso fare sport con la calcinosi?",
    "ho paura che il farmaco possa farmi del male",
    "il chelante può uccidermi?",
    "grazie mille, buona giornata",
    "ciao",
    "",
    "   ",
    "😀👍",
    "what is tumoral calcinosis?",
    "does tumoral calcinosis hurt?",
    "my elbow hurts a bit",
    "is chest pain a symptom of tumoral calcinosis?",
    "Was ist tumorale Kalzinose?",
    "ciao ho la calcinosi e volevo sapere se è vero che il dolore improvviso è un sintomo",
    "la calcinosi è un'emergenza?",
    "l'ospedale è in emergenza sanitaria",
    "sono stato al pronto soccorso ieri",
    "il medico non risponde alle mail",
    "ho il fiatone dopo le scale",
    "mi sono fatto male cadendo",
    "la febbre a 38 è pericolosa?",
    "mio figlio ha 39 di febbre",
    "il dolore è meno forte di ieri",
    "non respiro bene col naso chiuso",
    "la massa può diventare rossa e calda?",
    "le calcificazioni possono infettarsi?",
    "mia madre è confusa su cosa mangiare",
    "ho fatto un intervento e la cicatrice è rossa",
    "mio figlio ha 40 anni e la massa è rossa",
    "non ho nessun dolore",
    "ho male, ma non fortissimo",
    "non ce la faccio più ad aspettare la visita, quando mi chiamano?",
]


@pytest.mark.parametrize("text", URGENT_POSITIVE)
def test_is_urgent_positive(text: str) -> None:
    assert is_urgent(text) is True


@pytest.mark.parametrize("text", URGENT_NEGATIVE)
def test_is_urgent_negative(text: str) -> None:
    assert is_urgent(text) is False


# ------------------------------------------------------------------ personal advice

ADVICE_POSITIVE = [
    "quali sono i valori normali del fosforo?",
    "qual è il range di riferimento del PTH?",
    # doses
    "quanti mg di sevelamer devo prendere?",
    "quanto ne prendo?",
    "che dose di acetazolamide serve a un bambino di 20 kg?",
    "quante compresse al giorno?",
    "quante gocce di vitamina d gli do?",
    "ogni quanto lo devo prendere?",
    "ho dimenticato la dose di stamattina, cosa faccio?",
    # start / stop / change a medicine or supplement
    "posso smettere il chelante?",
    "devo aumentare la vitamina d?",
    "posso prendere il carbonato di calcio?",
    "mio figlio può sospendere l'acetazolamide?",
    "posso prendere l'ibuprofene per il dolore?",
    "devo ridurre il sevelamer?",
    "possiamo saltare la compressa della sera?",
    "posso prenderlo a stomaco vuoto?",
    "è meglio sospendere la terapia prima dell'intervento?",
    "se smetto il legante del fosforo cosa succede?",
    "mia figlia deve continuare a prendere il probenecid?",
    "dovrei cambiare farmaco?",
    "il chelante va sospeso in estate?",
    "posso dare la tachipirina a mio figlio?",
    # own lab values
    "il mio fosforo è 5,8 è grave?",
    "ho il PTH a 80 cosa vuol dire",
    "gli esami di mia figlia: fosforo 6.1, è alto?",
    "fosforo 7 mg/dl, devo preoccuparmi?",
    "mio figlio ha il fosforo alto, cosa devo fare?",
    "mi è uscito il calcio a 10,5",
    "puoi spiegarmi i miei esami?",
    "nel mio caso cosa conviene fare?",
    # self-diagnosis
    "ho una pallina dura sul gomito, è calcinosi?",
    "mi è venuto un bozzo sull'anca, cosa può essere?",
    "a mio figlio è comparso un nodulo sul fianco, è grave?",
    "potrei avere la calcinosi anche io?",
    "come faccio a sapere se ho la calcinosi?",
    # typos / no accents / emoji
    "posso smetere il kelante? 🙏",  # typos
    "mio fglio puo sospendere l acetazolamide",
    "è ereditaria? mio figlio potrebbe averla?",
    "cosa succede se smetto la terapia?",
    "PTH 80 è alto?",
    "ho fatto gli esami: fosforo 4,2 calcio 9,8",
    "can I stop taking acetazolamide?",
]

ADVICE_NEGATIVE = [
    "quali farmaci si usano?",
    "cos'è un legante del fosforo?",
    "perché evitare la vitamina d?",
    "ogni quanto si fanno gli esami?",
    "come funziona l'acetazolamide?",
    "il fosforo normale è tra 2,5 e 4,5?",
    "il fosforo alto è pericoloso?",
    "perché il fosforo è alto nella calcinosi?",
    "chi ha la calcinosi ha il fosforo alto?",
    "ho letto che la vitamina d è sconsigliata, perché?",
    "che esami servono per la diagnosi?",
    "che cos'è la calcinosi tumorale?",
    "la calcinosi è ereditaria?",
    "si può guarire dalla calcinosi?",
    "posso prendere un appuntamento con uno specialista?",
    "devo cambiare centro di riferimento?",
    "posso fare sport?",
    "quanto dura la terapia di solito?",
    "quante volte devo fare gli esami del sangue?",
    "mio figlio ha 12 anni e la calcinosi, cosa può mangiare?",
    "ho una domanda: cos'è una calcificazione?",
    "quanto devo aspettare per la visita?",
    "come si interpretano gli esami?",
    "ciao, grazie",
    "",
    "what drugs are used for tumoral calcinosis?",
    "posso mangiare il formaggio?",
    "devo bere più acqua?",
    "la vitamina D va evitata?",
    "che cosa succede se si smette la terapia?",
    "quanto calcio c'è nel latte?",
    "il PTH normale quanto deve essere?",
    "mio figlio ha la calcinosi tumorale, è un tumore?",
    "ho la calcinosi tumorale da 5 anni, cosa posso mangiare?",
]


@pytest.mark.parametrize("text", ADVICE_POSITIVE)
def test_asks_personal_advice_positive(text: str) -> None:
    assert asks_personal_advice(text) is True


@pytest.mark.parametrize("text", ADVICE_NEGATIVE)
def test_asks_personal_advice_negative(text: str) -> None:
    assert asks_personal_advice(text) is False


# -------------------------------------------------------------------------- classify


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ho un dolore fortissimo al gomito", "urgenza"),
        ("posso smettere il chelante?", "consiglio_personale"),
        ("che cos'è la calcinosi tumorale?", None),
        # both: the red flag wins
        ("ho dolore al petto, posso prendere l'ibuprofene?", "urgenza"),
        ("il mio fosforo è 6, non riesco a respirare", "urgenza"),
        ("", None),
    ],
)
def test_classify(text: str, expected: str | None) -> None:
    assert classify(text) == expected


@pytest.mark.parametrize("text", URGENT_POSITIVE)
def test_classify_urgent_is_urgenza(text: str) -> None:
    assert classify(text) == "urgenza"


@pytest.mark.parametrize("text", ADVICE_POSITIVE)
def test_classify_advice_is_never_none(text: str) -> None:
    assert classify(text) in {"urgenza", "consiglio_personale"}


# --------------------------------------------------------------------- long messages

_FILLER_IT = (
    "Buongiorno, scrivo per mio figlio che ha dodici anni e da tre anni segue la terapia "
    "per la calcinosi tumorale presso il centro di riferimento della nostra regione. "
    "Volevo chiedere qualche informazione sulla dieta, perché la dietista ci ha detto di "
    "limitare i latticini e i cibi confezionati con i fosfati aggiunti, ma a scuola è "
    "difficile controllare cosa mangia a mensa. Abbiamo provato a parlare con le maestre "
    "e con la cuoca, che sono state gentili, però non sempre riescono a seguire le "
    "indicazioni. Inoltre vorrei sapere se ci sono associazioni di pazienti in Italia, "
    "perché ci sentiamo un po' soli e sarebbe bello confrontarsi con altre famiglie che "
    "vivono la stessa situazione, scambiarsi consigli pratici sulle visite, sugli esami "
    "del sangue e sui viaggi lunghi in macchina fino all'ospedale, che dura quasi tre ore "
    "ogni volta, con le soste per mangiare qualcosa e far riposare il bambino, che in "
    "macchina si stanca molto e a volte si annoia, nonostante i giochi e la musica. "
)
_FILLER_IT_2 = (
    "Un'altra cosa: la prossima visita è fra due mesi e vorrei prepararmi bene, con un "
    "elenco di domande per il medico sulla scuola, sullo sport e sulle vacanze al mare. "
    "Grazie mille per il vostro lavoro e per la pazienza, buona giornata a tutti voi."
)


def _long(flag: str) -> str:
    return _FILLER_IT + flag + " " + _FILLER_IT_2


def test_long_filler_has_over_200_words_and_is_calm() -> None:
    text = _long("")
    assert len(text.split()) > 200
    assert is_urgent(text) is False


@pytest.mark.parametrize(
    "flag",
    [
        "Da stanotte però ha la febbre alta e la massa sul gomito è rossa e gonfia.",
        "Ah, dimenticavo: ieri sera è svenuto in bagno.",
        "Stamattina diceva che non riesce a respirare bene, ha il fiato corto.",
        "Io invece da un'ora ho un dolore al petto che non passa.",
        "Sinceramente a volte non ce la faccio più a vivere così.",
        "Adesso ha un dolore fortissimo alla spalla e piange.",
        "La ferita dove hanno tolto la calcificazione butta pus.",
    ],
)
def test_buried_red_flag_in_long_message(flag: str) -> None:
    text = _long(flag)
    assert len(text.split()) > 200
    assert is_urgent(text) is True
    assert classify(text) == "urgenza"


def test_fever_far_from_lump_in_long_message_is_not_urgent() -> None:
    text = (
        "L'inverno scorso ha avuto la febbre per l'influenza. "
        + _FILLER_IT
        + _FILLER_IT_2
        + " La massa sul gomito è sempre un po' gonfia, come al solito."
    )
    assert is_urgent(text) is False


def test_buried_personal_advice_in_long_message() -> None:
    text = _long("Per caso posso smettere il chelante durante l'estate?")
    assert is_urgent(text) is False
    assert asks_personal_advice(text) is True
    assert classify(text) == "consiglio_personale"


HUGE_MESSAGES = {
    "calm_text": _FILLER_IT * 150,
    "pain_anchor_words": "dolore " * 20_000,
    "fever_and_lump_far_apart": ("febbre " * 8_000) + ("massa " * 8_000),
    "negations": "non " * 30_000,
    "one_long_word": "a" * 100_000,
    "digit_separators": "5,5,5,5." * 15_000,
    "emoji": "😀" * 100_000,
    "possessive_and_lab": "mio fosforo " * 10_000,
    "modal_verbs": "posso " * 20_000,
    "modal_and_verb": "posso prendere " * 8_000,
    "generic_question_frames": "cos e il dolore al petto " * 5_000,
    "near_misses": "dolore al gomito e non " * 5_000,
}


# Generous bound: it only has to catch catastrophic backtracking (seconds to minutes),
# not measure speed on a busy CI machine. Typical cost is 0.05-0.2 s per call.
MAX_SECONDS_PER_CALL = 2.0


@pytest.mark.parametrize("text", HUGE_MESSAGES.values(), ids=HUGE_MESSAGES.keys())
@pytest.mark.parametrize("function", [classify, is_urgent, asks_personal_advice])
def test_huge_message_is_fast(text: str, function: Callable[[str], object]) -> None:
    assert len(text) >= 100_000
    started = time.perf_counter()
    function(text)
    assert time.perf_counter() - started < MAX_SECONDS_PER_CALL


def test_huge_message_with_buried_flag_at_the_end() -> None:
    text = (_FILLER_IT * 150) + " Adesso non riesco a respirare."
    assert len(text) > 100_000
    started = time.perf_counter()
    assert is_urgent(text) is True
    assert time.perf_counter() - started < MAX_SECONDS_PER_CALL


# ------------------------------------------------------------------------ internals


def test_squeeze_keeps_regex_escapes() -> None:
    assert safety._sq(r"\bbutta\s+ssì") == r"\bbuta\s+sì"
    assert re.search(safety._sq(r"\bfebbre\b"), "ho la febre") is not None


_ALL_TEXTS = [
    *URGENT_POSITIVE,
    *URGENT_NEGATIVE,
    *ADVICE_POSITIVE,
    *ADVICE_NEGATIVE,
    _long(""),
    _FILLER_IT_2,
]
_RULES = {name: rule for name, rule in vars(safety).items() if isinstance(rule, safety._Rule)}


@pytest.mark.parametrize("name", sorted(_RULES))
def test_rule_needles_cover_every_match(name: str) -> None:
    """The substring pre-filter must never hide a match of its regex."""
    rule = _RULES[name]
    matched = 0
    for text in _ALL_TEXTS:
        form = safety._match_form(text)
        for match in rule.regex.finditer(form):
            matched += 1
            assert any(n in match.group(0) for n in rule.needles), (name, match.group(0))
    assert matched > 0, f"{name} never matched the test corpus"


def test_needle_filter_skips_irrelevant_text() -> None:
    assert not safety._SELF_HARM_RULE.possible(safety._match_form("che cos'è il fosforo?"))
    assert safety._CHEST_PAIN_RULE.possible(safety._match_form("dolore al petto"))


def test_empty_inputs() -> None:
    assert classify("") is None
    assert classify(" \n\t ") is None
    assert is_urgent("") is False
    assert asks_personal_advice("") is False


# -- figures of speech, things that are over, and the classifier's own urgent guesses ------

@pytest.mark.parametrize(
    "text",
    [
        "sono quasi svenuta quando mi hanno detto quanto costa il ticket",
        "mi sento soffocare dalle regole della dieta",
        "emergenza dieta: stasera ho ospiti, cosa cucino?",
        "ho avuto un dolore forte al ginocchio, ora passato",
        "sei programmato per le emergenze?",
        "tanti anni fa sono svenuto a un prelievo, quali esami devo fare adesso?",
        "mio fratello è svenuto l'anno scorso a una partita, da allora niente",
        "svengo sempre a vedere gli aghi, le analisi sono necessarie?",
        "mi sento morire dalla fame con questa dieta",
        "non riesco a respirare dal ridere per questa storia",
        "ridevamo tanto che quasi non riuscivo a respirare, comunque il cioccolato si può?",
        "la massa è un po' gonfia e calda ma febbre niente",
        "la fistola perde un po' di liquido, febbre non ne ha",
        "mia zia tempo fa aveva avuto la febbre con la massa infiammata, ora sta bene",
        "la burocrazia mi sta soffocando, come si chiede l'esenzione?",
        "ai prelievi sembra che svenga dalla paura (ma non è mai svenuta davvero)",
        "ieri mi sentivo soffocare nel tubo per la claustrofobia, perché serve la risonanza?",
        # Weeks or months ago, or chronic: not sudden.
        "due settimane fa sono svenuta per il caldo, con la calcinosi devo stare attenta al sole?",
        "il dolore fortissimo che avevo alla spalla l'anno scorso è passato, posso fare palestra?",
        "a marzo ho avuto un dolore forte al petto, era una contrattura. la calcinosi dà problemi al cuore?",
        "mio padre ha il fiato corto da anni per la bronchite, la calcinosi c'entra?",
        "la massa è rossa e calda da qualche mese ma senza febbre, è normale?",
        "il dolore forte di ieri è sparito del tutto, a chi lo dico se torna?",
        "sono claustrofobica, già mi sento soffocare solo a pensarci: serve la risonanza?",
        "svengo ogni volta che vedo il sangue, come faccio coi controlli?",
        "mi sento morire ogni volta che gli amici ordinano la pizza",
        "mi sento soffocare da tutte queste regole sul cibo",
        "un anno fa avevo la febbre alta e la spalla rossa, ora è tutto a posto",
        "quando ha letto la parola tumorale è quasi svenuto, perché si chiama così?",
        "è da stamattina che mi sento morire di stanchezza, ieri ho traslocato",
        "sono quasi svenuta a vedere il prezzo del parmigiano",
        "una volta la spalla mi faceva un male cane, ora con la dieta va meglio",
        "se avessi dolori fortissimi di notte a chi dovrei rivolgermi?",
        "ho soffocato una risata quando mi hanno vietato la coca cola",
        "anni fa la massa mi bloccava la gamba e avevo dolori tremendi, ora sto bene",
        "madonna che caldo oggi, soffoco proprio",
        "pressione perfetta, mai avuto svenimenti ne niente, cosi non vi preoccupate",
        "se un giorno avessi la febbre alta e la massa tutta rossa cosa dovrei fare?",
        "tranquilli non sto soffocando, ho solo la gola secca",
        "mi manca il fiato solo a pensare alle scale dell'ospedale",
        "a gennaio sono stata malissimo con l'influenza, febbre a 39, ora è passato",
        "quando uno ha la febbre deve stare attento alla massa?",
        "mi sento soffocare da tutte ste regole",
        "la dietista mi ha guardato malissimo, cosa taglio per primo?",
        "mi sono tagliata un dito cucinando, posso fare la doccia?",
        "mio figlio non respira male, russa soltanto: può fare nuoto?",
        "mai svenuta in vita mia, ma ai prelievi mi gira un po' la testa",
        "zero sangue, zero pus, esce solo roba bianca: come la copro?",
        "l'inverno scorso ho avuto la polmonite e respiravo malissimo, ora sto bene",
        "a 8 anni è stato ricoverato per un dolore fortissimo al gomito, ora ne ha 17",
        "la mia compagna di stanza è svenuta ieri in palestra, adesso sta bene. io ho la calcinosi: che esercizi posso fare?",
        "se un giorno mio figlio avesse difficoltà a respirare, potrebbe dipendere dalla calcinosi?",
        "quali sono i segnali per correre al pronto soccorso con questa malattia?",
        "soffoco di compiti, cosa mi controlla l'ortopedico?",
        "svengo per la fame, cosa metto nel piatto?",
        "mi è crollato il mondo addosso quando ho saputo la diagnosi",
        "quali sono i segnali per andare al pronto soccorso con questa malattia?",
        "quando è il caso di chiamare il 112 con la calcinosi?",
        "come capisco se una fistola si sta infettando?",
        "mio figlio ha 39 anni e la fistola si è aperta di nuovo, chi la medica?",
        "il sole scotta, con la cicatrice aperta posso andare al mare?",
    ],
)
def test_figures_of_speech_and_past_symptoms_are_not_red_flags(text: str) -> None:
    assert classify(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "mia madre è svenuta in cucina",
        "sono quasi svenuta poco fa",
        "mi sento soffocare",
        "ho un dolore fortissimo alla spalla, non passa",
        "è un'emergenza",
        "sono svenuto ieri",
        "mia madre è svenuta due minuti fa",
        "anni fa mi hanno operato, ora ho un dolore fortissimo al petto",
        "ha la febbre alta e la ferita butta pus, anni fa era stato operato",
        "non riesco a respirare",
        "ha la febbre e la massa sul gomito è rossa e gonfia",
        # Recent and over is still a reason to be seen today.
        "mia figlia è svenuta stamattina a scuola, ora sta bene",
        "ieri sera ho avuto un dolore fortissimo al petto ma è andata",
        "sto soffocando, la dieta la vediamo dopo",
        "mia figlia è svenuta dalla paura al prelievo e non si riprende",
        "da ieri ho un dolore fortissimo al petto",
        "due settimane fa mi hanno operato, ora ho un dolore fortissimo al petto",
        "ho il fiato corto da stamattina",
        "sono in risonanza e non riesco a respirare",
        "mi sento morire di dolore alla spalla",
        "ho un dolore al petto ogni volta che faccio le scale",
        "ho preso in mano le pastiglie di mia madre e ho pensato di prenderle tutte. non sto bene",
        "ieri sera ho avuto un dolore fortissimo al petto ma è passato",
        "oggi respira velocissimo e gli si vedono le costole rientrare",
        "non riesce a finire le frasi per il fiato",
        "ha le labbra blu",
        "non ho mai avuto un dolore così forte al petto",
        "una volta al giorno ho dolori fortissimi al petto",
        "soffoco, non riesco a respirare",
        "oggi mi sono tagliato e ho voglia di rifarlo",
        "ho paura di me stesso",
        "da ieri la pelle sopra la massa si è aperta, esce roba giallastra che puzza e lui scotta, 39 e 8",
        "dalla ferita cola un liquido verdastro",
        "ha 38,5 e la fistola butta",
        "non voglio più esserci, mi sento solo un peso per tutti",
        "ho scritto una lettera ai miei per salutarli",
        "dice che vuole sparire per sempre e che ha già deciso come",
        "ho cercato su internet quante pillole servono",
        "sto pensando di prenderle tutte insieme stasera",
        "penso spesso di tagliarmi",
        "mio papà è appena crollato per terra mentre parlava",
        "fatico a respirare e ho le labbra un po' viola",
        "tengo nu dulore 'mpietto ca nun se ne va e me manca 'o sciato",
        "mi bolle la fronte, 39 e passa, e la pallina sul gomito è rossa e gonfia",
        "il mio collega è svenuto in ufficio, cosa faccio?",
        "mio figlio sta male, ha la febbre alta e la massa è rossa: quando è il caso di chiamare il 112?",
        "questa massa mi fa un male fortissimo",
        "se avessi saputo prima... ora ho un dolore fortissimo al petto",
        "non sto bene, sto soffocando",
        "sto malissimo",
    ],
)
def test_the_same_words_said_plainly_still_are(text: str) -> None:
    assert classify(text) == "urgenza"


@pytest.mark.parametrize(
    ("text", "confidence", "credible"),
    [
        ("mi stringe il petto", 0.9, True),
        ("mi stringe il petto", 0.3, False),  # a weak guess
        ("prurito fortissimo da mesi", 0.96, False),  # old, not sudden
        ("mio figlio respira benissimo e sta bene, può fare nuoto?", 0.9, False),
        ("a gennaio ho avuto la febbre ma ora sono guarita, rifaccio gli esami?", 0.9, False),
        ("non l'ho fatto ma non sto bene", 0.9, True),  # "non sto bene" is not calm
        ("se un giorno avessi la febbre alta e la massa rossa cosa faccio?", 0.9, False),
        ("quando è il caso di chiamare il 112 con la calcinosi tumorale?", 0.9, False),  # general
        ("ha la febbre e la massa è diventata enorme", 0.9, True),
        ("nessuna febbre, solo un po' di rossore sulla massa", 0.8, False),
        ("come capisco se una ferita si sta infettando?", 0.8, False),  # a general question
        ("mi sento soffocare dalle regole", 0.9, False),
        ("non riesco a respirare dal ridere, ma perché si formano?", 1.0, False),
        ("pensavo di morire dal ridere, il prosciutto si può?", 0.95, False),
    ],
)
def test_the_classifier_urgent_guess_is_kept_only_when_credible(
    text: str, confidence: float, credible: bool
) -> None:
    from bot.safety import classifier_urgency_is_credible

    assert classifier_urgency_is_credible(text, confidence) is credible


@pytest.mark.parametrize(
    ("text", "only_specialist"),
    [
        ("quante gocce di vitamina D devo prendere?", True),
        ("ho il fosforo a 6,1, è grave?", True),
        ("posso prendere la vitamina D?", False),
        ("devo operarmi?", False),
    ],
)
def test_which_personal_questions_only_the_specialist_can_answer(
    text: str, only_specialist: bool
) -> None:
    from bot.safety import needs_specialist_only

    assert needs_specialist_only(text) is only_specialist


@pytest.mark.parametrize(
    "text",
    [
        "penso spesso che sarebbe meglio non svegliarmi più e ho anche pensato a come farlo",
        "ho voglia di morire",
        "mi sono fatta dei tagli sulle braccia",
        "ho preso troppe pastiglie, anche per sbaglio",
        "ho ingerito tutte le pastiglie",
        "non voglio più svegliarmi",
    ],
)
def test_thoughts_and_acts_of_self_harm_are_found_by_the_rules(text: str) -> None:
    assert classify(text) == "urgenza"


@pytest.mark.parametrize(
    "text",
    ["quali sono i valori normali del fosforo?", "qual è il range di riferimento del PTH?"],
)
def test_normal_values_of_a_test_are_for_the_specialist(text: str) -> None:
    """Ranges depend on age and laboratory; the general topic would invite self-judging."""
    from bot.safety import needs_specialist_only

    assert classify(text) == "consiglio_personale" and needs_specialist_only(text)


@pytest.mark.parametrize(
    "text",
    ["di solito quante volte a settimana si fa?", "quante volte a settimana devo andare in piscina?",
     "e quante volte a settimana?"],
)
def test_how_often_a_session_is_done_is_not_a_dose(text: str) -> None:
    assert classify(text) is None


def test_how_often_a_medicine_is_taken_is_a_dose() -> None:
    from bot.safety import needs_specialist_only

    assert needs_specialist_only("la vitamina D quante volte a settimana la devo prendere?")


@pytest.mark.parametrize(
    ("text", "only_specialist", "tells_values"),
    [
        # Values told as the context of a long message: the question decides.
        ("Mio marito è in dialisi da anni e il fosforo era 7 e qualcosa all'ultimo controllo. "
         "Adesso gli hanno trovato delle masse alla spalla. È la stessa malattia della forma "
         "genetica? Si cura allo stesso modo?", False, True),
        ("Ho il diabete e il pth era alto, l'endocrinologo vuole escludere la calcinosi "
         "tumorale. Quali esami mi faranno per capirlo?", False, True),
        # ...unless the question judges them or asks what to do with them.
        ("Mio marito è in dialisi da anni e all'ultimo controllo il fosforo era 7,4. Il medico "
         "non ha detto niente. È grave?", True, True),
        ("Faccio gli esami ogni tre mesi per la calcinosi e il mio fosforo era 6,8 a settembre. "
         "Cosa ne pensate?", True, True),
        # A dose anywhere is for the specialist.
        ("Prendo la vitamina D da quando ero piccola per le ossa, ora mi hanno detto calcinosi "
         "tumorale. Quante gocce al giorno posso ancora prenderne?", True, False),
        # "calcio" the sport is no lab value.
        ("mio figlio ha preso una botta giocando a calcio, niente di grave. deve evitare i colpi?", False, False),
    ],
)
def test_in_a_long_message_values_told_as_context_leave_the_question_general(
    text: str, only_specialist: bool, tells_values: bool
) -> None:
    from bot.safety import mentions_own_values, needs_specialist_only

    assert needs_specialist_only(text) is only_specialist
    assert mentions_own_values(text) is tells_values


# -- session 6: more figures of speech, stories and instructions; more red flags ----------

@pytest.mark.parametrize(
    "text",
    [
        "mi sento soffocare da tutti questi controlli, ogni mese un reparto diverso",
        "mi soffoca l'idea di fare esami per sempre",
        "mi ammazzo di ginnastica ma il ginocchio resta rigido",
        "stavo per svenire quando in farmacia mi hanno dato lo scontrino",
        "sono quasi svenuta quando l'infermiera mi ha mostrato l'elenco dei formaggi vietati",
        "quando il chirurgo ha detto la parola tumorale mi è venuto un colpo e sono quasi svenuta in studio",
        "mi sento morire ogni volta che apro la dispensa e vedo tutto quello che non posso mangiare",
        "al primo prelievo il bambino è svenuto, adesso sta benissimo ma ha paura del prossimo",
        "ho un dolore alla spalla mai forte, più che altro fastidioso",
        "dopo la mezza maratona avevo il fiato corto come tutti, adesso sto benissimo",
        "se un giorno la fistola si infetta cosa devo fare? per ora è asciutta",
        "se la massa diventasse calda e rossa con la febbre cosa farei?",
        "mi hanno detto che se il dolore diventa insopportabile devo chiamare, per ora è leggero",
        "su un gruppo ho letto di un ragazzo finito al pronto soccorso con la febbre e la massa infiammata, io come mi accorgo in tempo?",
        "mio nonno diceva sempre che aveva un male cane alla schiena, io invece come gestisco il dolore?",
        "mia zia dice che si sentiva svenire nella piscina troppo calda, a che temperatura si fa?",
        "non respiro più da quando ho smesso di fumare... scherzo, respiro benissimo",
        "nel 2018 la ferita si era infettata, poi è guarita: chi segue le ferite?",
        "la ferita non è infetta e va tutto bene, c'è un ambulatorio apposta?",
        "mio figlio ci sta malissimo quando i compagni lo prendono in giro",
        "vorrei sapere se le masse si riducono con la dieta",
        "a 14 anni mi si era aperta una fistola sul gomito con la febbre alta, da allora niente: servono ancora le visite?",
        "ho la gola gonfia e il raffreddore, posso fare gli esami?",
        "ieri mio figlio non mi rispondeva ai messaggi, poi mi ha chiamato: le analisi sono pronte?",
        "stamattina al prelievo ho avuto un mezzo mancamento perché ero digiuna, poi tutto passato, sto bene",
        "il signore del letto accanto respirava malissimo, hanno chiamato i medici, ora sta meglio. io invece volevo sapere della riabilitazione",
        "un altro ospite è stato male, respirava malissimo, abbiamo chiamato il 118 e ora sta meglio",
        "quando la dietista gli ha tolto i salumi ha detto 'mi ammazzo', e poi ha riso per mezz'ora",
        "al test mi sono sentito quasi svenire dalla fatica, poi mi è passato subito",
        "l'anestesia è stata un dolore insopportabile per cinque secondi, poi niente",
        "quando ho sommato le spese dell'anno sono quasi svenuta, ahah. a parte gli scherzi, c'è un'esenzione?",
        "ha fatto la tragica, mi uccido, addio mondo, e poi si è messa a ridere",
        "ieri nel film il protagonista crollava per un dolore al petto: la calcinosi calcifica le arterie?",
        "nei libri si parla di dolore lancinante, io ho solo un fastidio da mesi",
        "domanda generale, non riguarda me: se a qualcuno venisse un dolore fortissimo chi dovrebbe chiamare?",
        "quel dolore cane al ginocchio che avevo l'anno scorso è sparito, continuo gli esercizi?",
        "cito il mio reumatologo: 'pelle rossa, calda e febbre? non aspettare'. com'è la pelle quando va tutto bene?",
        "mi hanno dato del suicida perché mangio la pizza col salame",
        "esiste una pastiglia che la fa sparire per sempre?",
        "la spalla mi fa un male cane quando cambia il tempo, come si gestisce?",
        "il legante me lo scordo sempre, ho pensato di prenderli tutti la sera insieme: va bene?",
        "la mia vicina è stata portata via in ambulanza per un infarto, io ho la calcinosi: c'entra coi vasi?",
        "sto per morire... di curiosità: chi legge i messaggi?",
        "mi sento svenire solo all'idea del prelievo, quali esami mi faranno?",
        "mi viene il mal di testa più forte della mia vita ogni volta che provo a capire FGF23 e GALNT3",
        "le fitte al petto che avevo a vent'anni erano solo ansia, serve qualche controllo?",
        "la settimana scorsa 38,8 e brividi per l'influenza, ora sto bene: posso fare gli esami?",
        "mia zia all'inizio voleva farla finita con le cure, poi si è trovata benissimo",
        "dolore lancinante al ginocchio? già dato, con l'operazione di due anni fa",
        "il dottore mi aveva detto di andare subito se la massa diventava rossa e avevo febbre. non è mai successo",
        "mio figlio ha il terrore degli aghi, l'ultima volta è quasi svenuto al prelievo",
        "febbre alta e ferita aperta: è lo scenario che il medico mi ha descritto. io ho solo una crosticina",
        "mia suocera sviene ogni volta che le dico di togliere il formaggio",
        "l'affanno ce l'ho solo quando vado in bici in salita, come tutti",
        "u dulor 'mbett ca tenev l'ann passat era nu strapp, mo' sto bbun",
        "in ufficio c'è un'emergenza al giorno, con chi posso parlare di come mi sento?",
        "ogni volta che passa un'ambulanza mio figlio chiede se viene a prendere lui",
        "la piscina comunale è un delirio",
        "non è che sto per morire, ma la dieta quanto dura?",
        "ho un'ansia che mi soffoca: i miei medici sono tutti a firenze",
        "la gastroscopia mi terrorizza, ho paura di soffocare col tubo",
        "la notte sogno di soffocare sotto una montagna di formaggi",
        "basta, voglio farla finita con la pasta scotta di mia madre",
        "ho corso come un pazzo per arrivare al prelievo e sono arrivato senza fiato",
        "il tecnico ha detto 'che massa' e io stavo per svenire, poi il medico mi ha tranquillizzato",
        "ogni volta che sento la parola biopsia mi sento morire",
        "ho un dolore fortissimo... al portafoglio, gli integratori costano",
        "cosa si fa se esce del pus da una fistola? non a me, chiedo perché ne parlavano",
        "ho trovato E450 sulle patatine e mi è preso un mezzo collasso",
        "alla fine sono collassata sul divano",
        "mio figlio ha un mal di testa da morire quando studia troppo",
        "se la passo a loro mi sento morire, dice il mio ragazzo",
        "ho messo da parte le pastiglie di questo mese in un cassetto",
        "la pelle sopra la massa mi prude, non è rossa non è calda, niente febbre: è normale?",
        "lo so che la parola emergenza fa paura ma non c'è niente di urgente",
        "ho quasi avuto un collasso leggendo il prezzo del test genetico",
        "ho il terrore degli aghi, quasi svengo solo a vederli: ogni quanto servono i prelievi?",
        "ogni volta che vedo un ago quasi svengo, gli esami sono anche delle urine?",
        "ieri al parco un signore è svenuto davanti a me, ho chiamato il 112 e si è ripreso subito. io ho la calcinosi: quali centri la seguono?",
    ],
)
def test_session_6_calm_wordings_are_not_red_flags(text: str) -> None:
    assert is_urgent(text) is False


@pytest.mark.parametrize(
    "text",
    [
        "vorrei sapere se le masse si riducono, intanto da un'ora ho un dolore atroce al fianco",
        "mi stringe il petto da mezz'ora",
        "ho il petto stretto come in una morsa",
        "mi go un mal al peto da stamatina",
        "mia figlia mi ha detto che vuole tagliarsi",
        "la mia amica si vuole fare del male stasera",
        "non ha più senso vivere così",
        "mia moglie sta svenendo di continuo",
        "ha avuto un mancamento e non mi rispondeva",
        "mio marito è caduto a terra e non risponde",
        "'o bambino tene 'a freva a 40 e 'o bozzo è russo e abbuffato",
        "ha la febbre alta e il bozzo sul fianco è gonfissimo",
        "la ferita è aperta e puzza, lui ha la febbre e batte i denti",
        "la fistola sanguina così tanto che le garze sono zuppe",
        "anni fa mi hanno operato e da stamattina ho un dolore al petto",
        "l'anno scorso ho fatto gli esami, mi pare. da stamattina ho un dolore al petto che prende il braccio",
        "mio nonno diceva sempre di stare attento, ora ho un dolore fortissimo al petto",
        "mia madre dice che ha un dolore fortissimo al petto",
        "ho un dolore al petto ogni volta che faccio le scale",
        "dopo la compressa nuova ha le labbra gonfie e fa fatica a deglutire",
        "il gomito è rosso e gonfio e stamattina aveva 39,2",
        "stamattina mi sono risvegliata per terra in bagno e non ricordo come ci sono finita",
        "stanotte mi ha scritto: scusami per tutto, tra poco non vi darò più fastidio",
        "mi stringe forte il petto e sudo freddo",
        "sto veramente male dentro, penso di non voler più vivere",
        "tengh la frev a 40 e u vrazz è tutt russ e gunfiat",
        "mi gira tutto, poco fa sono finito per terra e non ricordo come",
        "ho comprato una corda. non so perché ve lo scrivo",
        "voglio farla finita con tutto",
        "teng nu dulor fort 'mbett e non rescj a respirà",
        "mio figlio è svenuto al prelievo stamattina e non si riprende",
        "sente come un elefante seduto sul petto",
        "da mezz'ora ho un dolore tra schiena e torace come una coltellata",
        "stasera mi butto dal balcone",
        "nun ce la faccio cchiù, me voglio accidere",
        "a volte penso che per tutti sarebbe più semplice se io non ci fossi",
        "non vedo più un motivo per andare avanti",
        "stanotte le prendo tutte, tanto nessuno se ne accorge",
        "mia suocera continua a svenire, è la terza volta in un'ora",
        "stamattina sono già crollata due volte appena alzata",
        "da un'ora faccio fatica a prendere fiato e mi fischia il petto",
        "emergenza, aiuto",
        "chiamate un'ambulanza",
        "ho pensato di prenderle tutte in una volta",
        "voglio sparire per sempre",
    ],
)
def test_session_6_red_flags_are_found_by_the_rules(text: str) -> None:
    assert is_urgent(text) is True


@pytest.mark.parametrize(
    ("text", "personal"),
    [
        ("mezza compressa o intera?", True),
        ("ne prendo una o due la sera?", True),
        ("la prendo mezza perché mi dà nausea, va bene?", True),
        ("10 gocce o 20?", True),
        ("da una settimana prendo le pastiglie nuove e mi fa male lo stomaco. le smetto?", True),
        ("potrei provarla da sola la niacinamide?", True),
        ("vorrei iniziare un integratore di magnesio e calcio, va bene?", True),
        ("la niacinamide, posso chiedere al medico di famiglia di prescrivermela?", True),
        ("quanto fosforo al giorno posso mangiare io?", True),
        ("vorrei smettere di ricevere i promemoria", False),
        ("il genetista ha nominato FGF23 e il fosforo alto, che c'entrano?", False),
        ("il pane integrale ha troppo fosforo?", False),
        ("se scrivo le sue analisi in chat dove vanno a finire?", False),
        ("un bambino gli ha chiesto cosa sono quei bozzi sul gomito, come glielo spiego?", False),
        ("devo continuarli gli esercizi anche adesso che sto bene?", False),
        ("mi fai la ricetta della carbonara?", False),  # a recipe
        ("mi fai la ricetta del sevelamer?", True),
        ("mi fai la ricetta?", True),
        ("cosa mi fa male mangiare se ho il fosforo alto?", False),  # a condition, not a value
        ("mi alzo da solo il dosaggio?", True),
        ("il farmacista m'ha dato il calcio carbonato pe' l'ossa, lo posso pigliare?", True),
        ("perché per noi i leganti a base di calcio no? a mio zio in dialisi li danno", False),
        ("la coca zero ha meno fosforo della coca normale?", False),
        ("tre anni di pastiglie e niente. ho deciso che da lunedì smetto tutto, faccio bene?", True),
        ("aspetto i risultati del fosforo, è normale stare così in ansia?", False),
        ("il fosforo di mio figlio è basso?", True),
        ("un'amica mi ha passato una crema al cortisone, me la metto?", True),
        ("nonno ha 80 anni, ha ancora senso che si operi?", True),
        ("mi hanno proposto il bifosfonato in flebo e ho deciso di non farlo. faccio bene a rifiutarlo?", True),
        ("ho il fosforo alto, è grave?", True),
        ("il parmigiano quanto ne posso grattugiare sulla pasta?", False),
        ("mi sono trovata un nodulo duro sull'anca, dici che ho la calcinosi anche io?", True),
        ("prendo l'acetazolamide e ho i formicolii, sto pensando di sospenderla", True),
        ("prendo il calcitriolo da anni per la tiroide. ora ho anche la calcinosi. lo posso ridurre da sola?", True),
    ],
)
def test_session_6_personal_questions(text: str, personal: bool) -> None:
    assert asks_personal_advice(text) is personal


@pytest.mark.parametrize(
    ("text", "dose"),
    [
        ("10 gocce o 20?", True),
        ("mezza compressa o intera?", True),
        ("a che valore di fosforo si comincia il legante?", False),
        ("quanto fosforo al giorno posso mangiare io?", False),  # an amount: general diet answer with the caveat
        ("ho il calcio alto per le paratiroidi, c'entra con la calcinosi?", False),
    ],
)
def test_a_dose_is_told_apart_from_other_personal_questions(text: str, dose: bool) -> None:
    from bot.safety import asks_dose

    assert asks_dose(text) is dose


def test_a_negated_breathing_word_does_not_make_the_classifier_guess_credible() -> None:
    from bot.safety import classifier_urgency_is_credible

    assert not classifier_urgency_is_credible("non mi manca il respiro ne niente, il nuoto va bene?", 0.9)
    assert classifier_urgency_is_credible("mi manca il respiro", 0.9)


def test_the_classifier_guess_needs_more_when_the_message_has_no_alarming_word() -> None:
    from bot.safety import classifier_urgency_is_credible

    assert not classifier_urgency_is_credible("arrivederci e grazie, mi hai tolto un peso dal petto", 0.52)
    assert classifier_urgency_is_credible("aiutatemi, è urgente", 0.83)
    assert not classifier_urgency_is_credible("mia zia all'inizio voleva farla finita con le cure", 0.97)


def test_the_value_at_which_a_medicine_starts_is_for_the_specialist() -> None:
    from bot.safety import needs_specialist_only

    assert needs_specialist_only("a che valore di fosforo si comincia il legante?")
    assert needs_specialist_only("vitamina D a 95 pg/ml fuori range, me lo spiegate?")


# Session 7: each reading that takes words back, with a twin that stays a red flag.
@pytest.mark.parametrize(
    ("text", "urgent"),
    [
        # a joke: a laugh around hyperbole, never around a fever
        ("se mi togli il caffè svengo ahahah", False),
        ("chiamate l'ambulanza, ho finito il parmigiano 🤣", False),
        ("ho la febbre a 39 e la massa è rossa e gonfia, almeno salto la scuola ahah", True),
        ("sto per svenire, è tutto nero", True),
        # what happens now, after an instruction
        ("l'ortopedico mi ha detto che se ho dolore al petto devo chiamare il 112", False),
        ("l'ortopedico mi ha detto che se ho dolore al petto devo chiamare il 112, ecco ce l'ho adesso", True),
        # over, and seen by a doctor
        ("la febbre è passata e il medico ha visitato la ferita, tutto a posto", False),
        ("la febbre è passata ma ora è tornata e la ferita butta pus", True),
        # only mentioned
        ("se scrivo dolore al petto per provare, cosa rispondi?", False),
        ("scusa se scrivo male ma ho un dolore al petto fortissimo", True),
        # not meant as the body's
        ("mi fa male il cuore a lasciarlo all'asilo, ma è tristezza, non un dolore vero", False),
        # a relative long gone
        ("mia nonna aveva sempre dolori al petto, è mancata anni fa: è ereditario?", False),
        ("mia nonna ha un dolore al petto fortissimo da stamattina", True),
        # a case to come, said so
        ("cosa faccio se la massa diventa rossa e mi viene la febbre? per ora è tutto ok", False),
        ("la massa è diventata rossa e ho la febbre, cosa faccio?", True),
        ("e se durante la piscina uno si sente svenire?", False),
        ("ho paura che un giorno la massa torni e mi faccia un male cane", False),
        # figures of speech
        ("mi fa un male cane rinunciare alla pizza", False),
        ("mi sento soffocare a gestire tutto da sola", False),
        ("mi sento morire d'ansia prima dei controlli", False),
        ("il dolore forte ce l'ho solo quando cammino tanto", False),
        ("dopo l'intervento dell'anno scorso ho avuto un dolore forte per qualche giorno, poi passato", False),
    ],
)
def test_session_7_words_taken_back_and_their_twins(text: str, urgent: bool) -> None:
    assert is_urgent(text) is urgent


@pytest.mark.parametrize(
    ("text", "urgent"),
    [
        ("non ho pensieri di farmi del male, sono solo stanca", False),
        ("non ho nessuna intenzione di farla finita, voglio solo un supporto", False),
        ("non voglio farmi del male, ma a volte ci penso", True),
        ("non voglio vivere così, voglio morire", True),
        ("la psicologa mi ha detto che se mai avessi pensieri di farmi del male devo chiamare", False),
        ("la psicologa mi ha detto che se avessi pensieri di farmi del male devo chiamare: ecco, ce li ho adesso", True),
        ("in un libro la protagonista pensa di farla finita, ci sono gruppi di pazienti?", False),
        ("anni fa avevo pensieri di farmi del male, ora sto bene", False),
        ("anni fa avevo pensieri di farmi del male e sono tornati", True),
        ("se mi togli il parmigiano mi butto dalla finestra ahahah scherzo", False),
        ("mi butto dalla finestra", True),
        ("le ricette low fosforo sono da suicidio", False),
        ("in palestra mi ammazzo di pesi", False),
        ("oggi mi sono fatta del male apposta", True),
    ],
)
def test_session_7_self_harm_denied_joked_or_past_and_what_stays(text: str, urgent: bool) -> None:
    assert is_urgent(text) is urgent


@pytest.mark.parametrize(
    ("text", "urgent"),
    [
        # dialect and signs that were missed
        ("uè, g'ho un mal al pett che me porta via el fiaa", True),
        ("me figghiu è svinutu ora a scola", True),
        ("me sento morì davvero, me gira tutto", True),
        ("è diventato grigio e respira piano", True),
        ("fa fatica a finire le frasi", True),
        ("ha il fiatone anche da seduto", True),
        ("la ferita è rossa e c'è una striscia rossa che sale sul braccio", True),
        ("la massa si è gonfiata, è rossa e lui ha 39", True),
        ("lui ha 39 anni e la massa è rossa", False),
        ("mia moglie si è tagliata le braccia", True),
        ("dice che adesso le prende tutte", True),
        ("ha preso delle pillole per non svegliarsi più", True),
        ("mi sono tagliato facendomi la barba, due gocce di sangue", False),
        # context that takes the words back
        ("gnente febre, gnente dolor forte, solo prurito", False),
        ("cosa devo fare se la fistola fa pus e mi sale la febbre? adesso no, è per sapere prima", False),
        ("i medici ci hanno elencato le cose da tenere d'occhio: dolore forte improvviso, febbre con la massa gonfia", False),
        ("la scuola vuole un protocollo: cosa fare se ha la febbre o se la massa si apre", False),
        ("chiamare il 112 per la calcinosi è esagerato? chiedo per sapere", False),
        ("chiamate il 112, chiedo per sapere dove andare: non respira", True),
        ("mia cugina è svenuta a una festa per il caldo. io invece ho la calcinosi, è ereditaria?", False),
        ("ai prelievi è svenuta due volte ma si riprende subito, ogni quanto si fanno?", False),
        ("ho ancora negli occhi mia figlia che sviene al prelievo due anni fa", False),
        ("la scorsa estate ho avuto un dolore fortissimo alla spalla, poi è passato e ora sto bene", False),
        ("ho visto il video di un'operazione e stavo per svenire", False),
        ("nn respiro più per quante cose c'è da leggere", False),
    ],
)
def test_session_7_dialect_signs_and_caregivers_context(text: str, urgent: bool) -> None:
    assert is_urgent(text) is urgent


@pytest.mark.parametrize(
    ("text", "urgent"),
    [
        # long posts (dev set d26): red flags buried in another question
        ("se deve vivere così preferisce farla finita, ha preso il fucile dall'armadio. quali centri fanno la protesi?", True),
        ("in questo momento ho una lametta in mano e mi sto tagliando. le creme esistono?", True),
        ("mi sto tagliando le unghie e mi chiedo se la pelle sopra le masse guarisce peggio", False),
        ("adesso mi si sta gonfiando la gola e respiro sempre peggio. dopo quanti mesi funziona?", True),
        ("si tiene il petto, dice che ha un dolore che gli schiaccia lo sterno ed è grigio in faccia", True),
        ("mi ha scritto 'non ce la faccio più, addio' e ha spento il telefono. ci sono psicologi?", True),
        ("me ne sono prese una ventina mezz'ora fa. a cosa servono queste pastiglie?", True),
        # and calm ones
        ("ha la febbre a 38 con la tosse, la pediatra l'ha visitata e ha detto che è un virus", False),
        ("ha la febbre a 38 e la massa sul gomito è rossa e gonfia, la pediatra non l'ha vista", True),
        ("dopo la flebo ho avuto febbre e dolori da morire, il medico ha detto che passa, infatti al terzo giorno stavo bene", False),
        ("la maestra voleva chiamare l'ambulanza, era un graffio", False),
        ("ogni volta che ci penso mi manca il respiro, ma è solo paura", False),
        ("faccio sempre lo stesso incubo: sono chiusa in una stanza che si riempie di sassi e sento di soffocare", False),
        ("l'endocrinologa è stata chiarissima: se la fistola butta pus o mi viene la febbre devo andare al pronto soccorso", False),
        ("vorrei farla finita una volta per tutte con questa storia delle etichette", False),
        ("a periodi ho un dolore fortissimo, ma è sempre lo stesso dolore da anni", False),
        ("è caduto a terra ma si è rialzato subito ridendo", False),
    ],
)
def test_session_7_long_posts_buried_flags_and_calm_context(text: str, urgent: bool) -> None:
    assert is_urgent(text) is urgent


@pytest.mark.parametrize(
    ("text", "urgent"),
    [
        ("sono quasi svenuta qnd mi hanno detto quanto costa la visita", False),
        ("mi fa un male cane... il portafoglio, dopo tutte ste visite", False),
        ("mi sento soffocare da tutte ste scadenze", False),
        ("vuole solo la mela e mi guarda malissimo", False),
        ("mi fa malissimo la spalla da un'ora", True),
        ("domanda teorica: se un giorno la fistola che ho sul fianco si infettasse e mi venisse la febbre?", False),
    ],
)
def test_session_7_retired_round_5_wording(text: str, urgent: bool) -> None:
    assert is_urgent(text) is urgent


def test_a_thought_of_self_harm_in_a_conditional_is_still_a_red_flag() -> None:
    # Found by the end-to-end test of the urgent training examples after "ho pensato che"
    # became a hypothetical: the rules must find it themselves.
    assert is_urgent("stasera ho pensato che se mi facessi del male almeno sarebbe finita")
    assert not is_urgent("la psicologa mi ha detto: se mai pensassi di farmi del male, chiamami")
