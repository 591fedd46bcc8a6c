"""The cached validator checks exactly what jsonschema.validate checks."""

from __future__ import annotations

import jsonschema
import pytest

from bot.speedups import _original_validate, cached_validate

SCHEMA = {
    "type": "object",
    "properties": {"events": {"type": "array"}, "responses": {"type": "array"}},
    "additionalProperties": False,
}


@pytest.mark.parametrize(
    "instance",
    [{"events": [], "responses": []}, {"events": "x"}, {"other": 1}, [], {"responses": [1]}],
)
def test_same_verdict_as_jsonschema(instance: object) -> None:
    def verdict(fn) -> str | None:
        try:
            fn(instance, SCHEMA)
            return None
        except jsonschema.ValidationError as error:
            return error.message

    assert verdict(cached_validate) == verdict(_original_validate)


def test_invalid_schema_is_still_rejected() -> None:
    with pytest.raises(jsonschema.SchemaError):
        cached_validate({}, {"type": "no-such-type"})


def test_rasa_looks_up_jsonschema_validate_at_call_time() -> None:
    """What install() relies on: Rasa imports ``validate`` inside the function that checks
    action-server responses, so replacing ``jsonschema.validate`` reaches it."""
    import inspect

    from rasa.core.actions.action import RemoteAction

    source = inspect.getsource(RemoteAction._validate_action_result)
    assert "from jsonschema import validate" in source


def test_install_replaces_validate_and_the_rasa_entry_point_calls_it(monkeypatch) -> None:
    from rasa.utils.endpoints import EndpointConfig

    import bot.rasa_server
    from bot import keepalive, speedups

    monkeypatch.setattr(jsonschema, "validate", _original_validate)
    monkeypatch.setattr(EndpointConfig, "session", keepalive._original_session)
    called: list[bool] = []
    monkeypatch.setattr("rasa.__main__.main", lambda: called.append(True))
    bot.rasa_server.main()
    assert jsonschema.validate is speedups.cached_validate
    assert EndpointConfig.session is keepalive.shared_session
    assert called == [True]


def test_importing_the_rest_channel_patches_nothing(monkeypatch) -> None:
    import importlib

    import bot.channels.rest

    monkeypatch.setattr(jsonschema, "validate", _original_validate)
    importlib.reload(bot.channels.rest)
    assert jsonschema.validate is _original_validate


def test_calls_to_the_action_server_reuse_one_connection(monkeypatch) -> None:
    """bot/keepalive.py: several requests through Rasa's EndpointConfig, one TCP connection."""
    import asyncio

    from aiohttp import web
    from rasa.utils.endpoints import EndpointConfig

    from bot import keepalive

    monkeypatch.setattr(EndpointConfig, "session", keepalive.shared_session)
    peers: list[object] = []

    async def webhook(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername"))
        return web.json_response({"events": [], "responses": []})

    async def main() -> list[object]:
        app = web.Application()
        app.router.add_post("/webhook", webhook)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        answers = [await endpoint.request(json={"n": i}) for i in range(5)]
        for session in list(keepalive._sessions.values()):
            await session.close()
        keepalive._sessions.clear()
        await runner.cleanup()
        return answers

    answers = asyncio.run(main())
    assert answers == [{"events": [], "responses": []}] * 5
    assert len(peers) == 5 and len(set(peers)) == 1  # same client address and port: one connection


def test_rasa_opens_its_session_in_the_way_keepalive_relies_on() -> None:
    """Rasa's request() gets a session from ``self.session()`` on each call, in ``async with``."""
    import inspect

    from rasa.utils.endpoints import EndpointConfig

    assert "async with self.session() as session" in inspect.getsource(EndpointConfig.request)
