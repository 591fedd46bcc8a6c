"""The safety layer as a Rasa NLU component: what it overrides and what it leaves."""

from __future__ import annotations

from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.safety_override import SafetyOverride


def parsed(text: str, intent: str) -> Message:
    message = Message({TEXT: text})
    message.set(INTENT, {"name": intent, "confidence": 0.6})
    message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": 0.6}])
    return message


def intent_after(text: str, intent: str) -> str:
    [message] = SafetyOverride().process([parsed(text, intent)])
    return str(message.get(INTENT)["name"])


def test_a_red_flag_overrides_any_intent_and_keeps_the_ranking() -> None:
    [message] = SafetyOverride().process(
        [parsed("attiva i promemoria, ho un dolore fortissimo al petto", "promemoria_attiva")]
    )
    assert message.get(INTENT) == {"name": "urgenza", "confidence": 1.0}
    assert [e["name"] for e in message.get(INTENT_RANKING_KEY)] == ["urgenza", "promemoria_attiva"]


def test_a_reminder_request_by_a_relative_is_not_a_personal_decision() -> None:
    text = "salve, sono la mamma di un ragazzo con calcinosi tumorale, vorrei i promemoria per i suoi esami"
    assert intent_after(text, "saluto") == "saluto"
    assert intent_after(text, "promemoria_attiva") == "promemoria_attiva"
    # Her son's results to read are still for the specialist.
    results = "salve, sono la mamma di un ragazzo con calcinosi tumorale, i suoi esami vanno bene?"
    assert intent_after(results, "saluto") == "consiglio_personale"


def test_button_payloads_are_left_alone() -> None:
    assert intent_after("/urgenza_finta", "aiuto") == "aiuto"


def test_a_calm_message_the_classifier_took_as_urgent_goes_to_its_topic() -> None:
    from bot.nlu.tfidf_classifier import TOPIC_RANKING_KEY

    message = parsed("prurito fortissimo da mesi sulla massa", "urgenza")
    message.set(TOPIC_RANKING_KEY, [{"name": "condizione_sintomi", "confidence": 0.6}])
    [out] = SafetyOverride().process([message])
    assert out.get(INTENT)["name"] == "condizione_sintomi"
    assert "urgenza" not in [e["name"] for e in out.get(INTENT_RANKING_KEY)]


def test_a_credible_urgent_guess_of_the_classifier_stays() -> None:
    message = parsed("mi stringe il petto", "urgenza")
    message.set(INTENT, {"name": "urgenza", "confidence": 0.9})
    [out] = SafetyOverride().process([message])
    assert out.get(INTENT)["name"] == "urgenza"


def test_another_named_condition_keeps_its_answer_unless_a_dose_is_asked() -> None:
    """Its answer already sends the person to their doctor; a value told as context does not
    turn it into the bare "ask your specialist"."""
    told = "ho il calcio alto nel sangue per le paratiroidi, è collegato alla calcinosi?"
    assert intent_after(told, "condizione_diagnosi_differenziale") == "condizione_diagnosi_differenziale"
    assert intent_after(told, "condizione_cause") == "consiglio_personale"
    dose = "ho la gotta, quante compresse di colchicina devo prendere?"
    assert intent_after(dose, "condizione_diagnosi_differenziale") == "consiglio_personale"
