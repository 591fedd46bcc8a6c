"""Logs as JSON lines (``CALCINOSI_LOG_FORMAT=json``), one object per record:
``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, ``process`` (our name of the
process: rasa, azioni, web, promemoria), ``pid``, and ``exception`` when there is one.

Only the formatted message is written, never the record's extra fields (Sanic's access log
puts the request URL there). The default, ``text``, leaves each process's own format.

Each process we start turns it on first thing: bot/rasa_server.py and
bot/action_server.py with :func:`configure_sanic_process` (Rasa and rasa-sdk install
coloredlogs and Sanic its own handlers afterwards), the web page and the reminder
dispatcher with :func:`configure`.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import datetime, timezone
from typing import Any

FORMAT_ENV = "CALCINOSI_LOG_FORMAT"
LEVEL_ENV = "CALCINOSI_LOG_LEVEL"
FORMATS = ("text", "json")


class JsonFormatter(logging.Formatter):
    def __init__(self, process: str) -> None:
        super().__init__()
        self.process = process

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": self.process,
            "pid": record.process,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_format() -> str:
    """``CALCINOSI_LOG_FORMAT``: ``text`` (default) or ``json``; ValueError otherwise."""
    value = os.environ.get(FORMAT_ENV, "").strip().lower() or "text"
    if value not in FORMATS:
        raise ValueError(f"{FORMAT_ENV} non valido: {value!r} (text oppure json)")
    return value


def _handler(process: str, level: int | str = logging.NOTSET) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(process))
    handler.setLevel(level)
    return handler


def configure(process: str) -> bool:
    """In JSON mode: one JSON handler on the root logger (stderr, level
    ``CALCINOSI_LOG_LEVEL`` or INFO), Python warnings logged, and records of loggers without
    handlers (``logging.lastResort``) in JSON too. Returns whether JSON mode is on."""
    if log_format() != "json":
        return False
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(_handler(process))
    root.setLevel(os.environ.get(LEVEL_ENV, "").strip().upper() or "INFO")
    logging.lastResort = _handler(process, logging.WARNING)
    logging.captureWarnings(True)
    return True


def configure_sanic_process(process: str) -> bool:
    """:func:`configure`, plus what Rasa and rasa-sdk set up after it: Sanic's default
    handlers format JSON, and ``coloredlogs.install`` (called by both at start) only sets
    the root level instead of replacing our handler."""
    if not configure(process):
        return False
    import coloredlogs
    from sanic.log import LOGGING_CONFIG_DEFAULTS

    def set_level(level: int | str | None = None, **_: Any) -> None:
        logging.getLogger().setLevel(level or logging.INFO)

    coloredlogs.install = set_level
    for formatter in LOGGING_CONFIG_DEFAULTS["formatters"].values():
        formatter.clear()
        formatter["()"] = lambda: JsonFormatter(process)
    return True
