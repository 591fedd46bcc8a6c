"""bot/json_logs.py: one JSON object per record, only the formatted message."""

from __future__ import annotations

import json
import logging

import pytest

from bot.json_logs import JsonFormatter, log_format


def record(**kwargs: object) -> logging.LogRecord:
    rec = logging.LogRecord("bot.prova", logging.WARNING, __file__, 1, "passata: %d", (3,), None)
    rec.__dict__.update(kwargs)
    return rec


def test_a_record_is_one_json_line_with_the_fields() -> None:
    line = JsonFormatter("web").format(record(request="GET /api/calendario/segreto.ics"))
    entry = json.loads(line)
    assert "\n" not in line
    assert set(entry) == {"time", "level", "logger", "message", "process", "pid"}
    assert (entry["level"], entry["logger"], entry["message"], entry["process"]) == (
        "WARNING", "bot.prova", "passata: 3", "web"
    )
    assert entry["time"].endswith("+00:00")
    assert "segreto" not in line  # extra fields (Sanic's access log URL) are not written


def test_exceptions_stay_on_one_line() -> None:
    try:
        raise RuntimeError("guasto")
    except RuntimeError:
        import sys

        line = JsonFormatter("rasa").format(record(exc_info=sys.exc_info()))
    assert "\n" not in line
    assert "RuntimeError: guasto" in json.loads(line)["exception"]


def test_the_format_is_text_json_or_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CALCINOSI_LOG_FORMAT", raising=False)
    assert log_format() == "text"
    monkeypatch.setenv("CALCINOSI_LOG_FORMAT", "JSON")
    assert log_format() == "json"
    monkeypatch.setenv("CALCINOSI_LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="CALCINOSI_LOG_FORMAT"):
        log_format()
