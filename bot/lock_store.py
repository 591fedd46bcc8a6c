"""Lock stores: one message of a conversation at a time, in arrival order.

``PromptInMemoryLockStore`` (one Rasa server): Rasa's in-memory lock store, re-checking a
busy conversation every 20 ms instead of 1 s. ``RedisQueueLockStore`` (several replicas):
the same guarantee across processes, in Redis.

Rasa answers the messages of one conversation one at a time (a ticket lock per sender).
A message that finds the conversation busy sleeps ``wait_time_in_seconds`` between checks,
1 s by default: a patient who sends two messages in a row got the second answer a second
late, and a burst of 16 took 15 s to answer although the server needed 0.2 s of work
(measured by ``make bench``, "burst" row). Same locks, same order, shorter naps.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore

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


class RedisQueueLockStore(LockStore):
    """A per-conversation lock shared by several Rasa replicas, in Redis, first come first served.

    Rasa's ``RedisLockStore`` reads the ticket list, changes it in Python and writes it back:
    two replicas that take a ticket at the same moment both read the same list, and one
    write is lost, so two messages of one conversation run at once and their events
    interleave (rasa PR #11256, reverted in #11428). Here every step is one atomic Redis
    operation:

    - a message takes a ticket with ``INCR`` and queues it in a sorted set (score = ticket);
    - it holds the lock when its ticket is the first of the queue (a Lua script, atomic);
    - while it waits or holds, it renews a heartbeat key every ``lease/3`` seconds; a ticket
      whose heartbeat expired (its replica was killed) is dropped from the queue by the next
      waiter, so a dead replica frees its conversations within ``lease`` seconds;
    - it leaves the queue when done (or on error, or when cancelled).
    """

    LEASE_SECONDS = 10.0
    KEEP_IDLE_SECONDS = 24 * 60 * 60  # an idle conversation's keys go away after a day

    # KEYS[1] = ticket counter, KEYS[2] = queue; ARGV[1] = member id, ARGV[2] = heartbeat key
    # prefix, ARGV[3] = lease (ms), ARGV[4] = idle expiry (s). Takes the next ticket and
    # queues it in one step, so a later ticket can never be queued before an earlier one.
    _ENQUEUE = """
local ticket = redis.call('INCR', KEYS[1])
local member = string.format('%020d', ticket) .. ':' .. ARGV[1]
redis.call('SET', ARGV[2] .. member, 1, 'PX', ARGV[3])
redis.call('ZADD', KEYS[2], ticket, member)
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return member
"""
    # KEYS[1] = queue; ARGV[1] = our member; ARGV[2] = heartbeat key prefix.
    # Drops the queue's head while its heartbeat is gone, then says whether we are the head.
    _HEAD_IS_US = """
local head = redis.call('ZRANGE', KEYS[1], 0, 0)
while head[1] and head[1] ~= ARGV[1] and redis.call('EXISTS', ARGV[2] .. head[1]) == 0 do
  redis.call('ZREM', KEYS[1], head[1])
  head = redis.call('ZRANGE', KEYS[1], 0, 0)
end
if head[1] == ARGV[1] then return 1 end
return 0
"""

    def __init__(self, endpoint_config: Any = None) -> None:
        import redis.asyncio

        super().__init__()
        kwargs = dict(getattr(endpoint_config, "kwargs", None) or {})
        url = getattr(endpoint_config, "url", None) or "redis://127.0.0.1:6379/0"
        self.key_prefix = str(kwargs.get("key_prefix") or "calcinosi") + ":lock:"
        self.lease_seconds = float(kwargs.get("lease_seconds") or self.LEASE_SECONDS)
        self.redis = redis.asyncio.Redis.from_url(url)
        self._enqueue = self.redis.register_script(self._ENQUEUE)
        self._head_is_us = self.redis.register_script(self._HEAD_IS_US)

    # Rasa's ticket API is not used: lock() below replaces it as a whole.
    def get_lock(self, conversation_id: str) -> TicketLock | None:
        return None

    def delete_lock(self, conversation_id: str) -> None:
        return None

    def save_lock(self, lock: TicketLock) -> None:
        return None

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = POLL_SECONDS,
    ) -> AsyncIterator[TicketLock]:
        base = f"{self.key_prefix}{conversation_id}"
        queue, beats = f"{base}:queue", f"{base}:beat:"
        lease_ms = int(self.lease_seconds * 1000)
        member = (
            await self._enqueue(
                keys=[f"{base}:next", queue],
                args=[uuid.uuid4().hex, beats, lease_ms, self.KEEP_IDLE_SECONDS],
            )
        ).decode()
        heartbeat = asyncio.create_task(self._beat(beats + member, lease_ms))
        try:
            deadline = time.monotonic() + lock_lifetime
            while not await self._head_is_us(keys=[queue], args=[member, beats]):
                if time.monotonic() > deadline:
                    raise LockError(f"Could not acquire lock for a conversation in {lock_lifetime} s.")
                await asyncio.sleep(min(wait_time_in_seconds, POLL_SECONDS))
            yield TicketLock(conversation_id)
        finally:
            heartbeat.cancel()
            await self.redis.zrem(queue, member)
            await self.redis.delete(beats + member)

    async def _beat(self, key: str, lease_ms: int) -> None:
        while True:
            await asyncio.sleep(lease_ms / 3000)
            await self.redis.pexpire(key, lease_ms)
