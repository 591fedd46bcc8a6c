"""Metrics, health and JSON logs through the real stack (``python -m bot run``).

The Rasa server's ``/metrics`` moves by exactly what was sent; liveness and readiness of
the Rasa server and the web page; with ``CALCINOSI_LOG_FORMAT=json`` every process writes
JSON lines, and nothing of what the user wrote, nor the sender id, reaches the logs.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrape import get_status, scrape

from tests.conftest import BotServer, start_stack, stop_stack, topics

pytestmark = pytest.mark.server

EMERGENCY = "ho un dolore fortissimo al petto e non respiro"
NOT_UNDERSTOOD = "zorblat quixotic frimble"
PHONE = "333 987 6543"
JSON_KEYS = {"time", "level", "logger", "message", "process", "pid"}


@pytest.fixture(scope="module")
def json_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotServer]:
    server, process = start_stack(
        tmp_path_factory.mktemp("json-logs"), {"CALCINOSI_LOG_FORMAT": "json"}
    )
    try:
        yield server
    finally:
        stop_stack(process)


def counters(server: BotServer) -> dict[str, float]:
    samples = scrape(f"{server.rasa_url}/metrics")
    return {
        "rest": samples.get(("calcinosi_messages_total", (("channel", "rest"),)), 0.0),
        "answered": samples[("calcinosi_answer_seconds_count", ())],
        "under_5s": samples[("calcinosi_answer_seconds_bucket", (("le", "5.0"),))],
        **{
            kind: samples[("calcinosi_answers_total", (("kind", kind),))]
            for kind in ("fallback", "clarification", "urgent")
        },
    }


def test_rasa_metrics_move_by_exactly_what_was_sent(json_stack: BotServer) -> None:
    before = counters(json_stack)
    sender = f"metriche-{uuid.uuid4().hex}"
    assert topics(json_stack.send("ciao", sender)) == ["bot.benvenuto", "bot.saluto"]
    assert topics(json_stack.send(EMERGENCY, sender)) == ["sicurezza.urgenza"]
    fallback = json_stack.send(NOT_UNDERSTOOD, sender)
    assert topics(fallback) == ["bot.non_capito"] and not fallback[0]["custom"].get("chiarimento")
    clarification = json_stack.send("calcio", sender)
    assert topics(clarification) == ["bot.non_capito"]
    assert clarification[0]["custom"]["chiarimento"] is True
    assert topics(json_stack.send("quali cibi hanno tanto fosforo?", sender)) == [
        "dieta.cibi_ricchi_fosforo"
    ]
    status, _ = json_stack.send_raw(json.dumps({"sender": sender, "message": " "}).encode())
    assert status == 400  # refused before the model: not a message

    after = counters(json_stack)
    moved = {name: after[name] - before[name] for name in before}
    assert moved == {
        "rest": 5,
        "answered": 5,
        "under_5s": 5,
        "fallback": 1,
        "clarification": 1,
        "urgent": 1,
    }


def test_liveness_and_readiness(json_stack: BotServer) -> None:
    for base in (json_stack.rasa_url + "/", json_stack.web_url):
        assert get_status(base + "health/live") == 200
        assert get_status(base + "health/ready") == 200


def test_rasa_is_not_ready_when_its_tracker_store_does_not_answer(tmp_path: Path) -> None:
    unreachable = "sqlite:////proc/calcinosi-nessuna-cartella/tracker.db"  # cannot be created
    server, process = start_stack(tmp_path, {"CALCINOSI_TRACKER_URL": unreachable})
    try:
        assert get_status(f"{server.rasa_url}/health/live") == 200
        assert get_status(f"{server.rasa_url}/health/ready") == 503
    finally:
        stop_stack(process)


def post_to_web_page(server: BotServer, sender: str, text: str) -> list[dict[str, Any]]:
    request = urllib.request.Request(
        server.web_url + "api/messaggio",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (localhost)
        return json.loads(response.read())


def test_logs_are_json_lines_without_text_or_sender(json_stack: BotServer) -> None:
    sender = f"riservato-{uuid.uuid4().hex}"
    texts = [EMERGENCY, NOT_UNDERSTOOD, f"il mio numero è {PHONE}", "cancella i miei dati"]
    for text in texts[:3]:
        json_stack.send(text, sender)
    assert post_to_web_page(json_stack, sender, texts[3])
    get_status(f"{json_stack.web_url}api/calendario/{sender}.ics")  # the id in a path

    lines = json_stack.log_path.read_text(encoding="utf-8").splitlines()
    records, text_lines = [], []
    for line in lines:
        if not line.strip() or line.startswith(">> "):  # bot/runner.py's own messages
            continue
        try:
            records.append(json.loads(line))
        except ValueError:
            text_lines.append(line)
    assert text_lines == []
    assert all(isinstance(r, dict) and JSON_KEYS <= set(r) for r in records)
    assert {"rasa", "azioni", "web", "promemoria"} <= {r["process"] for r in records}
    assert any(r["logger"] == "calcinosi.web.access" for r in records)

    log = "\n".join(lines)
    for secret in [sender, PHONE, PHONE.replace(" ", ""), *texts]:
        assert secret not in log
