"""Calm messages with alarming words, and relatives writing, through the real REST server
(issue #10): answered with the topic they are about, never with the emergency message or
the bare "I cannot decide for you"."""

from __future__ import annotations

import pytest

from tests.conftest import topics

pytestmark = pytest.mark.server


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ho la calcinosi e mio figlio anche", {"condizione.cause"}),
        ("ho una massa da anni che non mi fa male, va tolta?", {"terapia.chirurgia", "condizione.sintomi"}),
        ("mio figlio ha paura della risonanza", {"condizione.diagnosi"}),
        ("ho smesso di bere la coca cola, ho fatto bene?", {"dieta.additivi", "dieta.cibi_ricchi_fosforo"}),
        ("è mortale la calcinosi tumorale?", {"condizione.non_e_cancro"}),
        # The pain is denied: not the pain topic.
        ("il nodulo sulla caviglia non fa male, zero dolore da anni, da cosa è formato?",
         {"condizione.sintomi", "condizione.cos_e"}),
    ],
)
def test_a_calm_message_gets_its_topic(bot_server, text: str, expected: set[str]) -> None:
    answers = [t for t in topics(bot_server.send(text)) if t != "bot.benvenuto"]
    assert answers and answers[0] in expected, answers


def test_a_relative_introducing_themselves_is_context_not_a_personal_decision(bot_server) -> None:
    text = "buongiorno, sono il nonno di una bimba con la calcinosi tumorale, cosa può mangiare?"
    answers = [t for t in topics(bot_server.send(text)) if t != "bot.benvenuto"]
    assert answers[0] in {"dieta.cosa_mangiare", "dieta.povera_fosforo"}, answers


def test_values_told_as_context_leave_a_general_question_general(bot_server) -> None:
    """Round 3: the values of a long message's context do not turn a general question into
    the bare specialist answer; the caveat says the bot does not read them."""
    text = (
        "Buonasera, mia moglie è in dialisi da otto anni e all'ultimo prelievo il fosforo era "
        "quasi 8. Ora il nefrologo parla di calcinosi tumorale secondaria alla spalla. "
        "Che differenza c'è con la forma ereditaria?"
    )
    replies = [r for r in bot_server.send(text) if (r.get("custom") or {}).get("topic") != "bot.benvenuto"]
    assert replies[0]["custom"]["topic"] != "sicurezza.consiglio_personale", replies[0]["custom"]
    assert replies[0]["text"].startswith("**Non posso leggere i tuoi esami")
    judged = text.replace("Che differenza c'è con la forma ereditaria?", "È un valore grave?")
    assert topics(bot_server.send(judged))[-1] == "sicurezza.consiglio_personale"
