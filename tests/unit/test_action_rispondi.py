"""action_rispondi with rasa-sdk's Tracker and CollectingDispatcher (no server)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.rispondi import ActionRispondi
from bot.answers import FORGET_FLAG, Answerer


def run_action(
    answerer: Answerer,
    text: str,
    intent: str,
    slots: dict[str, Any] | None = None,
    ranking: list[dict[str, Any]] | None = None,
    sender: str = "utente-1",
    **parsed: Any,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``parsed``: more of the NLU output (entities, topic_ranking)."""
    tracker = Tracker(
        sender_id=sender,
        slots={"benvenuto_inviato": True, **(slots or {})},
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "intent_ranking": ranking or [{"name": intent, "confidence": 0.9}],
            "entities": [],
            **parsed,
        },
        events=[{"event": "user", "text": text, "input_channel": "rest"}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionRispondi().run(dispatcher, tracker, {}))
    slots_set = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    return dispatcher.messages, slots_set


def topics(messages: list[dict[str, Any]]) -> list[str]:
    return [m["custom"]["topic"] for m in messages]


def test_content_intent_answers_with_topic_title_and_sources(answerer: Answerer) -> None:
    messages, slots = run_action(answerer, "cos'è?", "condizione_cos_e")
    assert topics(messages) == ["condizione.cos_e"]
    assert messages[0]["custom"]["sources"]
    assert [b["payload"] for b in messages[0]["buttons"]][0].startswith("/")
    assert slots["ultimo_argomento"] == "condizione.cos_e"


def test_first_message_of_a_conversation_gets_the_welcome_first(answerer: Answerer) -> None:
    messages, _ = run_action(answerer, "ciao", "saluto", slots={"benvenuto_inviato": False})
    assert topics(messages) == ["bot.benvenuto", "bot.saluto"]
    assert "non un medico" in messages[0]["text"]


def test_urgent_comes_first_and_the_other_question_after(answerer: Answerer) -> None:
    ranking = [
        {"name": "urgenza", "confidence": 1.0},
        {"name": "dieta_cibi_ricchi_fosforo", "confidence": 0.7},
    ]
    messages, _ = run_action(answerer, "...", "urgenza", {"benvenuto_inviato": False}, ranking)
    # The emergency answer first, even before the welcome of a new conversation.
    assert topics(messages) == ["sicurezza.urgenza", "bot.benvenuto", "dieta.cibi_ricchi_fosforo"]


def test_fallback_offers_the_closest_topics(answerer: Answerer) -> None:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.3},
        {"name": "dieta_additivi", "confidence": 0.15},
        {"name": "saluto", "confidence": 0.1},
        {"name": "dieta_cosa_mangiare", "confidence": 0.05},
    ]
    messages, _ = run_action(answerer, "boh", "nlu_fallback", ranking=ranking)
    assert topics(messages) == ["bot.non_capito"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/dieta_additivi", "/dieta_cosa_mangiare"]


def test_follow_up_uses_the_last_topic(answerer: Answerer) -> None:
    topic = answerer.content.topic("dieta.cibi_ricchi_fosforo")
    assert topic is not None and "latte" in topic.follow_ups
    messages, _ = run_action(
        answerer, "e il latte?", "seguito", {"ultimo_argomento": "dieta.cibi_ricchi_fosforo"}
    )
    assert topics(messages) == ["dieta.cibi_ricchi_fosforo"]
    assert topic.follow_ups["latte"].strip()[:30] in messages[0]["text"]


def test_the_answer_about_follow_up_tests_offers_reminders_for_one_answer(
    answerer: Answerer,
) -> None:
    _, slots = run_action(answerer, "ogni quanto gli esami?", "controlli_esami_periodici")
    assert slots["offerta_promemoria"] is True  # a "sì" now starts the form (data/rules/)
    _, slots = run_action(answerer, "grazie", "grazie", {"offerta_promemoria": True})
    assert slots == {"offerta_promemoria": False}


def test_no_after_the_offer_is_understood(answerer: Answerer) -> None:
    messages, slots = run_action(answerer, "no grazie", "negazione", {"offerta_promemoria": True})
    assert topics(messages) == ["promemoria.disattivato"]
    assert slots["offerta_promemoria"] is False


def test_next_tests_without_reminders_offers_them(answerer: Answerer) -> None:
    messages, slots = run_action(answerer, "quando ho i prossimi esami?", "promemoria_prossimi")
    assert topics(messages) == ["promemoria.prossimi"]
    assert "next_due" not in messages[0]["custom"]
    assert slots["offerta_promemoria"] is True


def test_the_welcome_slot_is_set_once(answerer: Answerer) -> None:
    _, slots = run_action(answerer, "ciao", "saluto", slots={"benvenuto_inviato": False})
    assert slots["benvenuto_inviato"] is True
    _, slots = run_action(answerer, "ciao", "saluto")
    assert "benvenuto_inviato" not in slots  # no event on every message


def test_delete_my_data_removes_the_subscription(answerer: Answerer) -> None:
    store = answerer.reminders.store
    store.subscribe("rest", "utente-1", "v1")
    messages, _ = run_action(answerer, "cancella i miei dati", "dati_cancella")
    assert topics(messages) == ["promemoria.dati_cancellati"]
    assert not store.is_subscribed("rest", "utente-1")
    # The one explicit signal for the channel to delete the conversation too.
    assert messages[-1]["custom"][FORGET_FLAG] is True


def test_no_other_message_asks_to_forget(answerer: Answerer) -> None:
    for text, intent in [("stop promemoria", "promemoria_stop"), ("ciao", "saluto")]:
        messages, _ = run_action(answerer, text, intent)
        assert all(FORGET_FLAG not in m["custom"] for m in messages)


def test_done_rolls_the_tests_whose_reminders_are_running(answerer: Answerer) -> None:
    """One rule for which tests were just done: the store's (reminders running)."""
    from bot.reminders.schedule import add_months
    from tests.unit.conftest import TODAY

    store, now = answerer.reminders.store, dt.date.today()
    store.subscribe("rest", "utente-1", "v1")
    store.set_last_done("rest", "utente-1", "fosfato_6m", add_months(now, -6) + dt.timedelta(days=5))
    store.set_last_done("rest", "utente-1", "completo_12m", now - dt.timedelta(days=100))
    before = store.next_due("rest", "utente-1")
    messages, _ = run_action(answerer, "li ho fatti oggi", "promemoria_fatto")
    assert topics(messages) == ["promemoria.fatto"]
    assert messages[0]["custom"]["next_due"] == {
        "fosfato_6m": add_months(TODAY, 6).isoformat(),
        "completo_12m": before["completo_12m"].isoformat(),
    }


def test_a_personal_question_gets_the_caveat_and_the_general_answer(answerer: Answerer) -> None:
    about = [{"name": "evitare_vitamina_d", "confidence": 0.7}, {"name": "rete_centri", "confidence": 0.1}]
    messages, slots = run_action(
        answerer, "posso prendere la vitamina D?", "consiglio_personale", topic_ranking=about
    )
    assert topics(messages) == ["evitare.vitamina_d"]
    assert messages[0]["custom"]["consiglio_personale"] is True
    assert messages[0]["text"].startswith("**Non posso decidere per te**")
    assert slots["ultimo_argomento"] == "evitare.vitamina_d"


def test_a_dose_or_an_unclear_topic_gets_only_the_specialist(answerer: Answerer) -> None:
    about = [{"name": "evitare_vitamina_d", "confidence": 0.9}]
    for text, ranking in [
        ("quante gocce di vitamina D devo prendere?", about),  # a dose: never a general answer
        ("devo smettere le gocce?", [{"name": "promemoria_stop", "confidence": 0.09}]),
        ("posso prenderlo?", []),
    ]:
        messages, _ = run_action(answerer, text, "consiglio_personale", topic_ranking=ranking)
        assert topics(messages) == ["sicurezza.consiglio_personale"], text


def test_a_vote_is_stored_as_topic_vote_and_day_only(answerer: Answerer) -> None:
    votes: list[tuple] = []
    answerer.record_vote = lambda *vote: votes.append(vote)
    entity = [{"entity": "argomento", "value": "dieta.additivi"}]
    messages, slots = run_action(answerer, '/utile{"argomento":"dieta.additivi"}', "utile", entities=entity)
    assert topics(messages) == ["bot.grazie"]
    assert slots == {}
    run_action(answerer, "non mi è servita", "non_utile", {"ultimo_argomento": "terapia.dolore"})
    run_action(answerer, "utile", "utile", entities=[{"entity": "argomento", "value": "nessuno"}])
    assert [v[:2] for v in votes] == [("dieta.additivi", "utile"), ("terapia.dolore", "non_utile")]
    assert all(isinstance(v[2], dt.date) for v in votes)


def test_a_named_food_is_answered_about_that_food(answerer: Answerer) -> None:
    food = [{"entity": "alimento", "value": "parmigiano"}]
    messages, slots = run_action(answerer, "il parmigiano lo posso mangiare?", "dieta_cosa_mangiare", entities=food)
    assert topics(messages) == ["dieta.cibi_ricchi_fosforo"]
    assert "Parmigiano" in messages[0]["text"]
    assert slots["ultimo_argomento"] == "dieta.cibi_ricchi_fosforo"
    # "e il latte?" as the first message, or after any topic, is about milk.
    milk = [{"entity": "alimento", "value": "latte"}]
    messages, _ = run_action(answerer, "e il latte?", "seguito", {"ultimo_argomento": "terapia.dolore"}, entities=milk)
    assert "Latte" in messages[0]["text"]


def test_a_follow_up_with_nothing_specific_names_what_was_asked(answerer: Answerer) -> None:
    messages, _ = run_action(answerer, "e nei bambini?", "seguito", {"ultimo_argomento": "rete.esenzione"})
    assert topics(messages) == ["rete.esenzione"]
    assert "«bambini»" in messages[0]["text"]


def test_an_ambiguous_word_gets_a_question_with_buttons(answerer: Answerer) -> None:
    messages, _ = run_action(answerer, "il calcio va bene?", "evitare_calcio_dieta")
    assert topics(messages) == ["bot.non_capito"] and messages[0]["custom"]["chiarimento"] is True
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/evitare_calcio_dieta", "/riabilitazione_esercizio"]
    # With its context the word is not ambiguous.
    messages, _ = run_action(answerer, "quanto calcio c'è nel latte?", "evitare_calcio_dieta")
    assert topics(messages) == ["evitare.calcio_dieta"]


def test_two_topics_about_as_likely_get_a_question(answerer: Answerer) -> None:
    close = [
        {"name": "terapia_dolore", "confidence": 0.26},
        {"name": "riabilitazione_piano", "confidence": 0.24},
        {"name": "saluto", "confidence": 0.1},
    ]
    messages, _ = run_action(answerer, "come faccio?", "terapia_dolore", ranking=close)
    assert messages[0]["custom"] == {"topic": "bot.non_capito", "chiarimento": True}
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/terapia_dolore", "/riabilitazione_piano"]
    clear = [{"name": "terapia_dolore", "confidence": 0.7}, {"name": "riabilitazione_piano", "confidence": 0.2}]
    messages, _ = run_action(answerer, "come gestisco il dolore?", "terapia_dolore", ranking=clear)
    assert topics(messages) == ["terapia.dolore"]


def test_a_follow_up_about_an_aspect_stays_on_the_last_topic(answerer: Answerer) -> None:
    # The classifier takes "quanto spesso" for the check-ups; after a diet answer it is not.
    messages, slots = run_action(
        answerer, "e quanto spesso?", "controlli_esami_periodici", {"ultimo_argomento": "dieta.cosa_mangiare"}
    )
    assert topics(messages) == ["dieta.cosa_mangiare"] and slots["ultimo_argomento"] == "dieta.cosa_mangiare"
    assert "Su «quanto spesso» le fonti che uso non dicono nulla di specifico" in messages[0]["text"]
    assert answerer.content.topic("dieta.cosa_mangiare").body[:40] in messages[0]["text"]


def test_a_follow_up_that_names_another_topic_gets_that_topic(answerer: Answerer) -> None:
    messages, _ = run_action(
        answerer, "e l'esenzione come si chiede?", "rete_esenzione", {"ultimo_argomento": "dieta.cosa_mangiare"}
    )
    assert topics(messages) == ["rete.esenzione"]
    assert "le fonti che uso" not in messages[0]["text"]


def test_a_follow_up_finds_the_approfondimento_by_a_synonym(answerer: Answerer) -> None:
    topic = answerer.content.topic("condizione.cos_e")
    assert topic is not None and "bambini" in topic.follow_ups
    messages, _ = run_action(answerer, "anche per mio figlio?", "nlu_fallback", {"ultimo_argomento": topic.id})
    assert topics(messages) == [topic.id]
    assert topic.follow_ups["bambini"][:40] in messages[0]["text"]


def test_a_follow_up_on_a_food_not_in_the_table_names_it(answerer: Answerer) -> None:
    messages, _ = run_action(answerer, "e il kefir?", "seguito", {"ultimo_argomento": "dieta.cibi_ricchi_fosforo"})
    assert topics(messages) == ["dieta.cibi_ricchi_fosforo"]
    assert "Su «kefir» le fonti che uso non dicono nulla di specifico" in messages[0]["text"]


def test_a_follow_up_the_topic_speaks_of_is_not_called_unknown(answerer: Answerer) -> None:
    topic = answerer.content.topic("condizione.diagnosi")
    assert topic is not None and "risonanza" in topic.body.lower()
    messages, _ = run_action(answerer, "e la risonanza?", "seguito", {"ultimo_argomento": topic.id})
    assert topics(messages) == [topic.id]
    assert "Su «risonanza», ecco cosa dicono le fonti" in messages[0]["text"]


def test_a_personal_follow_up_gets_the_caveat_and_the_last_topic(answerer: Answerer) -> None:
    messages, _ = run_action(
        answerer, "e in gravidanza posso farla?", "consiglio_personale", {"ultimo_argomento": "dieta.povera_fosforo"},
        topic_ranking=[{"name": "seguito", "confidence": 0.6}],
    )
    assert topics(messages) == ["dieta.povera_fosforo"] and messages[0]["custom"]["consiglio_personale"] is True
    assert "Non posso decidere per te" in messages[0]["text"]


def test_a_question_of_its_own_is_not_read_as_a_follow_up(answerer: Answerer) -> None:
    messages, _ = run_action(
        answerer, "cosa posso mangiare?", "dieta_cosa_mangiare", {"ultimo_argomento": "condizione.cos_e"}
    )
    assert topics(messages) == ["dieta.cosa_mangiare"]
    assert "le fonti che uso" not in messages[0]["text"]


def test_a_personal_question_gets_the_topic_that_clearly_leads(answerer: Answerer) -> None:
    # Below the share, but twice the next topic: still the general answer with the caveat.
    leads = [{"name": "controlli_esami_periodici", "confidence": 0.3}, {"name": "privacy", "confidence": 0.1}]
    messages, _ = run_action(answerer, "ogni quanto le analisi?", "consiglio_personale", topic_ranking=leads)
    assert topics(messages) == ["controlli.esami_periodici"] and messages[0]["custom"]["consiglio_personale"]
    for unclear in (
        [{"name": "rete_supporto_emotivo", "confidence": 0.2}, {"name": "privacy", "confidence": 0.15}],
        [{"name": "rete_supporto_emotivo", "confidence": 0.12}, {"name": "privacy", "confidence": 0.02}],
    ):
        messages, _ = run_action(answerer, "è un dramma, come faccio?", "consiglio_personale", topic_ranking=unclear)
        assert topics(messages) == ["sicurezza.consiglio_personale"]


def test_values_told_as_context_get_the_general_answer_and_say_they_are_not_read(answerer: Answerer) -> None:
    about = [{"name": "condizione_diagnosi", "confidence": 0.6}]
    context = (
        "Ho il diabete da dieci anni e il pth era alto, l'endocrinologo mi ha trovato delle "
        "calcificazioni all'anca e vuole escludere la calcinosi tumorale. "
    )
    messages, _ = run_action(answerer, context + "Quali esami mi faranno?", "consiglio_personale", topic_ranking=about)
    assert topics(messages) == ["condizione.diagnosi"]
    assert messages[0]["text"].startswith("**Non posso leggere i tuoi esami né dire cosa significano i tuoi valori**")
    messages, _ = run_action(answerer, context + "È grave?", "consiglio_personale", topic_ranking=about)
    assert topics(messages) == ["sicurezza.consiglio_personale"]


def test_a_short_question_that_points_back_stays_on_the_last_topic(answerer: Answerer) -> None:
    for text, intent, last in [
        ("chi la prescrive?", "fuori_ambito", "riabilitazione.piano"),
        ("hanno un sito?", "nlu_fallback", "rete.aifosf"),
        ("c'è un medico apposta?", "chi_sei", "terapia.dolore"),
    ]:
        messages, slots = run_action(answerer, text, intent, {"ultimo_argomento": last})
        assert topics(messages) == [last] and slots["ultimo_argomento"] == last, text
    # Without a last answer it is not a follow-up.
    messages, _ = run_action(answerer, "c'è un medico apposta?", "chi_sei")
    assert topics(messages) == ["bot.chi_sei"]


def test_a_follow_up_after_the_privacy_answer_gets_it_again(answerer: Answerer) -> None:
    messages, slots = run_action(answerer, "cosa salvate dei miei messaggi?", "privacy")
    assert topics(messages) == ["privacy.informativa"] and slots["ultimo_argomento"] == "privacy.informativa"
    messages, _ = run_action(answerer, "e per quanto tempo?", "seguito", slots)
    assert topics(messages) == ["privacy.informativa"]
    # A follow-up that names a topic of its own, or asks a personal question, is not privacy.
    messages, _ = run_action(answerer, "e la dieta?", "dieta_povera_fosforo", slots)
    assert topics(messages) == ["dieta.povera_fosforo"]
    messages, _ = run_action(answerer, "e posso prendere la vitamina D?", "consiglio_personale", slots)
    assert "privacy.informativa" not in topics(messages)


def test_a_named_food_is_answered_even_when_two_topics_are_close(answerer: Answerer) -> None:
    close = [
        {"name": "dieta_povera_fosforo", "confidence": 0.21},
        {"name": "dieta_cibi_ricchi_fosforo", "confidence": 0.2},
    ]
    cola = [{"entity": "alimento", "value": "bibita a base di cola"}]
    messages, _ = run_action(answerer, "la coca ha fosforo?", "dieta_povera_fosforo", ranking=close, entities=cola)
    assert "chiarimento" not in messages[0]["custom"]


def test_tests_done_with_no_reminders_is_the_offer_a_consent_question_if_reminders_were_asked(
    answerer: Answerer,
) -> None:
    messages, slots = run_action(answerer, "li ho fatti ieri", "promemoria_fatto", sender="nuovo-1")
    assert topics(messages) == ["promemoria.fatto"] and slots["offerta_promemoria"] is True
    asked = "voglio il promemoria, gli ultimi esami li ho fatti il 12 marzo"
    messages, slots = run_action(answerer, asked, "promemoria_fatto", sender="nuovo-2")
    assert topics(messages) == ["promemoria.attiva"] and slots["offerta_promemoria"] is True
