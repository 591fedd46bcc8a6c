"""Recognising short follow-ups and what they ask about (bot/followups.py)."""

from __future__ import annotations

import pytest

from bot.followups import (
    asked_about,
    is_aspect_only,
    is_elliptical,
    matching_key,
    refers_back,
    text_mentions,
)


@pytest.mark.parametrize(
    "text",
    ["e la mozzarella?", "e nei bambini?", "anche per mio figlio?", "ma il prosciutto cotto?",
     "mia sorella invece?", "vale anche per i neonati?", "ok, e in gravidanza?", "e quanto spesso?"],
)
def test_short_continuations_are_follow_ups(text: str) -> None:
    assert is_elliptical(text)


@pytest.mark.parametrize(
    "text",
    ["cosa posso mangiare?", "ho la calcinosi e mio figlio anche",
     "e poi ho letto su internet che la calcinosi tumorale passa ai figli, è vero o no secondo voi?"],
)
def test_questions_of_their_own_are_not(text: str) -> None:
    assert not is_elliptical(text)


@pytest.mark.parametrize(
    ("text", "asked"),
    [("e il kefir?", "kefir"), ("e in gravidanza?", "gravidanza"), ("anche per mio figlio?", "mio figlio"),
     ("e dopo l'intervento?", "dopo l'intervento"), ("e con il kefir come la mettiamo?", "kefir"),
     ("ok, e la mozzarella?", "mozzarella"), ("e il caffè?", "caffè"), ("e nell'adulto?", "adulto")],
)
def test_what_was_asked_is_named_as_written(text: str, asked: str) -> None:
    assert asked_about(text) == asked


def test_nothing_is_named_when_nothing_is_left_or_too_much() -> None:
    assert asked_about("e?") is None
    assert asked_about("e quella cosa che mi dicevi prima sulla dieta dei bambini piccoli?") is None


def test_aspects_are_who_when_how_often_and_where() -> None:
    for aspect in ("quanto spesso", "mio figlio", "gravidanza", "dopo i 18 anni", "scuola", "costa qualcosa"):
        assert is_aspect_only(aspect), aspect
    for named in ("esenzione come si chiede", "dieta", "kefir", "come si cura"):
        assert not is_aspect_only(named), named


def test_a_key_is_found_by_itself_first_then_by_its_synonyms() -> None:
    synonyms = {"bambini": ["figli", "bimb"], "fratelli": ["sorell"]}
    assert matching_key(["bambini", "scuola"], "e nei bambini?", synonyms) == "bambini"
    assert matching_key(["bambini", "scuola"], "anche per mio figlio?", synonyms) == "bambini"
    assert matching_key(["fratelli"], "mia sorella invece?", synonyms) == "fratelli"
    # The key itself wins over another key's synonym ("figli" is a key of its own here).
    assert matching_key(["bambini", "figli"], "e per i figli?", synonyms) == "figli"
    assert matching_key(["bambini"], "e in gravidanza?", synonyms) is None


def test_a_text_mentions_what_was_asked_give_or_take_the_last_letter() -> None:
    body = "Si fanno esami del sangue e delle urine, e la risonanza magnetica."
    assert text_mentions(body, "risonanza")
    assert text_mentions(body, "l'urina")
    assert not text_mentions(body, "gravidanza")
    assert not text_mentions(body, "quanto spesso")


@pytest.mark.parametrize(
    "text",
    ["hanno un sito?", "chi la prescrive?", "c'è un medico apposta?", "dove li trovo?",
     "la devo evitare?", "lo posso mangiare?", "costano?", "chi lo fa?", "ha un sito?",
     "come si medicano?", "serve la ricetta?", "dove si prenota?"],
)
def test_short_questions_that_point_back_at_the_last_answer(text: str) -> None:
    assert refers_back(text) and not is_elliptical(text)


@pytest.mark.parametrize(
    "text",
    ["la calcinosi è ereditaria?", "le masse fanno male?", "gli esami quando?", "le uova?",
     "li ho fatti ieri", "hanno trovato una massa al gomito di mio figlio e adesso non so cosa fare?",
     "hanno ragione"],
)
def test_questions_with_a_subject_of_their_own_do_not_point_back(text: str) -> None:
    assert not refers_back(text)


def test_a_bare_thing_asked_with_its_article_is_a_follow_up() -> None:
    assert is_elliptical("il nuoto?") and is_elliptical("l'olio?") and is_elliptical("la ricotta fresca?")
    assert not is_elliptical("il nuoto")  # no question
    assert not is_elliptical("la dieta povera di fosforo?")  # a question of its own


def test_the_answer_names_what_was_asked_in_the_very_words_asked() -> None:
    from bot.followups import text_names

    body = "Prima di prendere un integratore chiedi allo specialista."
    assert text_mentions(body, "integratori") and not text_names(body, "integratori")
    assert text_names(body, "un integratore")


def test_follow_ups_that_start_with_per_or_neanche() -> None:
    assert is_elliptical("per un bimbo di 3 anni è uguale?") and is_aspect_only("per un bimbo di 3 anni")
    assert is_elliptical("neanche coi bambini piccoli?") and asked_about("neanche coi bambini piccoli?") == "bambini piccoli"
    assert not is_elliptical("per favore mi spieghi la dieta?")


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("e la nutella? ne va matto", "nutella"),
        ("e il calcio? gioca in una squadretta del paese", "calcio"),
        ("e all'estero? tipo in germania", "estero"),
    ],
)
def test_a_follow_up_with_a_comment_after_it_is_still_one(text: str, asked: str) -> None:
    assert is_elliptical(text)
    assert asked_about(text) == asked


def test_a_question_of_its_own_with_a_comment_is_not_a_follow_up() -> None:
    text = "cosa devo evitare a tavola con la calcinosi tumorale? me lo chiedo da settimane"
    assert not is_elliptical(text)
