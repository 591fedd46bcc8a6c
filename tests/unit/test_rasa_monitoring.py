"""What the Rasa server's metrics count, and readiness without a model."""

from __future__ import annotations

import asyncio

from bot.rasa_health import is_ready
from bot.rasa_metrics import answer_kind


def test_answer_kinds_follow_the_topics() -> None:
    assert answer_kind({"custom": {"topic": "bot.non_capito"}}) == "fallback"
    assert answer_kind({"custom": {"topic": "bot.non_capito", "chiarimento": True}}) == (
        "clarification"
    )
    assert answer_kind({"custom": {"topic": "sicurezza.urgenza"}}) == "urgent"
    assert answer_kind({"custom": {"topic": "condizione.cos_e"}}) is None
    assert answer_kind({"text": "senza custom"}) is None


class AgentWithoutModel:
    def is_ready(self) -> bool:
        return False


def test_not_ready_before_the_model_is_loaded() -> None:
    assert asyncio.run(is_ready(None)) is False
    assert asyncio.run(is_ready(AgentWithoutModel())) is False
