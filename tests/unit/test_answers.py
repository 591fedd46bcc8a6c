"""What a content answer shows besides its text: sources, review date, draft status."""

from __future__ import annotations

from pathlib import Path

from bot.answers import Answerer
from bot.content import ContentStore

TOPIC = """---
id: dieta.additivi
titolo: "Additivi"
fonti:
  - documento: pdta-calcinosi-tumorale-rco230
    sezione: "§4 Sorveglianza; § 4.2 Dieta"
  - documento: altro-documento
    sezione: "Tabella I"
revisione:
  data: 2026-11-21
  a_cura_di: "Redazione"
prossima_revisione: 2027-11-21
correlati: []
stato: {stato}
approvato_da: "Dott.ssa Prova, endocrinologa"
approvato_il: 2026-11-22
---
Testo della scheda.
"""
TEXTS = 'fonti:\n  pdta-calcinosi-tumorale-rco230: "PDTA Toscana"\nnota_bozza: "In attesa di revisione."\n'


def answer_text(tmp_path: Path, stato: str) -> tuple[str, dict]:
    (tmp_path / "dieta.additivi.md").write_text(TOPIC.replace("{stato}", stato), encoding="utf-8")
    (tmp_path / "schede.yml").write_text(TEXTS, encoding="utf-8")
    answerer = Answerer(ContentStore(tmp_path))
    topic = answerer.content.topic("dieta.additivi")
    assert topic is not None
    message = answerer.topic_message(topic)
    return message["text"], message["custom"]


def test_every_content_answer_shows_its_sources_and_review_date(tmp_path: Path) -> None:
    text, custom = answer_text(tmp_path, "approvato")
    line = "Fonte: PDTA Toscana, §4, §4.2; altro-documento · Rivisto il 21/11/2026"
    assert line in text.splitlines()
    assert custom["fonte"] == line and custom["stato"] == "approvato"


def test_a_draft_says_it_awaits_clinical_review(tmp_path: Path) -> None:
    text, custom = answer_text(tmp_path, "bozza")
    lines = text.splitlines()
    assert lines[lines.index("In attesa di revisione.") - 1].startswith("Fonte: ")
    assert custom["stato"] == "bozza"


def test_the_real_content_has_a_name_for_every_cited_document() -> None:
    content = ContentStore()
    names = content.texts("schede")["fonti"]
    for path in content.directory.glob("*.md"):
        topic = content.topic(path.stem)
        assert topic is not None
        for source in topic.sources:
            assert source["documento"] in names, (path.name, source["documento"])


def test_every_content_answer_asks_whether_it_helped(tmp_path: Path) -> None:
    from bot.answers import feedback_buttons
    from bot.topics import content_topics

    text, _ = answer_text(tmp_path, "bozza")
    assert text.splitlines()[-1] == "Ti è stata utile questa risposta?"
    for topic_id in content_topics():
        payloads = [b["payload"] for b in feedback_buttons(topic_id)]
        assert payloads == [f'/utile{{"argomento":"{topic_id}"}}', f'/non_utile{{"argomento":"{topic_id}"}}']
        assert all(len(p.encode()) <= 64 for p in payloads)  # Telegram's callback_data limit


def test_a_question_on_what_to_eat_in_general_is_not_answered_about_the_foods_of_its_story() -> None:
    from bot.answers import Turn, asks_what_to_eat

    story = "ho chiuso con salumi e formaggi, cosa mi resta da mangiare?"
    assert asks_what_to_eat(Turn("dieta_cosa_mangiare", story, confidence=0.95))
    assert not asks_what_to_eat(Turn("dieta_cosa_mangiare", story, confidence=0.5))  # not sure
    assert not asks_what_to_eat(Turn("dieta_cosa_mangiare", "il grana lo posso mangiare?", confidence=0.95))
    assert not asks_what_to_eat(Turn("dieta_cibi_ricchi_fosforo", story, confidence=0.95))


def test_an_unsure_reminder_or_yes_no_guess_after_a_content_answer_is_a_follow_up() -> None:
    from bot.answers import Turn, unsure_follow_up

    after = {"ultimo_argomento": "rete.aifosf"}
    assert unsure_follow_up(Turn("promemoria_fatto", "come li contatto?", confidence=0.2, slots=after))
    assert unsure_follow_up(Turn("negazione", "e se non voglio cambiare?", confidence=0.36, slots=after))
    assert not unsure_follow_up(Turn("promemoria_fatto", "fatto gli esami ieri", confidence=0.9, slots=after))
    assert not unsure_follow_up(Turn("promemoria_fatto", "come li contatto?", confidence=0.2))  # no answer before


def test_a_broken_food_table_leaves_the_answers_without_foods(tmp_path: Path) -> None:
    import shutil

    from bot import CONTENT_DIR
    from bot.answers import Turn

    content = tmp_path / "it"
    shutil.copytree(CONTENT_DIR, content)
    (content / "alimenti.yml").write_text("alimenti: [nome: 'nduja, grana]\n", encoding="utf-8")  # a typo
    turn = Turn("condizione_cos_e", "cos'è la calcinosi?", slots={"benvenuto_inviato": True})
    reply = Answerer(ContentStore(content)).answer(turn)
    assert [m["custom"]["topic"] for m in reply.messages] == ["condizione.cos_e"]


def test_a_named_food_does_not_decide_a_sure_out_of_scope_request() -> None:
    from bot.answers import Turn, food_may_decide

    assert not food_may_decide(Turn("fuori_ambito", "dammi la ricetta del tiramisù", confidence=0.95))
    assert food_may_decide(Turn("fuori_ambito", "e il tiramisù?", confidence=0.3))  # unsure: the food
    assert food_may_decide(Turn("dieta_cosa_mangiare", "il tiramisù lo posso mangiare?", confidence=0.9))
    assert not food_may_decide(Turn("consiglio_personale", "posso mangiare il grana?", confidence=1.0))
    assert not food_may_decide(Turn("riabilitazione_esercizio", "il calcio giocato, non quello del latte", confidence=0.9))
