"""Keep-alive connections from the Rasa server to the action server.

Rasa 3.6 opens a new ``aiohttp.ClientSession`` (so a new TCP connection) for every call to
an endpoint (``EndpointConfig.request``: ``async with self.session() as session``), and
closes it after one request: every message pays a TCP handshake to the action server
(visible in py-spy under load, issue #13). Here ``EndpointConfig.session`` hands out one
session per endpoint and event loop, which lives as long as the process and whose
connections are reused; ``async with`` no longer closes it. Same headers, auth and timeout.
Installed by the Rasa server's entry point (bot/rasa_server.py).
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from rasa.utils.endpoints import EndpointConfig

_original_session = EndpointConfig.session
_sessions: dict[tuple[int, str, str], aiohttp.ClientSession] = {}


class _Borrowed:
    """``async with`` on a shared session: gives it, never closes it."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, *_: Any) -> None:
        return None


def shared_session(self: EndpointConfig) -> _Borrowed:
    key = (id(asyncio.get_running_loop()), str(self.url), repr(sorted((self.headers or {}).items())) + repr(self.basic_auth))
    session = _sessions.get(key)
    if session is None or session.closed:
        session = _original_session(self)
        _sessions[key] = session
    return _Borrowed(session)


def install() -> None:
    EndpointConfig.session = shared_session  # type: ignore[method-assign]
