"""Words the classifier reads in the wrong sense (bot/senses.py)."""

from __future__ import annotations

import pytest

from bot.senses import denies_pain, meant_intent


@pytest.mark.parametrize(
    ("text", "predicted", "meant"),
    [
        ("posso giocare a calcio?", "evitare_calcio_dieta", "riabilitazione_esercizio"),
        ("mio figlio vuole fare calcio con gli amici", "evitare_calcio_dieta", "riabilitazione_esercizio"),
        ("la scuola calcio va bene per lui?", "evitare_leganti_calcio", "riabilitazione_esercizio"),
        ("cosa mi fa male?", "terapia_dolore", "evitare_riepilogo"),
        ("che cibi fanno male con la calcinosi?", "terapia_dolore", "evitare_riepilogo"),
        ("chi legge questa chat?", "chi_sei", "privacy"),
        ("chi può vedere i miei dati?", "aiuto", "privacy"),
        ("l'acqua gassata va bene?", "riabilitazione_idrochinesiterapia", "dieta_cosa_mangiare"),
        ("quanti litri d'acqua devo bere?", "riabilitazione_idrochinesiterapia", "dieta_cosa_mangiare"),
    ],
)
def test_the_sense_around_the_word_decides(text: str, predicted: str, meant: str) -> None:
    assert meant_intent(text, predicted) == meant


@pytest.mark.parametrize(
    ("text", "predicted"),
    [
        ("quanto calcio c'è nel latte?", "evitare_calcio_dieta"),
        ("mi fa male il gomito", "terapia_dolore"),
        ("chi sei?", "chi_sei"),
        ("posso giocare a calcio?", "riabilitazione_esercizio"),  # already right
        ("in piscina l'acqua calda aiuta?", "riabilitazione_idrochinesiterapia"),
        ("dopo la terapia in acqua posso bere?", "riabilitazione_idrochinesiterapia"),
    ],
)
def test_otherwise_the_classifier_stays(text: str, predicted: str) -> None:
    assert meant_intent(text, predicted) is None


@pytest.mark.parametrize(
    ("text", "denied"),
    [
        ("la massa al gomito è dura come un sasso ma non mi fa male da anni, cosa c'è dentro?", True),
        ("la massa è lì da anni, sempre uguale, zero dolore", True),
        ("il nodulo non mi ha mai fatto male, va tolto?", True),
        ("non mi fa male, ma se tornasse il dolore come si cura?", False),
        ("mi fa male il gomito dove c'è la massa", False),
        ("come si cura il dolore?", False),
    ],
)
def test_pain_is_denied_only_when_every_pain_word_is_denied(text: str, denied: bool) -> None:
    assert denies_pain(text) is denied


def test_the_ball_named_to_say_it_is_not_the_sport() -> None:
    from bot.senses import SPORT
    from bot.text import normalize

    assert SPORT.search(normalize("posso giocare a pallone?"))
    assert not SPORT.search(normalize("il calcio lo devo togliere? parlo di quello nel cibo, non del pallone"))


def test_when_both_senses_are_named_the_calcium_in_food_decides_unless_it_is_denied() -> None:
    both = "gioca a calcio tre volte a settimana, ma il calcio nel piatto deve essere poco?"
    assert meant_intent(both, "evitare_calcio_dieta") is None
    denied = "il calcio fa male? intendo il calcio giocato, non quello del latte"
    assert meant_intent(denied, "evitare_calcio_dieta") == "riabilitazione_esercizio"
