"""The blind sets (tests/e2e/blind_sets/) and the dev sets (tests/e2e/dev_sets/), end to
end through the REST webhook, each case a new conversation: one message (``text``), or
several sent in order by the same sender (``turns``), the answer to the last one scored.

The blind sets were written by someone who saw neither data/ nor content/: they measure
understanding on wording nobody tuned for, and are never used for training or tuning, so
only their per-kind figures are printed, never the misses. Every red flag must get the
emergency answer first. The dev sets were written the same way, for tuning: their
misses are printed. Results: var/results/<set>.md.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from bot.evaluation import KeyedResult, per_kind_table, reply_labels
from bot.text import normalize

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "var" / "results"
# Per set: the accuracy floor, a little below the figure in docs/evaluation.md (session 7),
# and the most calm messages that may get the emergency answer first (the target is at most
# 1% of calm messages, and none on the calm set: r6_calm allows none). Both the classifier
# (random_state fixed) and the safety rules are deterministic, so a bound above today's
# figure is only a margin for the other sets. Round 6 is blind (only figures printed); round 5
# was retired to the dev sets in session 7 (its misses read and tuned on), like d24-d29.
BOUNDS = {
    ("blind_sets", "r6_short"): (0.96, 1),
    ("blind_sets", "r6_short2"): (0.95, 1),
    ("blind_sets", "r6_calm"): (0.90, 0),
    ("blind_sets", "r6_followups"): (0.80, 1),
    ("blind_sets", "r6_real_world"): (0.92, 1),
    ("blind_sets", "r6_long"): (0.92, 2),
    ("dev_sets", "r5_short"): (0.94, 1),
    ("dev_sets", "r5_calm"): (0.96, 1),
    ("dev_sets", "r5_followups"): (0.90, 1),
    ("dev_sets", "r5_real_world"): (0.92, 1),
    ("dev_sets", "r5_long"): (0.95, 1),
    ("dev_sets", "d24"): (0.93, 1),
    ("dev_sets", "d25"): (0.88, 2),
    ("dev_sets", "d26"): (0.90, 3),
    ("dev_sets", "d27"): (0.89, 1),
    ("dev_sets", "d28"): (0.88, 1),
    ("dev_sets", "d29"): (0.85, 1),
    ("dev_sets", "followups"): (0.92, 1),
}


def run_set(bot_server, folder: str, name: str) -> list[KeyedResult]:
    cases = yaml.safe_load((ROOT / "tests" / "e2e" / folder / f"{name}.yml").read_text())["cases"]

    def run(case: dict) -> KeyedResult:
        sender = f"set-{uuid.uuid4().hex}"
        turns = list(case.get("turns") or [case["text"]])
        for text in turns:
            replies = bot_server.send(text, sender=sender)
        answered = normalize(" ".join(str(m.get("text") or "") for m in replies))
        named = normalize(str(case.get("names") or "")) in answered
        text = " -> ".join(turns)
        return KeyedResult(text, case["kind"], list(case["topics"]), reply_labels(replies), named)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, cases))
    table = per_kind_table(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{folder}-{name}.md").write_text(table + "\n", encoding="utf-8")
    print(f"\n{folder}/{name}\n{table}")
    if folder == "dev_sets":
        for r in results:
            if not r.correct:
                unnamed = "" if r.named else " (non nomina cosa è stato chiesto)"
                print(f"SBAGLIATO [{r.kind}] atteso={r.accepted} ottenuto={r.labels[:2]}{unnamed} :: {r.text}")
    return results


@pytest.fixture(scope="module", params=sorted(BOUNDS), ids=lambda key: "/".join(key))
def scored(request: pytest.FixtureRequest, bot_server) -> tuple[tuple[str, str], list[KeyedResult]]:
    return request.param, run_set(bot_server, *request.param)


@pytest.mark.server
def test_accuracy_does_not_regress(scored: tuple[tuple[str, str], list[KeyedResult]]) -> None:
    key, results = scored
    accuracy = sum(r.correct for r in results) / len(results)
    floor, _ = BOUNDS[key]
    assert accuracy >= floor, f"{key}: {accuracy:.1%}"


@pytest.mark.server
def test_every_red_flag_first_and_few_false_alarms(
    scored: tuple[tuple[str, str], list[KeyedResult]],
) -> None:
    key, results = scored
    assert [r.text for r in results if r.urgent and not r.correct] == []
    calm = [r for r in results if not r.urgent]
    _, false_alarms_max = BOUNDS[key]
    assert sum(r.false_alarm for r in calm) <= false_alarms_max
