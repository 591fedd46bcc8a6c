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
    import bot.rasa_server
    from bot import speedups

    monkeypatch.setattr(jsonschema, "validate", _original_validate)
    called: list[bool] = []
    monkeypatch.setattr("rasa.__main__.main", lambda: called.append(True))
    bot.rasa_server.main()
    assert jsonschema.validate is speedups.cached_validate
    assert called == [True]


def test_importing_the_rest_channel_patches_nothing(monkeypatch) -> None:
    import importlib

    import bot.channels.rest

    monkeypatch.setattr(jsonschema, "validate", _original_validate)
    importlib.reload(bot.channels.rest)
    assert jsonschema.validate is _original_validate
