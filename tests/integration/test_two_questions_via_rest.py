"""A message that clearly asks two things gets both answers (at most two topics)."""

from __future__ import annotations

import pytest

from tests.conftest import topics

pytestmark = pytest.mark.server


def content_topics(replies: list[dict]) -> list[str]:
    return [t for t in topics(replies) if t != "bot.benvenuto"]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Cosa posso mangiare? E come si chiede l'esenzione?", {"dieta.cosa_mangiare", "rete.esenzione"}),
        ("dove sono i centri in toscana? e l'associazione aifosf cosa fa?", {"rete.centri", "rete.aifosf"}),
        ("salve. è un tumore? si può operare?", {"condizione.non_e_cancro", "terapia.chirurgia"}),
    ],
)
def test_two_questions_two_answers(bot_server, message: str, expected: set[str]) -> None:
    answered = content_topics(bot_server.send(message))
    assert set(answered) == expected and len(answered) == 2


def test_one_question_one_answer(bot_server) -> None:
    assert len(content_topics(bot_server.send("quali cibi hanno tanto fosforo?"))) == 1


def test_three_questions_still_at_most_two_answers(bot_server) -> None:
    answered = content_topics(
        bot_server.send("è ereditaria? cosa devo mangiare? dove trovo un centro esperto?")
    )
    assert 1 <= len(answered) <= 2


def test_a_red_flag_with_a_question_is_first_and_not_doubled(bot_server) -> None:
    answered = topics(bot_server.send("ho un dolore fortissimo all'improvviso al braccio. è normale? cosa mangio?"))
    assert answered[0] == "sicurezza.urgenza"
    assert len([t for t in answered if t not in ("bot.benvenuto", "sicurezza.urgenza")]) <= 1
