"""Every red-flag example the NLU is trained on, sent through the real server, gets the
emergency answer first: the safety layer and the classifier together never lose one."""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from tests.conftest import topics

ROOT = Path(__file__).resolve().parents[2]


def urgent_examples() -> list[str]:
    examples = []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            if block.get("intent") == "urgenza":
                for line in str(block.get("examples") or "").splitlines():
                    text = re.sub(r"^\s*-\s*", "", line).strip()
                    # entity annotations [testo](entita) -> testo
                    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)
                    if text:
                        examples.append(text)
    return examples


@pytest.mark.server
def test_every_urgent_training_example_gets_the_emergency_answer_first(bot_server) -> None:
    examples = urgent_examples()
    assert len(examples) >= 100

    def first_topic(text: str) -> str:
        return topics(bot_server.send(text, sender=f"urg-{uuid.uuid4().hex}"))[0]

    with ThreadPoolExecutor(max_workers=4) as pool:
        firsts = list(pool.map(first_topic, examples))
    missed = [text for text, first in zip(examples, firsts, strict=True) if first != "sicurezza.urgenza"]
    assert missed == []
