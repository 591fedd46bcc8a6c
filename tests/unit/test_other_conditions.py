"""Calcifications that are not calcinosi tumorale get the differential answer."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.other_conditions import OtherConditionOverride, names_other_condition
from bot.nlu.tfidf_classifier import TOPIC_RANKING_KEY


@pytest.mark.parametrize(
    "text",
    [
        "mi hanno trovato delle microcalcificazioni al seno",
        "la tendinite calcifica della spalla è la stessa cosa?",
        "mio figlio ha i calcoli renali",
        "che differenza c'è tra la calcinosi tumorale e la sclerodermia?",
        "ho la condrocalcinosi al ginocchio",
        "calcificazioni nel cervello, malattia di Fahr",
        "all'ecografia il feto ha un focus iperecogeno nel cuore",
        "sono in dialisi e ho dei depositi di calcio",
        "ho l'ipercalcemia",
        "calcificazioni nella placenta in gravidanza",
        # Asking whether the other condition is calcinosi tumorale is a comparison.
        "la reumatologa dice calcinosi da sclerodermia. È la vostra calcinosi tumorale?",
        "hanno visto una nefrocalcinosi, ha a che fare con la calcinosi tumorale?",
        "l'ecografia dice tendinite calcifica. È calcinosi tumorale? Devo fare la dieta?",
        "lo sperone calcaneare è calcinosi?",
        "calcinosi cutis dopo le iniezioni",
        "ho la valvola aortica calcifica e del calcio nelle coronarie, devo fare la dieta?",
        "una calcificazione nel tendine sovraspinoso è calcinosi tumorale?",
        # session 6
        "ho avuto due coliche renali per calcoli di ossalato, devo togliere il latte?",
        "mio padre fa calcoli ai reni ogni anno, è una forma di calcinosi?",
        "la risonanza dice miosite ossificante, è una forma di calcinosi tumorale?",
        "hanno visto un punto brillante nel cuore del feto, c'è un legame con la calcinosi tumorale di mia cugina?",
        "calcificazioni nel fegato del bimbo all'ecografia, c'entra con la calcinosi tumorale?",
        "ho la calcinosi cutanea da sclerodermia, avete informazioni?",
        "ipervitaminosi D per troppe gocce, rischia la calcinosi tumorale?",
        "iperparatiroidismo con il calcio alto: è una cosa tipo la calcinosi tumorale?",
        "un granuloma calcifico al polmone, c'entra la calcinosi tumorale di mio cugino?",
        "la placenta ha qualche calcificazione, è per il latte?",
        "il medico sospetta le paratiroidi per il calcio alto: è questa la calcinosi tumorale?",
        "mia figlia ha la dermatomiosite e depositi di calcio sotto la pelle; ho cercato calcinosi su internet e sono arrivata qui",
    ],
)
def test_other_conditions_are_recognised(text: str) -> None:
    assert names_other_condition(text)


@pytest.mark.parametrize(
    "text",
    [
        "ho la calcinosi tumorale alla spalla, cosa posso mangiare?",
        "il calcio nel cibo fa male?",
        # The secondary form, in kidney failure, is calcinosi tumorale.
        "sono in dialisi e il nefrologo parla di calcinosi tumorale secondaria: la dieta è uguale?",
        # Dialysis as the story of a question on the diet, binders or additives.
        "faccio la dialisi peritoneale: ci sono additivi precisi da cercare sulle etichette?",
        "ho un'insufficienza renale e calcificazioni sotto la pelle, il carbonato di calcio va bene?",
        # A condition ruled out.
        "la reumatologa dice che è calcinosi tumorale e non gotta come pensavano, il dolore resta",
        "posso giocare a calcio?",
        "quali formaggi hanno tanto calcio?",
        "la calcinosi tumorale colpisce i reni?",
        "le masse vicino alle articolazioni sono calcificazioni?",
        "mia madre fa la dialisi, cos'è la calcinosi tumorale?",
    ],
)
def test_this_disease_and_plain_calcium_are_not_other_conditions(text: str) -> None:
    assert not names_other_condition(text)


def test_the_override_puts_the_differential_first_in_both_rankings() -> None:
    message = Message({TEXT: "ho delle microcalcificazioni al seno"})
    message.set(INTENT, {"name": "evitare_calcio_dieta", "confidence": 0.8})
    message.set(INTENT_RANKING_KEY, [{"name": "evitare_calcio_dieta", "confidence": 0.8}])
    message.set(TOPIC_RANKING_KEY, [{"name": "evitare_calcio_dieta", "confidence": 0.8}])
    [out] = OtherConditionOverride().process([message])
    assert out.get(INTENT)["name"] == "condizione_diagnosi_differenziale"
    for key in (INTENT_RANKING_KEY, TOPIC_RANKING_KEY):
        assert [e["name"] for e in out.get(key)] == ["condizione_diagnosi_differenziale", "evitare_calcio_dieta"]
