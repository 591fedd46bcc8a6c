"""``python -m bot.action_server`` with ``CALCINOSI_LOG_FORMAT=json``: rasa-sdk's start-up
and the actions log JSON lines only, and never what the user wrote nor the sender id."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from bot import ROOT
from bot.runner import is_up
from tests.conftest import free_port

TEXT = "ho un dolore fortissimo al petto e non respiro"


def call_action(port: int, sender: str) -> dict:
    body = {
        "next_action": "action_rispondi",
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": {"benvenuto_inviato": True},
            "latest_message": {
                "text": TEXT,
                "intent": {"name": "urgenza", "confidence": 0.9},
                "intent_ranking": [{"name": "urgenza", "confidence": 0.9}],
                "entities": [],
            },
            "events": [{"event": "user", "text": TEXT, "input_channel": "rest"}],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/webhook", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}, method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (localhost)
        return json.loads(response.read())


def test_action_server_logs_json_lines_without_text_or_sender(tmp_path: Path) -> None:
    port, sender = free_port(), f"azioni-{uuid.uuid4().hex}"
    log_path = tmp_path / "azioni.log"
    env = {
        **os.environ,
        "CALCINOSI_LOG_FORMAT": "json",
        "CALCINOSI_DB_URL": f"sqlite:///{tmp_path / 'promemoria.db'}",
        "SANIC_HOST": "127.0.0.1",
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.action_server", "--actions", "actions", "-p", str(port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while not is_up(f"http://127.0.0.1:{port}/health"):
            assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.25)
        answer = call_action(port, sender)
        assert answer["responses"][0]["custom"]["topic"] == "sicurezza.urgenza"
    finally:
        process.terminate()
        process.wait(timeout=10)

    lines = [line for line in log_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is JSON
    assert {r["process"] for r in records} == {"azioni"}
    assert any(r["logger"] == "actions.rispondi" for r in records)  # the action's own log
    assert any(r["logger"].startswith("rasa_sdk") for r in records)
    for record in records:
        assert TEXT not in record["message"] and sender not in json.dumps(record)
