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


def _rules(name: str) -> dict[str, dict]:
    return {rule["rule"]: rule for rule in _yaml(ROOT / "data" / "rules" / name)["rules"]}


def _intents(step: dict) -> set[str]:
    return {s["intent"] for s in step["or"]} if "or" in step else {step["intent"]}


def test_every_intent_has_a_rule_outside_and_inside_the_form() -> None:
    known = set(all_intents()) | {"nlu_fallback"}
    answer = _rules("rispondi.yml")["rispondi a ogni messaggio"]
    assert answer["steps"][1] == {"action": "action_rispondi"}
    start = _rules("promemoria.yml")["attiva i promemoria"]
    assert _intents(answer["steps"][0]) | _intents(start["steps"][0]) == known
    assert not _intents(answer["steps"][0]) & _intents(start["steps"][0])
    # In the form: what is not an answer is answered by a rule, then the form asks again.
    in_form = [
        rule for rule in _rules("promemoria.yml").values()
        if {"active_loop": "promemoria_form"} in (rule.get("condition") or [])
        and ("intent" in rule["steps"][0] or "or" in rule["steps"][0])
    ]
    handled = set().union(*(_intents(rule["steps"][0]) for rule in in_form))
    answers = {"affermazione", "negazione", "promemoria_attiva"}  # taken by the form itself
    assert handled | answers == known and not handled & answers


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
    """Neither the first held-out set nor any message of the blind sets is a training example."""
    evaluation = {
        case["text"].strip().lower()
        for case in _yaml(ROOT / "tests" / "e2e" / "evaluation_set.yml")["cases"]
    }
    for path in (ROOT / "tests" / "e2e" / "blind_sets").glob("*.yml"):
        for case in _yaml(path)["cases"]:
            evaluation.update(text.strip().lower() for text in case.get("turns") or [case["text"]])
    assert len(evaluation) > 800
    training: set[str] = set()
    for path in (ROOT / "data" / "nlu").glob("*.yml"):
        for block in _yaml(path).get("nlu") or []:
            for line in (block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    training.add(line.strip()[2:].strip().lower())
    assert not evaluation & training


def test_the_dialogue_needs_no_more_than_the_turns_the_tracker_cache_keeps() -> None:
    """What lets the tracker cache keep only the last turns of a long conversation in memory
    (bot/tracker_store.py, which also keeps the slots and the active form): the only policy
    is RulePolicy (no TEDPolicy: its start-up costs ~20 s), every rule looks at one user
    turn, and the multi-turn flows are stories checked against the rules at training."""
    from bot.tracker_store import KEEP_TURNS

    policies = [p["name"] for p in _yaml(ROOT / "config.yml")["policies"]]
    assert policies == ["RulePolicy"]
    for path in sorted((ROOT / "data" / "rules").glob("*.yml")):
        for rule in _yaml(path)["rules"]:
            user_steps = [s for s in rule["steps"] if "intent" in s or "or" in s or "user" in s]
            assert len(user_steps) <= 1 <= KEEP_TURNS, rule["rule"]
            assert not rule.get("conversation_start"), rule["rule"]
    stories = [s for p in (ROOT / "data" / "stories").glob("*.yml") for s in _yaml(p)["stories"]]
    assert len(stories) >= 8
    # Slots that rules look at are kept by the cache like every other slot.
    slots = _yaml(ROOT / "domain.yml")["slots"]
    assert [n for n, slot in slots.items() if slot.get("influence_conversation")] == ["offerta_promemoria"]
