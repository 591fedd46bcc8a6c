"""``/metrics``, ``/health/live`` and ``/health/ready`` on the Rasa server (no token).

* ``/health/live``: 200 while the process answers;
* ``/health/ready``: 200 when the model is loaded and the tracker store's database answers
  a ``SELECT 1`` within :data:`READY_TIMEOUT_S`, else 503 (also when Rasa fell back to a
  store without a database: conversations would be lost);
* ``/metrics``: Prometheus text (bot/rasa_metrics.py, plus the process collectors).

Added to Rasa's Sanic app by :func:`install` (wraps ``rasa.core.run.configure_app``), called
by bot/rasa_server.py. Keep these paths internal: nginx should not expose them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import sqlalchemy as sa
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.common import unwrap_tracker_store

logger = logging.getLogger(__name__)
READY_TIMEOUT_S = 2.0


def _select_one(engine: sa.engine.Engine) -> None:
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))


async def is_ready(agent: Any) -> bool:
    """True when ``agent`` has its model and its tracker store's database answers."""
    if agent is None or not agent.is_ready():
        return False
    engine = getattr(unwrap_tracker_store(agent.tracker_store), "engine", None)
    if engine is None:
        return False
    try:
        await asyncio.wait_for(asyncio.to_thread(_select_one, engine), READY_TIMEOUT_S)
    except (sa.exc.SQLAlchemyError, asyncio.TimeoutError) as error:
        logger.warning("archivio conversazioni non raggiungibile: %s", type(error).__name__)
        return False
    return True


def blueprint() -> Blueprint:
    health = Blueprint("calcinosi_health")

    @health.get("/health/live")
    async def live(_: Request) -> HTTPResponse:
        return response.json({"ok": True})

    @health.get("/health/ready")
    async def ready(request: Request) -> HTTPResponse:
        ok = await is_ready(getattr(request.app.ctx, "agent", None))
        return response.json({"ok": ok}, status=200 if ok else 503)

    @health.get("/metrics")
    async def metrics(_: Request) -> HTTPResponse:
        return response.raw(generate_latest(), content_type=CONTENT_TYPE_LATEST)

    return health


def install() -> None:
    import rasa.core.run

    configure_app = rasa.core.run.configure_app

    def configure_app_with_health(*args: Any, **kwargs: Any) -> Any:
        app = configure_app(*args, **kwargs)
        app.blueprint(blueprint())
        return app

    rasa.core.run.configure_app = configure_app_with_health
