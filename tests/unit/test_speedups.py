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
