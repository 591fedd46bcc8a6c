"""Through the real server (Rasa + action server) via the REST webhook."""

from __future__ import annotations

import json
import time
import urllib.error
import uuid

import pytest

from bench.load import ODD_TEXTS, bad_bodies
from bot.processes import MAX_REQUEST_BYTES
from tests.conftest import topics

pytestmark = pytest.mark.server


def test_first_question_gets_welcome_then_the_answer(bot_server) -> None:
    replies = bot_server.send("che cos'è la calcinosi tumorale?")
    assert topics(replies) == ["bot.benvenuto", "condizione.cos_e"]
    assert "assistente automatico" in replies[0]["text"]
    answer = replies[1]
    assert answer["custom"]["title"] == "Che cos'è la calcinosi tumorale"
    assert answer["custom"]["sources"]
    assert answer["buttons"], "related topics are offered as buttons"


def test_welcome_only_once_per_conversation(bot_server) -> None:
    sender = f"test-{uuid.uuid4().hex}"
    bot_server.send("ciao", sender)
    second = bot_server.send("quali cibi hanno tanto fosforo?", sender)
    assert topics(second) == ["dieta.cibi_ricchi_fosforo"]


def test_editing_content_changes_the_next_answer(bot_server) -> None:
    path = bot_server.content_dir / "condizione.cos_e.md"
    original = path.read_text(encoding="utf-8")
    marker = f"Frase di prova {uuid.uuid4().hex[:8]}."
    try:
        path.write_text(original.rstrip() + f"\n\n{marker}\n", encoding="utf-8")
        replies = bot_server.send("che cos'è la calcinosi tumorale?")
        assert marker in replies[-1]["text"]
    finally:
        path.write_text(original, encoding="utf-8")
    assert marker not in bot_server.send("che cos'è la calcinosi tumorale?")[-1]["text"]


def test_urgent_message_is_answered_first_even_when_buried(bot_server) -> None:
    replies = bot_server.send(
        "volevo sapere quali formaggi evitare, però da stamattina ho un dolore fortissimo "
        "al petto e faccio fatica a respirare"
    )
    assert topics(replies)[0] == "sicurezza.urgenza"
    assert "112" in replies[0]["text"]


def test_personal_dose_question_is_sent_to_the_specialist(bot_server) -> None:
    replies = bot_server.send("quanti mg di acetazolamide devo dare a mio figlio?")
    assert "sicurezza.consiglio_personale" in topics(replies)


def test_button_payload_selects_the_topic(bot_server) -> None:
    replies = bot_server.send("/rete_aifosf")
    assert topics(replies)[-1] == "rete.aifosf"
    assert "www.aifosf.it" in replies[-1]["text"]


@pytest.mark.parametrize(
    ("body", "status"),
    [(body, status) for _, body, status in bad_bodies("x") if len(body) <= MAX_REQUEST_BYTES],
    ids=[name for name, body, _ in bad_bodies("x") if len(body) <= MAX_REQUEST_BYTES],
)
def test_bad_input_gets_a_polite_4xx(bot_server, body: bytes, status: int) -> None:
    got, payload = bot_server.send_raw(body)
    assert got == status, payload
    assert isinstance(payload, dict) and payload["errore"]


def test_a_body_over_1_mb_is_refused_before_it_is_read(bot_server) -> None:
    body = json.dumps({"sender": "x", "message": "b" * 5_000_000}).encode()
    try:
        status, _ = bot_server.send_raw(body)
        assert status == 413
    except (ConnectionError, urllib.error.URLError):
        pass  # Sanic answered 413 and closed the connection while the body was still coming
    assert bot_server.send("ciao")


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_odd_but_valid_messages_get_a_polite_answer(bot_server, text: str) -> None:
    replies = bot_server.send(text)
    assert replies and all(r.get("text") for r in replies)
    assert all((r.get("custom") or {}).get("topic") for r in replies)


def test_tracker_store_keeps_every_accepted_message(bot_server) -> None:
    sender = f"test-{uuid.uuid4().hex}"
    sent = [f"domanda numero {i} sulla dieta" for i in range(20)]
    for text in sent:
        bot_server.send(text, sender)
    time.sleep(0.5)
    assert bot_server.stored_user_texts(sender) == sent


def test_logs_contain_no_message_text_or_sender_id(bot_server) -> None:
    marker = f"parolasegreta{uuid.uuid4().hex[:10]}"
    sender = f"utente{uuid.uuid4().hex}"
    bot_server.send(f"quali cibi evitare con {marker}?", sender)
    bot_server.send("cancella i miei dati", sender)
    time.sleep(1.0)
    log = bot_server.log_path.read_text(errors="replace")
    assert marker not in log
    assert sender not in log


def test_200_rapid_messages_on_one_conversation_are_all_answered_and_kept(bot_server) -> None:
    sender = f"test-{uuid.uuid4().hex}"
    for i in range(200):
        assert bot_server.send(f"messaggio rapido {i} sulla dieta", sender)
    assert len(bot_server.stored_user_texts(sender)) == 200


def test_16_concurrent_messages_on_one_conversation(bot_server) -> None:
    from concurrent.futures import ThreadPoolExecutor

    sender = f"test-{uuid.uuid4().hex}"
    texts = [f"domanda parallela {i} sul fosforo" for i in range(16)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda t: bot_server.send_raw(
            json.dumps({"sender": sender, "message": t}).encode()), texts))
    assert all(status == 200 and payload for status, payload in results)
    assert sorted(bot_server.stored_user_texts(sender)) == sorted(texts)


def test_32_conversations_mixed_with_bad_input_get_no_5xx_and_lose_nothing(bot_server) -> None:
    """The load and bad-input run of ``make load``, shorter: every case, 32 at once."""
    from bench.load import run_load

    report = run_load(bot_server.rasa_port, conversations=32, seconds=6, tracker_db=bot_server.tracker_db)
    summary = report.as_dict()
    assert summary["failures"] == []
    assert summary["server_errors_5xx"] == 0
    assert summary["statuses"].get("400", 0) > 0 and summary["statuses"].get("413", 0) > 0
    assert summary["accepted_messages"] >= 32
    assert bot_server.send("ciao")  # still up and answering
