"""Pagina web della chat per i pazienti (aiohttp davanti al canale REST di Rasa)."""

from bot.web.server import make_app, run

__all__ = ["make_app", "run"]
