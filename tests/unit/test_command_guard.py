"""A command that deletes something stands only when the text asks for it in words."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from bot import ROOT
from bot.nlu.command_guard import ASKED_WORDS, DestructiveCommandGuard, unasked_commands
from bot.nlu.tfidf_classifier import TOPIC_RANKING_KEY


def classified(text: str, *names: str) -> Message:
    """``text`` as the classifier left it: ``names`` ranked in that order."""
    ranking = [{"name": name, "confidence": 0.5 / (i + 1)} for i, name in enumerate(names)]
    message = Message({TEXT: text})
    message.set(INTENT, ranking[0])
    message.set(INTENT_RANKING_KEY, ranking)
    message.set(TOPIC_RANKING_KEY, ranking)
    return message


def guarded(text: str, *names: str) -> Message:
    [message] = DestructiveCommandGuard().process([classified(text, *names)])
    return message


@pytest.mark.parametrize("intent", sorted(ASKED_WORDS))
def test_every_training_example_of_a_deleting_command_asks_for_it(intent: str) -> None:
    data = load_data(str(ROOT / "data" / "nlu"))
    examples = [m.get(TEXT) for m in data.intent_examples if m.get(INTENT) == intent]
    assert len(examples) >= 10
    assert [text for text in examples if intent in unasked_commands(text)] == []


def test_a_question_the_classifier_took_for_deleting_everything_is_not_deleted() -> None:
    # What one training run did to the cluster test's messages: every one of them was
    # answered, then the whole conversation deleted.
    message = guarded("conversazione 4 messaggio 0: e il latte?", "dati_cancella", "privacy", "seguito")
    assert message.get(INTENT)["name"] == "privacy"
    for key in (INTENT_RANKING_KEY, TOPIC_RANKING_KEY):
        assert [e["name"] for e in message.get(key)] == ["privacy", "seguito"]


def test_a_request_in_words_stands() -> None:
    for text, intent in [
        ("cancella i miei dati", "dati_cancella"),
        ("Per favore, dimenticami", "dati_cancella"),
        ("esercito il diritto all'oblio", "dati_cancella"),
        ("stop", "promemoria_stop"),
        ("non voglio più ricevere i promemoria", "promemoria_stop"),
        ("nn mandarmi piu avvisi", "promemoria_stop"),
    ]:
        assert guarded(text, intent, "privacy").get(INTENT)["name"] == intent, text


def test_the_wrong_command_gives_way_to_the_one_asked_for() -> None:
    # "stop" asks to end the reminders, not to delete everything.
    assert guarded("stop", "dati_cancella", "promemoria_stop").get(INTENT)["name"] == "promemoria_stop"
    # Neither is asked: both go.
    message = guarded("ho ricevuto il messaggio, grazie", "promemoria_stop", "dati_cancella", "grazie")
    assert message.get(INTENT)["name"] == "grazie"


def test_other_intents_and_button_payloads_are_left_alone() -> None:
    assert guarded("e il latte?", "seguito", "dati_cancella").get(INTENT)["name"] == "seguito"
    assert guarded("/dati_cancella", "dati_cancella").get(INTENT)["name"] == "dati_cancella"
