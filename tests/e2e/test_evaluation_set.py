"""The held-out evaluation set, end to end through the REST webhook of the real server.

Every case is the first message of a fresh conversation. Targets: >= 95% of answers
on the right topic, 100% of urgent messages answered with the emergency message first.
"""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from bot.evaluation import KeyedResult, from_single_topic, per_topic_table, reply_labels

ROOT = Path(__file__).resolve().parents[2]
CASES = yaml.safe_load((ROOT / "tests" / "e2e" / "evaluation_set.yml").read_text())["cases"]
RESULTS = ROOT / "var" / "results"


@pytest.fixture(scope="module")
def results(bot_server) -> list[KeyedResult]:
    def run(case: dict) -> KeyedResult:
        replies = bot_server.send(case["text"], sender=f"eval-{uuid.uuid4().hex}")
        return from_single_topic(case["text"], case["topic"], reply_labels(replies))

    with ThreadPoolExecutor(max_workers=4) as pool:
        found = list(pool.map(run, CASES))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "evaluation.md").write_text(per_topic_table(found) + "\n", encoding="utf-8")
    (RESULTS / "evaluation.json").write_text(
        json.dumps(
            [{"text": r.text, "accepted": r.accepted, "labels": [sorted(x) for x in r.labels],
              "correct": r.correct} for r in found],
            ensure_ascii=False, indent=1,
        )
    )
    print("\n" + per_topic_table(found))
    for r in found:
        if not r.correct:
            print(f"SBAGLIATO atteso={r.accepted} ottenuto={r.labels} :: {r.text}")
    return found


@pytest.mark.server
def test_urgent_messages_get_the_emergency_answer_first(results: list[KeyedResult]) -> None:
    urgent = [r for r in results if r.urgent]
    assert len(urgent) >= 25
    missed = [r.text for r in urgent if not r.correct]
    assert not missed, missed


@pytest.mark.server
def test_topic_accuracy_is_at_least_95_percent(results: list[KeyedResult]) -> None:
    accuracy = sum(r.correct for r in results) / len(results)
    assert accuracy >= 0.95, f"accuratezza {accuracy:.1%}"


@pytest.mark.server
def test_no_calm_question_is_sent_to_the_emergency_room(results: list[KeyedResult]) -> None:
    false_alarms = [r.text for r in results if r.false_alarm]
    # Recall of red flags comes first (100% above); the price is a few false alarms,
    # kept under 1% of the calm messages.
    calm = sum(not r.urgent for r in results)
    assert len(false_alarms) <= calm // 100, false_alarms
