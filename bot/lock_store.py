"""Rasa's in-memory lock store, re-checking a busy conversation every 20 ms instead of 1 s.

Rasa answers the messages of one conversation one at a time (a ticket lock per sender).
A message that finds the conversation busy sleeps ``wait_time_in_seconds`` between checks,
1 s by default: a patient who sends two messages in a row got the second answer a second
late, and a burst of 16 took 15 s to answer although the server needed 0.2 s of work
(measured by ``make bench``, "burst" row). Same locks, same order, shorter naps.
"""

from __future__ import annotations

from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore

POLL_SECONDS = 0.02


class PromptInMemoryLockStore(InMemoryLockStore):
    def __init__(self, endpoint_config: Any = None) -> None:
        super().__init__()

    async def _acquire_lock(
        self, conversation_id: str, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        return await super()._acquire_lock(
            conversation_id, ticket, min(wait_time_in_seconds, POLL_SECONDS)
        )
