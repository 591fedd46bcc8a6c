"""The catalogue, domain, rules and NLU data agree with each other."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.topics import all_intents, content_intents, load_catalogue

ROOT = Path(__file__).resolve().parents[2]
SHARED_CATALOGUE = ROOT.parent / "shared" / "spec" / "topics.yml"


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_catalogue_copy_matches_shared_spec() -> None:
    if not SHARED_CATALOGUE.exists():
        import pytest

        pytest.skip("../shared/spec/topics.yml non presente")
    assert _yaml(SHARED_CATALOGUE) == load_catalogue()


def test_domain_lists_exactly_the_known_intents() -> None:
    assert sorted(_yaml(ROOT / "domain.yml")["intents"]) == sorted(all_intents())


def test_every_intent_has_a_rule_to_the_answer_action() -> None:
    rule = _yaml(ROOT / "data" / "rules" / "rispondi.yml")["rules"][0]
    covered = {step["intent"] for step in rule["steps"][0]["or"]}
    assert covered == set(all_intents()) | {"nlu_fallback"}
    assert rule["steps"][1] == {"action": "action_rispondi"}


def test_every_intent_has_training_examples() -> None:
    counts: dict[str, int] = {}
    for path in (ROOT / "data" / "nlu").glob("*.yml"):
        for block in _yaml(path).get("nlu") or []:
            if "intent" in block:
                examples = [e for e in block["examples"].splitlines() if e.strip().startswith("- ")]
                counts[block["intent"]] = counts.get(block["intent"], 0) + len(examples)
    for intent in content_intents():
        assert counts.get(intent, 0) >= 25, intent
    for intent in all_intents():
        assert counts.get(intent, 0) >= 10, intent


def test_training_data_never_contains_evaluation_messages() -> None:
    evaluation = {
        case["text"].strip().lower()
        for case in _yaml(ROOT / "tests" / "e2e" / "evaluation_set.yml")["cases"]
    }
    training: set[str] = set()
    for path in (ROOT / "data" / "nlu").glob("*.yml"):
        for block in _yaml(path).get("nlu") or []:
            for line in (block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    training.add(line.strip()[2:].strip().lower())
    assert not evaluation & training


def test_dialogue_depends_on_one_user_turn_and_no_slot() -> None:
    """What lets the tracker cache keep only the last turns of a long conversation in memory
    (bot/tracker_store.py): the only policy is RulePolicy, every rule has one user turn and
    no slot influences the dialogue."""
    policies = [p["name"] for p in _yaml(ROOT / "config.yml")["policies"]]
    assert policies == ["RulePolicy"]
    rule_files = sorted((ROOT / "data").rglob("*.yml"))
    for path in rule_files:
        data = _yaml(path) or {}
        assert not data.get("stories"), f"{path}: stories would need longer histories"
        for rule in data.get("rules") or []:
            user_steps = [s for s in rule["steps"] if "intent" in s or "or" in s or "user" in s]
            assert len(user_steps) == 1, rule.get("rule")
            assert "condition" not in rule and not rule.get("conversation_start"), rule.get("rule")
    slots = _yaml(ROOT / "domain.yml")["slots"]
    assert all(slot.get("influence_conversation") is False for slot in slots.values())
