"""Faster JSON-schema validation inside the Rasa server (same checks, done once per schema).

Profiling the Rasa process under 32 concurrent conversations (py-spy, see
docs/performance.md) showed about 38% of its CPU in ``jsonschema.validate``: Rasa validates
every action-server response, and ``jsonschema.validate`` re-checks the *schema itself* and
rebuilds a validator on every call. Here the validator is built once per distinct schema and
reused; every instance is still validated and still raises ``ValidationError``.
Installed by the Rasa server's entry point, bot/rasa_server.py, before Rasa starts.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import jsonschema

_original_validate = jsonschema.validate
_validators: dict[str, Any] = {}
_lock = threading.Lock()


def cached_validate(instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any) -> None:
    if cls is not None or args or kwargs:
        _original_validate(instance, schema, cls, *args, **kwargs)
        return
    key = json.dumps(schema, sort_keys=True, default=str)
    validator = _validators.get(key)
    if validator is None:
        validator_class = jsonschema.validators.validator_for(schema)
        validator_class.check_schema(schema)
        validator = validator_class(schema)
        with _lock:
            _validators[key] = validator
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


def install() -> None:
    jsonschema.validate = cached_validate
