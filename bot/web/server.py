"""The web chat page patients use, in front of Rasa's REST channel.

Routes
------
``GET  /``                               the chat page (static/index.html)
``GET  /static/...``                     CSS, JS, icon
``POST /api/messaggio``                  {"sender", "message"} -> Rasa ``/webhooks/rest/webhook``
``GET  /api/calendario/{sender}.ics``    the user's exam calendar (``ics_provider``)
``GET  /api/promemoria/{sender}``        pending reminders to show on load (``notices_provider``)
``GET  /salute``                         {"ok": true}
``GET  /health/live``, ``/health/ready``, ``/metrics``  liveness, readiness (Rasa answers),
                                         Prometheus metrics (bot/web_health.py)

Providers are plain callables invoked with keyword arguments
``(channel="rest", user_id=<sender>)``; they may be sync or ``async``:

* ``ics_provider`` returns ``bytes`` (or ``str``) with an iCalendar file, or ``None``;
* ``notices_provider`` returns a list of bot-message dicts shaped like Rasa's REST
  output (``{"text": ..., "buttons": [...], "custom": {"topic": ...}}``).

Privacy: the access log only records method, route name, status and duration (never
the path, which for the calendar contains the sender id, nor any message text).

Normally started by ``python -m bot web`` (``run(host, port, rasa_url, db_url)`` from
bot.settings: CALCINOSI_HOST, CALCINOSI_WEB_PORT, CALCINOSI_RASA_PORT, CALCINOSI_DB_URL);
``python -m bot.web.server --help`` does the same with command-line overrides.
"""

from __future__ import annotations

import argparse
import inspect
import json
import logging
import mimetypes
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from prometheus_client import CollectorRegistry

from bot import json_logs
from bot.web_health import add_routes, registry_for

log = logging.getLogger(__name__)
access_log = logging.getLogger("calcinosi.web.access")

STATIC_DIR = Path(__file__).resolve().parent / "static"
INDEX_FILE = STATIC_DIR / "index.html"

MAX_MESSAGE_CHARS = 2000
# Bodies up to this size are read and answered with our own (Italian, JSON) errors;
# bigger ones are refused by aiohttp itself before reading them.
MAX_BODY_BYTES = 256 * 1024
SENDER_RE = re.compile(r"[A-Za-z0-9_-]{1,128}")
RASA_TIMEOUT = aiohttp.ClientTimeout(total=60, connect=5)

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Server": "calcinosi-web",
}

ERR_UNREACHABLE = "Il servizio non è raggiungibile in questo momento. Riprova tra poco."
ERR_EMPTY = "Il messaggio è vuoto: scrivi la tua domanda e poi premi Invia."
ERR_TOO_LONG = (
    f"Il messaggio è troppo lungo (massimo {MAX_MESSAGE_CHARS} caratteri). "
    "Prova a dividerlo in domande più brevi."
)
ERR_BAD_JSON = "Richiesta non valida: il contenuto non è in formato JSON corretto."
ERR_NOT_OBJECT = 'Richiesta non valida: servono i campi "sender" e "message".'
ERR_BAD_SENDER = "Richiesta non valida: identificativo della conversazione non valido."
ERR_BAD_MESSAGE = "Richiesta non valida: il messaggio deve essere un testo."
ERR_NO_CALENDAR = (
    "Non ci sono ancora esami in calendario. "
    "Chiedi all'assistente di ricordarti un esame e riprova."
)
ERR_INTERNAL = "Si è verificato un errore interno. Riprova tra poco."
ERR_NOT_FOUND = "Pagina non trovata."
ERR_SMS_CONSENT = "Per ricevere i promemoria per SMS serve il tuo consenso (la casella da spuntare)."
ERR_SMS_NUMBER = "Il numero non sembra un cellulare italiano. Scrivilo così: 333 123 4567."
ERR_SMS_NOT_SUBSCRIBED = "Prima attiva i promemoria nella chat, poi puoi aggiungere l'SMS."
ERR_SMS_OFF = "I promemoria per SMS non sono disponibili."

Provider = Callable[..., Any]

RASA_URL_KEY = web.AppKey("rasa_url", str)
ICS_KEY = web.AppKey("ics_provider", object)
NOTICES_KEY = web.AppKey("notices_provider", object)
SMS_KEY = web.AppKey("sms_provider", object)
SESSION_KEY = web.AppKey("client_session", aiohttp.ClientSession)

for _ext, _type in ((".js", "text/javascript"), (".css", "text/css"), (".svg", "image/svg+xml")):
    mimetypes.add_type(_type, _ext)


def _error(status: int, message: str) -> web.Response:
    return web.json_response(
        {"errore": message}, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False)
    )


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


def valid_sender(value: Any) -> bool:
    return isinstance(value, str) and SENDER_RE.fullmatch(value) is not None


async def _call_provider(provider: Provider, sender: str) -> Any:
    result = provider(channel="rest", user_id=sender)
    if inspect.isawaitable(result):
        result = await result
    return result


# --------------------------------------------------------------------------- handlers


async def index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(INDEX_FILE, headers={"Content-Type": "text/html; charset=utf-8"})


async def salute(request: web.Request) -> web.Response:
    return _json({"ok": True})


class _Refused(Exception):
    """A request body that cannot be used; ``response`` is the polite Italian answer."""

    def __init__(self, response: web.Response) -> None:
        super().__init__()
        self.response = response


async def _json_object(request: web.Request, not_object: str = ERR_NOT_OBJECT) -> dict[str, Any]:
    """The request's JSON object, or :class:`_Refused` (413 too long, 400 not JSON, 400
    ``not_object`` when it is not an object)."""
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise _Refused(_error(413, ERR_TOO_LONG)) from None
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise _Refused(_error(400, ERR_BAD_JSON)) from None
    if not isinstance(body, dict):
        raise _Refused(_error(400, not_object))
    return body


async def messaggio(request: web.Request) -> web.Response:
    try:
        body = await _json_object(request)
    except _Refused as refused:
        return refused.response
    sender = body.get("sender")
    if not valid_sender(sender):
        return _error(400, ERR_BAD_SENDER)
    message = body.get("message")
    if not isinstance(message, str):
        return _error(400, ERR_BAD_MESSAGE)
    message = message.strip()
    if not message:
        return _error(400, ERR_EMPTY)
    if len(message) > MAX_MESSAGE_CHARS:
        return _error(413, ERR_TOO_LONG)

    url = request.app[RASA_URL_KEY] + "/webhooks/rest/webhook"
    session = request.app[SESSION_KEY]
    # Tried twice when the connection fails or the proxy says the server went away (502):
    # with several replicas (bot/cluster.py), a message in flight on a replica that
    # stopped is sent again and answered by another one.
    for attempt in (1, 2):
        try:
            async with session.post(url, json={"sender": sender, "message": message}) as resp:
                if resp.status == 502 and attempt == 1:
                    log.warning("Rasa ha risposto 502: nuovo tentativo")
                    continue
                if resp.status != 200:
                    log.warning("Rasa ha risposto con stato %s", resp.status)
                    if 400 <= resp.status < 500:
                        # our REST channel refuses some input with a polite Italian message
                        refused = await _rasa_refusal(resp)
                        if refused is not None:
                            return _error(resp.status, refused)
                    return _error(502, ERR_UNREACHABLE)
                data = await resp.json(content_type=None)
                break
        except aiohttp.ClientConnectionError as exc:
            log.warning("Rasa non raggiungibile (tentativo %d): %s", attempt, type(exc).__name__)
            if attempt == 2:
                return _error(502, ERR_UNREACHABLE)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("Rasa non raggiungibile: %s", type(exc).__name__)
            return _error(502, ERR_UNREACHABLE)
    # Every way out of the second attempt returns or breaks with ``data``.
    if not isinstance(data, list):
        log.warning("Risposta di Rasa inattesa (non è una lista)")
        return _error(502, ERR_UNREACHABLE)
    return _json(data)


async def _rasa_refusal(resp: aiohttp.ClientResponse) -> str | None:
    """The ``errore`` text of a 4xx answer from Rasa's channel, if it has one."""
    try:
        body = await resp.json(content_type=None)
    except ValueError:
        return None
    if isinstance(body, dict) and isinstance(body.get("errore"), str) and body["errore"]:
        return body["errore"]
    return None


async def calendario(request: web.Request) -> web.Response:
    name = request.match_info["nome"]
    if not name.endswith(".ics"):
        return _error(404, ERR_NOT_FOUND)
    sender = name[: -len(".ics")]
    if not valid_sender(sender):
        return _error(400, ERR_BAD_SENDER)
    provider = request.app[ICS_KEY]
    if provider is None:
        return _error(404, ERR_NO_CALENDAR)
    try:
        ics = await _call_provider(provider, sender)
    except Exception:
        log.exception("Errore nel generare il calendario")
        return _error(500, ERR_INTERNAL)
    if not ics:
        return _error(404, ERR_NO_CALENDAR)
    if isinstance(ics, str):
        ics = ics.encode("utf-8")
    return web.Response(
        body=bytes(ics),
        headers={
            "Content-Type": "text/calendar; charset=utf-8",
            "Content-Disposition": 'attachment; filename="esami-calcinosi.ics"',
        },
    )


async def sms(request: web.Request) -> web.Response:
    """Adds SMS to the reminders of a web user who gave a mobile number and ticked the consent
    (the form under the "promemoria attivati" answer). The number is never logged."""
    provider = request.app[SMS_KEY]
    if provider is None:
        return _error(404, ERR_SMS_OFF)
    try:
        body = await _json_object(request, not_object=ERR_BAD_SENDER)
    except _Refused as refused:
        return refused.response
    if not valid_sender(body.get("sender")):
        return _error(400, ERR_BAD_SENDER)
    if body.get("consenso") is not True:
        return _error(400, ERR_SMS_CONSENT)
    number = body.get("numero")
    if not isinstance(number, str) or len(number) > 40:
        return _error(400, ERR_SMS_NUMBER)
    try:
        result = provider(channel="rest", user_id=body["sender"], number=number)
        confirmation = await result if inspect.isawaitable(result) else result
    except ValueError:
        return _error(400, ERR_SMS_NUMBER)
    except LookupError:
        return _error(409, ERR_SMS_NOT_SUBSCRIBED)
    except Exception:
        log.exception("Errore nel salvare il numero per gli SMS")
        return _error(500, ERR_INTERNAL)
    return _json({"ok": True, "text": str(confirmation)})


async def promemoria(request: web.Request) -> web.Response:
    sender = request.match_info["sender"]
    if not valid_sender(sender):
        return _error(400, ERR_BAD_SENDER)
    provider = request.app[NOTICES_KEY]
    if provider is None:
        return _json([])
    try:
        notices = await _call_provider(provider, sender)
    except Exception:
        log.exception("Errore nel leggere i promemoria in sospeso")
        return _error(500, ERR_INTERNAL)
    if not notices:
        return _json([])
    return _json([n for n in notices if isinstance(n, dict)])


# --------------------------------------------------------------------------- app


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")
    else:
        response.headers.setdefault("Cache-Control", "no-cache")


@web.middleware
async def _json_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Italian JSON bodies for aiohttp's own HTTP errors on /api/ (404, 405, ...)."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if not request.path.startswith("/api/") or exc.status < 400:
            raise
        messages = {
            404: ERR_NOT_FOUND,
            405: "Metodo non consentito.",
            413: ERR_TOO_LONG,
        }
        return _error(exc.status, messages.get(exc.status, "Richiesta non valida."))


def make_app(
    rasa_url: str,
    ics_provider: Provider | None = None,
    notices_provider: Provider | None = None,
    sms_provider: Provider | None = None,
    metrics_registry: CollectorRegistry | None = None,
) -> web.Application:
    """Build the web app. ``rasa_url`` is Rasa's base URL, e.g. ``http://127.0.0.1:5005``;
    ``/metrics`` serves ``metrics_registry`` (default: the process collector only)."""
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[_json_errors])
    app[RASA_URL_KEY] = rasa_url.rstrip("/")
    app[ICS_KEY] = ics_provider
    app[NOTICES_KEY] = notices_provider
    app[SMS_KEY] = sms_provider

    async def client_session(app: web.Application):
        async with aiohttp.ClientSession(timeout=RASA_TIMEOUT) as session:
            app[SESSION_KEY] = session
            yield

    app.cleanup_ctx.append(client_session)
    app.on_response_prepare.append(_security_headers)

    app.router.add_get("/", index, name="pagina")
    app.router.add_get("/salute", salute, name="salute")
    app.router.add_post("/api/messaggio", messaggio, name="messaggio")
    app.router.add_get("/api/calendario/{nome}", calendario, name="calendario")
    app.router.add_get("/api/promemoria/{sender}", promemoria, name="promemoria")
    app.router.add_post("/api/sms", sms, name="sms")
    app.router.add_static("/static", STATIC_DIR, name="static")
    add_routes(app, rasa_url, metrics_registry or registry_for(None))
    return app


class RouteAccessLogger(AbstractAccessLogger):
    """Access log with method, route name, status and duration only (no path, no ids)."""

    def log(self, request: Any, response: web.StreamResponse, time: float) -> None:
        route = None
        match_info = getattr(request, "match_info", None)
        if match_info is not None:
            route = getattr(match_info.route, "name", None)
        self.logger.info(
            "%s %s %s %.0fms", request.method, route or "-", response.status, time * 1000
        )


def access_log_kwargs() -> dict[str, Any]:
    """Keyword arguments for ``web.AppRunner`` / ``web.run_app`` / ``TestServer.start_server``
    that give the privacy-safe access log (route names only)."""
    return {"access_log_class": RouteAccessLogger, "access_log": access_log}


def reminder_providers(db_url: str) -> tuple[Provider, Provider]:
    """``(ics_provider, notices_provider)`` backed by the reminder store at ``db_url``.

    Store calls are blocking (SQLAlchemy), so they run in a worker thread. Notices are
    marked as shown when returned (``pending_notices(mark=True)``). Until the reminder
    tables exist (migrations not run yet) there is simply nothing to show.
    """
    import asyncio

    from sqlalchemy import inspect as sa_inspect

    from bot.reminders.db import make_engine
    from bot.reminders.models import Subscriber
    from bot.reminders.store import NotSubscribedError, ReminderStore

    engine = make_engine(db_url)
    store = ReminderStore(engine)
    schema_ready = False
    warned = False

    def ready() -> bool:
        nonlocal schema_ready, warned
        if not schema_ready:
            schema_ready = sa_inspect(engine).has_table(Subscriber.__tablename__)
            if not schema_ready and not warned:
                warned = True
                log.warning("database dei promemoria non ancora inizializzato")
        return schema_ready

    def _ics(channel: str, user_id: str) -> bytes | None:
        if not ready():
            return None
        try:
            ics = store.ics_for(channel, user_id)
        except NotSubscribedError:
            return None
        return ics if b"BEGIN:VEVENT" in ics else None

    def _notices(channel: str, user_id: str) -> list[dict[str, Any]]:
        if not ready():
            return []
        return [
            {"text": notice.text, "custom": {"topic": notice.topic}}
            for notice in store.pending_notices(channel, user_id, mark=True)
        ]

    async def ics_provider(*, channel: str, user_id: str) -> bytes | None:
        return await asyncio.to_thread(_ics, channel, user_id)

    async def notices_provider(*, channel: str, user_id: str) -> list[dict[str, Any]]:
        return await asyncio.to_thread(_notices, channel, user_id)

    return ics_provider, notices_provider


def sms_provider(db_url: str) -> Provider:
    """Saves a web user's mobile number for SMS reminders (``ReminderStore.set_sms_number``,
    consent version from content/it/promemoria.yml) and returns the confirmation text.
    ``LookupError`` when the user has no reminders, ``ValueError`` for a wrong number."""
    import asyncio

    from bot.content import ContentStore
    from bot.reminders.db import make_engine
    from bot.reminders.store import ReminderStore

    store = ReminderStore(make_engine(db_url))
    content = ContentStore()

    def save(channel: str, user_id: str, number: str) -> str:
        if not store.is_subscribed(channel, user_id):
            raise LookupError("nessun promemoria attivo")
        texts = content.texts("promemoria")
        store.set_sms_number(channel, user_id, number, str(texts["versione_consenso_sms"]))
        return str(texts["sms_attivato"]).strip()

    async def provider(*, channel: str, user_id: str, number: str) -> str:
        return await asyncio.to_thread(save, channel, user_id, number)

    return provider


def run(
    host: str,
    port: int,
    rasa_url: str,
    reminders_db_url: str | None = None,
    *,
    ics_provider: Provider | None = None,
    notices_provider: Provider | None = None,
) -> None:
    """Serve the chat page (blocking) on ``host:port``.

    With ``reminders_db_url`` the calendar and pending-reminder endpoints read the
    reminder store (unless explicit providers are given), and ``/metrics`` its deliveries.
    Logs are JSON lines with ``CALCINOSI_LOG_FORMAT=json`` (bot/json_logs.py).
    """
    json_logs.configure("web")
    if reminders_db_url and (ics_provider is None or notices_provider is None):
        store_ics, store_notices = reminder_providers(reminders_db_url)
        ics_provider = ics_provider or store_ics
        notices_provider = notices_provider or store_notices
    from bot.reminders.config import sms_enabled

    sms = sms_provider(reminders_db_url) if reminders_db_url and sms_enabled() else None
    app = make_app(
        rasa_url,
        ics_provider=ics_provider,
        notices_provider=notices_provider,
        sms_provider=sms,
        metrics_registry=registry_for(reminders_db_url),
    )
    web.run_app(
        app,
        host=host,
        port=port,
        print=lambda *_: None,
        **access_log_kwargs(),
    )


def main(argv: list[str] | None = None) -> None:
    """Standalone start; ``python -m bot web`` is the usual way (same settings)."""
    from bot.settings import load_settings

    settings = load_settings()
    parser = argparse.ArgumentParser(description="Pagina web della chat calcinosi tumorale")
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--port", type=int, default=settings.web_port)
    parser.add_argument("--rasa-url", default=settings.rasa_url)
    parser.add_argument(
        "--db-url",
        default=settings.reminders_db_url,
        help="database dei promemoria (calendario .ics e promemoria in sospeso)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    log.info("Chat web su http://%s:%s", args.host, args.port)
    run(args.host, args.port, args.rasa_url, args.db_url)


if __name__ == "__main__":
    main()
