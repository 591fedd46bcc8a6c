"""The prompt lock store keeps Rasa's guarantees: one message of a conversation at a time, in order."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import yaml
from rasa.core.lock_store import LockStore

from bot import ROOT
from bot.lock_store import PromptInMemoryLockStore, RedisQueueLockStore
from bot.reminders.testing import REDIS_SKIP_REASON, redis_url
from bot.settings import load_settings, write_endpoints


def test_messages_of_one_conversation_run_one_at_a_time_in_arrival_order() -> None:
    store = PromptInMemoryLockStore()
    log: list[str] = []

    async def message(name: str, sender: str, work_steps: int) -> None:
        async with store.lock(sender):
            log.append(f"+{name}")
            for _ in range(work_steps):
                await asyncio.sleep(0.005)
            log.append(f"-{name}")

    async def main() -> None:
        await asyncio.gather(
            message("a1", "a", 3), message("a2", "a", 1), message("a3", "a", 2), message("b1", "b", 1)
        )

    asyncio.run(main())
    only_a = [entry for entry in log if entry[1] == "a"]
    assert only_a == ["+a1", "-a1", "+a2", "-a2", "+a3", "-a3"]
    # Another conversation is not held up by the busy one.
    assert log.index("-b1") < log.index("-a1")


def test_rasa_builds_it_from_the_endpoints_we_write(tmp_path: Path) -> None:
    path = write_endpoints(load_settings(), tmp_path / "endpoints.yml")
    config = yaml.safe_load(path.read_text())["lock_store"]
    from rasa.utils.endpoints import EndpointConfig

    store = LockStore.create(EndpointConfig.from_dict(config))
    assert isinstance(store, PromptInMemoryLockStore)


# ---------------------------------------------------------------- several replicas (Redis)

def _redis_store(prefix: str, lease_seconds: float = 10.0) -> RedisQueueLockStore:
    from rasa.utils.endpoints import EndpointConfig

    url = redis_url()
    if url is None:
        pytest.skip(REDIS_SKIP_REASON)
    return RedisQueueLockStore(
        EndpointConfig(url=url, key_prefix=prefix, lease_seconds=lease_seconds)
    )


def test_two_replicas_never_hold_one_conversation_at_once_and_serve_in_arrival_order() -> None:
    prefix = f"test-{uuid.uuid4().hex}"
    log: list[str] = []

    async def message(store: RedisQueueLockStore, name: str, sender: str) -> None:
        async with store.lock(sender):
            log.append(f"+{name}")
            await asyncio.sleep(0.01)
            log.append(f"-{name}")

    async def main() -> None:
        # Two stores with their own connections, as two Rasa replicas would have. Each takes a
        # lock once first, so that no message below pays for opening its replica's connection
        # (which could let the next message, 2 ms later on the other replica, take its ticket
        # first: the order that counts is the order in which tickets reach Redis).
        replicas = [_redis_store(prefix), _redis_store(prefix)]
        for replica in replicas:
            async with replica.lock("warm-up"):
                pass
        tasks = []
        for i in range(16):
            tasks.append(asyncio.create_task(message(replicas[i % 2], f"m{i:02d}", "uno")))
            await asyncio.sleep(0.002)  # arrival order m00, m01, ...
        tasks.append(asyncio.create_task(message(replicas[0], "altro", "due")))
        await asyncio.gather(*tasks)

    asyncio.run(main())
    only_one = [entry for entry in log if entry[1] == "m"]
    expected = []
    for i in range(16):
        expected += [f"+m{i:02d}", f"-m{i:02d}"]
    assert only_one == expected
    # Another conversation is not held up by the busy one.
    assert log.index("-altro") < log.index("-m15")


TAKE_MANY_TIMES = """
import asyncio, sys
import redis
from rasa.utils.endpoints import EndpointConfig
from bot.lock_store import RedisQueueLockStore

url, prefix, name = sys.argv[1], sys.argv[2], sys.argv[3]
log = redis.Redis.from_url(url)

async def one(store, i):
    async with store.lock("uno"):
        log.rpush(prefix + ":log", f"+{name}{i}")
        await asyncio.sleep(0.001)
        log.rpush(prefix + ":log", f"-{name}{i}")

async def main():
    store = RedisQueueLockStore(EndpointConfig(url=url, key_prefix=prefix))
    await asyncio.gather(*(one(store, i) for i in range(100)))

asyncio.run(main())
"""


def test_two_processes_taking_the_lock_100_times_each_never_overlap() -> None:
    """Rasa's RedisLockStore, in the same race (2 processes x 500 tickets on one
    conversation), gave 612 distinct tickets out of 1000: two messages with one ticket."""
    import redis

    prefix = f"test-{uuid.uuid4().hex}"
    _redis_store(prefix)  # skips without Redis
    url = str(redis_url())
    workers = [
        subprocess.Popen([sys.executable, "-c", TAKE_MANY_TIMES, url, prefix, name], cwd=ROOT)
        for name in ("a", "b")
    ]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    client = redis.Redis.from_url(url)
    log = [entry.decode() for entry in client.lrange(prefix + ":log", 0, -1)]
    client.delete(prefix + ":log")
    assert len(log) == 400
    # Strictly alternating enter/leave of the same holder: never two inside at once.
    for enter, leave in zip(log[::2], log[1::2], strict=True):
        assert enter[0] == "+" and leave == "-" + enter[1:], (enter, leave)


HOLD_AND_WAIT = """
import asyncio, sys
from rasa.utils.endpoints import EndpointConfig
from bot.lock_store import RedisQueueLockStore

async def main():
    store = RedisQueueLockStore(EndpointConfig(url=sys.argv[1], key_prefix=sys.argv[2], lease_seconds=0.6))
    async with store.lock("uno"):
        print("preso", flush=True)
        await asyncio.sleep(60)

asyncio.run(main())
"""


def test_a_replica_killed_while_holding_frees_the_conversation_within_the_lease() -> None:
    prefix = f"test-{uuid.uuid4().hex}"
    alive = _redis_store(prefix, lease_seconds=0.6)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_AND_WAIT, str(redis_url()), prefix],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "preso"
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)

        async def take() -> float:
            started = time.monotonic()
            async with alive.lock("uno", lock_lifetime=10):
                return time.monotonic() - started

        waited = asyncio.run(take())
    finally:
        holder.kill()
    # Not taken while the dead holder's heartbeat lasted; taken soon after it expired.
    assert 0.2 < waited < 3.0
