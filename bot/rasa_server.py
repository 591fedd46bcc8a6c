"""The Rasa server process: ``python -m bot.rasa_server run ...`` (same arguments as
``rasa run``), with what we add installed first, in one explicit place: JSON logs when
``CALCINOSI_LOG_FORMAT=json`` (bot/json_logs.py), our speed-ups (bot/speedups.py,
bot/keepalive.py), the metrics hooks (bot/rasa_metrics.py) and the ``/metrics`` and
``/health/*`` routes (bot/rasa_health.py)."""

from __future__ import annotations

from bot import json_logs, keepalive, rasa_health, rasa_metrics, speedups


def main() -> None:
    json_logs.configure_sanic_process("rasa")
    speedups.install()
    keepalive.install()
    rasa_metrics.install()
    rasa_health.install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
