"""``/metrics``, ``/health/live`` and ``/health/ready`` of the web page server (bot/web/server.py).

* ``/health/live``: 200 while the process answers;
* ``/health/ready``: 200 when Rasa's REST channel answers (``GET /webhooks/rest/``, the
  check bot/runner.py waits for) within :data:`READY_TIMEOUT`, else 503: the page is no use
  without it. That path, unlike Rasa's ``/health/ready``, also passes the cluster's
  internal nginx entrance to the Rasa replicas (it only forwards the REST channel);
* ``/metrics``: Prometheus text: the reminder deliveries per channel from the reminders
  database (bot/reminders/metrics.py, computed at each scrape) and the process collector.

Keep these paths internal: nginx should not expose them.
"""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    ProcessCollector,
    generate_latest,
)

READY_TIMEOUT = aiohttp.ClientTimeout(total=2)
REGISTRY_KEY = web.AppKey("metrics_registry", CollectorRegistry)
RASA_CHANNEL_KEY = web.AppKey("rasa_rest_channel_url", str)


def registry_for(reminders_db_url: str | None) -> CollectorRegistry:
    """The registry ``/metrics`` serves; with the reminder deliveries when there is a
    reminders database."""
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    if reminders_db_url:
        from bot.reminders.db import make_engine
        from bot.reminders.metrics import ReminderDeliveries

        registry.register(ReminderDeliveries(make_engine(reminders_db_url)))
    return registry


async def live(_: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def ready(request: web.Request) -> web.Response:
    try:
        async with aiohttp.ClientSession(timeout=READY_TIMEOUT) as session:
            async with session.get(request.app[RASA_CHANNEL_KEY]) as answer:
                ok = answer.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError):
        ok = False
    return web.json_response({"ok": ok}, status=200 if ok else 503)


async def metrics(request: web.Request) -> web.Response:
    # The reminders query blocks: out of the event loop.
    body = await asyncio.to_thread(generate_latest, request.app[REGISTRY_KEY])
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def add_routes(app: web.Application, rasa_url: str, registry: CollectorRegistry) -> None:
    app[REGISTRY_KEY] = registry
    app[RASA_CHANNEL_KEY] = rasa_url.rstrip("/") + "/webhooks/rest/"
    app.router.add_get("/health/live", live, name="vivo")
    app.router.add_get("/health/ready", ready, name="pronto")
    app.router.add_get("/metrics", metrics, name="metriche")
