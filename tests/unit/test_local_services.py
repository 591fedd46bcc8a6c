"""make test finds PostgreSQL and Redis on their default local ports by itself."""

from __future__ import annotations

import socket

import pytest

from bot.reminders import testing


def test_the_variable_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_TEST_URL", "postgresql://altrove/db")
    assert testing._service_url("X_TEST_URL", "postgresql://locale/test", 1) == "postgresql://altrove/db"


def test_without_the_variable_a_local_server_that_answers_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("X_TEST_URL", raising=False)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert testing._service_url("X_TEST_URL", "redis://locale", port) == "redis://locale"
    # Nothing listens there any more: the tests that need it skip.
    assert testing._service_url("X_TEST_URL", "redis://locale", port) is None
