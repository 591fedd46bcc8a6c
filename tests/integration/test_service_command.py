"""``python -m bot service <nome>``: what the systemd units of deploy/ start."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.ports import free_port
from bot import ROOT
from bot.runner import is_up


def test_the_web_service_becomes_the_page_server_itself(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "CALCINOSI_WEB_PORT": str(port),
        "CALCINOSI_DB_URL": f"sqlite:///{tmp_path / 'calcinosi.db'}",
        "CALCINOSI_RUN_DIR": str(tmp_path),
    }
    process = subprocess.Popen([sys.executable, "-m", "bot", "service", "web"], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while not is_up(f"http://127.0.0.1:{port}/salute"):
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        # exec, not a child: the process systemd watches is the server.
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
        assert cmdline[1:4] == [b"-m", b"bot", b"web"]
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_the_rasa_service_writes_its_own_endpoints_with_the_redis_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.processes import process
    from bot.settings import load_settings

    monkeypatch.setenv("CALCINOSI_RUN_DIR", str(tmp_path))
    monkeypatch.setenv("CALCINOSI_REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("CALCINOSI_RASA_PORT", "5099")
    rasa = process("rasa", load_settings())
    endpoints = (tmp_path / "endpoints-5099.yml").read_text()
    assert "bot.lock_store.RedisQueueLockStore" in endpoints and "shared: true" in endpoints
    assert str(tmp_path / "endpoints-5099.yml") in rasa.command
    assert "--port" in rasa.command and "5099" in rasa.command


def test_an_unknown_service_is_refused_with_the_list() -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "service", "altro"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "azioni" in result.stderr and "promemoria" in result.stderr
