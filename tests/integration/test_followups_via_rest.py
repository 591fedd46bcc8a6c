"""Short follow-ups after a first answer, through the real REST server (issue #10): the
follow-up is answered in the context of the first answer and names what was asked, even
when the sources say nothing specific about it; a red flag in a follow-up still comes
first, and a follow-up that names another topic gets that topic."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from bot.text import normalize
from tests.conftest import topics

pytestmark = pytest.mark.server


def conversation(bot_server, *turns: str) -> list[dict[str, Any]]:
    """Sends ``turns`` in order as one sender; the replies to the last one."""
    sender = f"seguito-{uuid.uuid4().hex}"
    replies: list[dict[str, Any]] = []
    for text in turns:
        replies = bot_server.send(text, sender=sender)
    return [m for m in replies if (m.get("custom") or {}).get("topic") != "bot.benvenuto"]


def answer_text(replies: list[dict[str, Any]]) -> str:
    return normalize(" ".join(str(m.get("text") or "") for m in replies))


@pytest.mark.parametrize(
    ("first", "follow_up", "expected", "named"),
    [
        # A food of the table, after an answer that is not about food at all.
        ("come si opera la calcinosi?", "e la mozzarella?", {"dieta.cibi_ricchi_fosforo"}, "mozzarella"),
        # A food the table does not know, and aspects the sources say nothing about.
        ("quali cibi hanno tanto fosforo?", "e il kefir?", {"dieta.cibi_ricchi_fosforo"}, "kefir"),
        ("è una malattia rara?", "e in gravidanza?", {"condizione.cos_e"}, "gravidanza"),
        ("cosa posso mangiare?", "e quanto spesso?", {"dieta.cosa_mangiare"}, "quanto spesso"),
        # An aspect a topic has an "approfondimento" for, asked with another word.
        ("cos'è la calcinosi tumorale?", "anche per mio figlio?", {"condizione.cos_e"}, "bambini"),
        ("come si opera la calcinosi?", "e dopo l'intervento?", {"terapia.chirurgia"}, "riabilitazione"),
    ],
)
def test_a_follow_up_is_answered_in_context_and_names_what_was_asked(
    bot_server, first: str, follow_up: str, expected: set[str], named: str
) -> None:
    replies = conversation(bot_server, first, follow_up)
    assert topics(replies)[0] in expected, topics(replies)
    assert named in answer_text(replies)


def test_a_follow_up_the_sources_say_nothing_about_says_so_then_the_general_answer(bot_server) -> None:
    replies = conversation(bot_server, "come funziona la dieta povera di fosforo?", "e in gravidanza?")
    assert topics(replies) == ["dieta.povera_fosforo"]
    text = answer_text(replies)
    assert "su gravidanza le fonti che uso non dicono nulla di specifico" in text
    assert "in generale" in text and "fosforo" in text.split("in generale", 1)[1]


def test_a_follow_up_naming_another_topic_gets_that_topic(bot_server) -> None:
    replies = conversation(bot_server, "cosa posso mangiare?", "e l'esenzione come si chiede?")
    assert topics(replies)[0] == "rete.esenzione"


def test_a_red_flag_in_a_follow_up_comes_first(bot_server) -> None:
    replies = conversation(bot_server, "cosa sono le fistole?", "e se esce pus e ho la febbre a 39?")
    assert topics(replies)[0] == "sicurezza.urgenza"


def test_without_a_first_answer_a_food_follow_up_is_still_answered(bot_server) -> None:
    replies = conversation(bot_server, "e il latte?")
    assert topics(replies)[0] in {"dieta.cibi_ricchi_fosforo", "evitare.calcio_dieta"}
    assert "latte" in answer_text(replies)
