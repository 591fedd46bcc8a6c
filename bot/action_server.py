"""The action server process: ``python -m bot.action_server --actions actions -p PORT``
(same arguments as ``python -m rasa_sdk``), with JSON logs when
``CALCINOSI_LOG_FORMAT=json`` (bot/json_logs.py) set up before rasa-sdk starts."""

from __future__ import annotations

from bot import json_logs


def main() -> None:
    json_logs.configure_sanic_process("azioni")
    from rasa_sdk.__main__ import main as sdk_main

    sdk_main()


if __name__ == "__main__":
    main()
