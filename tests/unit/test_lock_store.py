"""The prompt lock store keeps Rasa's guarantees: one message of a conversation at a time, in order."""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml
from rasa.core.lock_store import LockStore

from bot.lock_store import PromptInMemoryLockStore
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
