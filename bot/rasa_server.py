"""The Rasa server process: ``python -m bot.rasa_server run ...`` (same arguments as
``rasa run``), with our speed-ups installed first (bot/speedups.py, bot/keepalive.py), in one explicit place."""

from __future__ import annotations

from bot import keepalive, speedups


def main() -> None:
    speedups.install()
    keepalive.install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
