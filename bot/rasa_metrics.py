"""Prometheus metrics of one Rasa server process, served at ``/metrics`` (bot/rasa_health.py).

* ``calcinosi_messages_total{channel}``: user messages received (rest, telegram, whatsapp);
* ``calcinosi_answer_seconds``: from a message reaching the agent to its answer being
  sent (waiting for the conversation's lock included);
* ``calcinosi_answers_total{kind}``: bot messages that are a fallback (``bot.non_capito``),
  a clarifying question (``bot.non_capito`` with ``custom.chiarimento``, bot/answers.py) or
  the emergency answer (``sicurezza.urgenza``), counted like the staff report does
  (bot/report_data.py).

Two hooks, installed by the server's entry point (bot/rasa_server.py) before Rasa starts,
cover every channel: ``Agent.handle_message`` (a counter and a histogram per message) and
``MessageProcessor._send_bot_messages`` (a dictionary look-up per bot message). Nothing
else is recorded: no text, no sender.
"""

from __future__ import annotations

import time
from typing import Any, Final

from prometheus_client import Counter, Histogram

from bot.report_data import CLARIFICATION, FALLBACK, URGENT, bot_topic

KINDS: Final = {FALLBACK: "fallback", CLARIFICATION: "clarification", URGENT: "urgent"}
LATENCY_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

MESSAGES = Counter("calcinosi_messages", "User messages received, by channel.", ["channel"])
LATENCY = Histogram(
    "calcinosi_answer_seconds", "Seconds from a user message to its answer.",
    buckets=LATENCY_BUCKETS,
)
ANSWERS = Counter(
    "calcinosi_answers", "Bot messages that are a fallback, a clarification or urgent.", ["kind"]
)
for _kind in KINDS.values():
    ANSWERS.labels(_kind)  # exported at 0 from the start


def answer_kind(data: dict[str, Any]) -> str | None:
    """``fallback``, ``clarification``, ``urgent`` or None for one bot message's data."""
    topic = bot_topic(data)
    return None if topic is None else KINDS.get(topic)


def install() -> None:
    from rasa.core.agent import Agent
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.events import BotUttered

    handle_message = Agent.handle_message
    send_bot_messages = MessageProcessor._send_bot_messages

    async def timed_handle_message(self: Agent, message: Any) -> Any:
        MESSAGES.labels(message.input_channel or "unknown").inc()
        started = time.perf_counter()
        try:
            return await handle_message(self, message)
        finally:
            LATENCY.observe(time.perf_counter() - started)

    async def counted_send_bot_messages(events: list[Any], tracker: Any, output: Any) -> None:
        for event in events:
            if isinstance(event, BotUttered):
                kind = answer_kind(event.data)
                if kind is not None:
                    ANSWERS.labels(kind).inc()
        await send_bot_messages(events, tracker, output)

    Agent.handle_message = timed_handle_message
    MessageProcessor._send_bot_messages = staticmethod(counted_send_bot_messages)
