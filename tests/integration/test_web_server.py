"""bot.web.server against a fake Rasa REST webhook on 127.0.0.1 (no pytest-aiohttp needed)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.web.server import (
    ERR_UNREACHABLE,
    MAX_MESSAGE_CHARS,
    STATIC_DIR,
    access_log_kwargs,
    make_app,
    reminder_providers,
)

SENDER = "3f2b9c1e-7a4d-4e1b-9c0a-1d2e3f4a5b6c"
RASA_REPLY = [
    {
        "recipient_id": SENDER,
        "text": "La calcinosi tumorale **non** è un cancro.",
        "buttons": [{"title": "Sintomi", "payload": "/condizione_sintomi"}],
    },
    {"recipient_id": SENDER, "custom": {"topic": "condizione.cos_e"}},
]


class FakeRasa:
    """Records what the web server forwards; answers like Rasa's REST channel."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.status = 200
        self.reply: Any = RASA_REPLY
        self.raw: bytes | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self.webhook)
        return app

    async def webhook(self, request: web.Request) -> web.StreamResponse:
        self.calls.append({"json": await request.json(), "content_type": request.content_type})
        if self.raw is not None:
            return web.Response(body=self.raw, status=self.status, content_type="text/html")
        return web.json_response(self.reply, status=self.status)


@asynccontextmanager
async def harness(rasa_url: str | None = None, **providers: Any):
    fake = FakeRasa()
    rasa_server = TestServer(fake.app(), host="127.0.0.1")
    await rasa_server.start_server()
    try:
        url = rasa_url or str(rasa_server.make_url("")).rstrip("/")
        server = TestServer(make_app(url, **providers), host="127.0.0.1")
        async with TestClient(server) as client:
            yield client, fake
    finally:
        await rasa_server.close()


def run(coro):
    return asyncio.run(coro)


async def post_raw(client: TestClient, body: bytes, content_type="application/json"):
    resp = await client.post("/api/messaggio", data=body, headers={"Content-Type": content_type})
    return resp.status, await resp.json()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ------------------------------------------------------------------ forwarding


def test_forwards_to_rasa_and_returns_its_json_unchanged():
    async def scenario():
        async with harness() as (client, fake):
            resp = await client.post(
                "/api/messaggio",
                json={"sender": SENDER, "message": "  che cos'è la calcinosi tumorale?  "},
            )
            assert resp.status == 200
            assert await resp.json() == RASA_REPLY
            assert fake.calls == [
                {
                    "json": {"sender": SENDER, "message": "che cos'è la calcinosi tumorale?"},
                    "content_type": "application/json",
                }
            ]

    run(scenario())


def test_button_payload_and_max_length_message_are_forwarded():
    async def scenario():
        async with harness() as (client, fake):
            for message in ["/condizione_sintomi", "a" * MAX_MESSAGE_CHARS]:
                resp = await client.post(
                    "/api/messaggio", json={"sender": "abc_DEF-123", "message": message}
                )
                assert resp.status == 200
            assert [c["json"]["message"] for c in fake.calls] == [
                "/condizione_sintomi",
                "a" * MAX_MESSAGE_CHARS,
            ]

    run(scenario())


def test_empty_rasa_reply_is_returned_as_empty_list():
    async def scenario():
        async with harness() as (client, fake):
            fake.reply = []
            resp = await client.post("/api/messaggio", json={"sender": SENDER, "message": "ok"})
            assert resp.status == 200
            assert await resp.json() == []

    run(scenario())


# ------------------------------------------------------------------ validation

INVALID_BODIES = {
    "malformed_json": b'{"sender": "abc", "message": ',
    "not_utf8": b'{"sender": "abc", "message": "\xff\xfe"}',
    "array_body": json.dumps([{"sender": "abc", "message": "ciao"}]).encode(),
    "string_body": b'"ciao"',
    "null_body": b"null",
    "empty_body": b"",
    "missing_sender": json.dumps({"message": "ciao"}).encode(),
    "missing_message": json.dumps({"sender": "abc"}).encode(),
    "message_number": json.dumps({"sender": "abc", "message": 42}).encode(),
    "message_null": json.dumps({"sender": "abc", "message": None}).encode(),
    "message_list": json.dumps({"sender": "abc", "message": ["ciao"]}).encode(),
    "message_object": json.dumps({"sender": "abc", "message": {"text": "ciao"}}).encode(),
    "sender_empty": json.dumps({"sender": "", "message": "ciao"}).encode(),
    "sender_space": json.dumps({"sender": "a b", "message": "ciao"}).encode(),
    "sender_path": json.dumps({"sender": "../etc", "message": "ciao"}).encode(),
    "sender_accent": json.dumps({"sender": "utenté", "message": "ciao"}).encode(),
    "sender_newline": json.dumps({"sender": "abc\n", "message": "ciao"}).encode(),
    "sender_too_long": json.dumps({"sender": "a" * 129, "message": "ciao"}).encode(),
    "sender_number": json.dumps({"sender": 123, "message": "ciao"}).encode(),
    "message_empty": json.dumps({"sender": "abc", "message": ""}).encode(),
    "message_blank": json.dumps({"sender": "abc", "message": "  \n\t "}).encode(),
}


@pytest.mark.parametrize("name", sorted(INVALID_BODIES))
def test_invalid_requests_get_400_in_italian_and_never_reach_rasa(name):
    async def scenario():
        async with harness() as (client, fake):
            status, body = await post_raw(client, INVALID_BODIES[name])
            assert status == 400
            assert set(body) == {"errore"}
            assert isinstance(body["errore"], str) and body["errore"]
            assert fake.calls == []
            return body["errore"]

    error = run(scenario())
    if name in ("message_empty", "message_blank"):
        assert "vuoto" in error


@pytest.mark.parametrize(
    "message",
    ["a" * (MAX_MESSAGE_CHARS + 1), "x" * 100_000, "è" * 50_000],
    ids=["2001_chars", "100_KB", "100_KB_utf8"],
)
def test_too_long_message_gets_413_in_italian(message):
    async def scenario():
        async with harness() as (client, fake):
            resp = await client.post("/api/messaggio", json={"sender": "abc", "message": message})
            assert resp.status == 413
            body = await resp.json()
            assert "troppo lungo" in body["errore"]
            assert fake.calls == []

    run(scenario())


def test_huge_body_is_refused_with_json_413():
    async def scenario():
        async with harness() as (client, fake):
            body = json.dumps({"sender": "abc", "message": "x" * 2_000_000}).encode()
            status, payload = await post_raw(client, body)
            assert status == 413
            assert "troppo lungo" in payload["errore"]
            assert fake.calls == []

    run(scenario())


def test_message_length_counts_after_strip():
    async def scenario():
        async with harness() as (client, fake):
            padded = "   " + "a" * MAX_MESSAGE_CHARS + "\n\n  "
            resp = await client.post("/api/messaggio", json={"sender": "abc", "message": padded})
            assert resp.status == 200
            assert fake.calls[0]["json"]["message"] == "a" * MAX_MESSAGE_CHARS

    run(scenario())


def test_get_on_message_endpoint_is_405_json():
    async def scenario():
        async with harness() as (client, _fake):
            resp = await client.get("/api/messaggio")
            assert resp.status == 405
            assert "errore" in await resp.json()

    run(scenario())


# ------------------------------------------------------------------ Rasa failures


def test_rasa_down_gives_502_with_italian_message():
    async def scenario():
        async with harness(rasa_url=f"http://127.0.0.1:{free_port()}") as (client, _fake):
            resp = await client.post("/api/messaggio", json={"sender": "abc", "message": "ciao"})
            assert resp.status == 502
            assert await resp.json() == {"errore": ERR_UNREACHABLE}
            assert (
                ERR_UNREACHABLE
                == "Il servizio non è raggiungibile in questo momento. Riprova tra poco."
            )

    run(scenario())


@pytest.mark.parametrize("status", [500, 503])
def test_rasa_5xx_gives_502(status):
    async def scenario():
        async with harness() as (client, fake):
            fake.status = status
            fake.reply = {"status": "failure"}
            resp = await client.post("/api/messaggio", json={"sender": "abc", "message": "ciao"})
            assert resp.status == 502
            assert await resp.json() == {"errore": ERR_UNREACHABLE}

    run(scenario())


def test_rasa_channel_refusal_4xx_is_passed_through():
    async def scenario():
        async with harness() as (client, fake):
            fake.status = 400
            fake.reply = {"errore": "Il messaggio è vuoto. Scrivi la tua domanda, per favore."}
            resp = await client.post(
                "/api/messaggio", json={"sender": "abc", "message": "\x01\x02"}
            )
            assert resp.status == 400
            assert await resp.json() == fake.reply

            fake.status = 404
            fake.reply = ["not an error object"]
            resp = await client.post("/api/messaggio", json={"sender": "abc", "message": "ciao"})
            assert resp.status == 502
            assert await resp.json() == {"errore": ERR_UNREACHABLE}

    run(scenario())


@pytest.mark.parametrize("raw", [b"<html>oops</html>", b'{"not": "a list"}'])
def test_rasa_garbage_gives_502(raw):
    async def scenario():
        async with harness() as (client, fake):
            fake.raw = raw
            resp = await client.post("/api/messaggio", json={"sender": "abc", "message": "ciao"})
            assert resp.status == 502
            assert await resp.json() == {"errore": ERR_UNREACHABLE}

    run(scenario())


# ------------------------------------------------------------------ page and headers


def _assert_security_headers(resp) -> None:
    csp = resp.headers["Content-Security-Policy"]
    directives = {d.strip().split()[0]: d.strip().split()[1:] for d in csp.split(";")}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "http" not in csp and "*" not in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    ["/", "/static/chat.js", "/static/chat.css", "/static/icon.svg", "/salute"],
)
def test_pages_have_strict_csp_and_nosniff(path):
    async def scenario():
        async with harness() as (client, _fake):
            resp = await client.get(path)
            assert resp.status == 200
            _assert_security_headers(resp)

    run(scenario())


def test_api_responses_have_csp_and_no_store():
    async def scenario():
        async with harness() as (client, _fake):
            for resp in [
                await client.post("/api/messaggio", json={"sender": "abc", "message": "ciao"}),
                await client.post("/api/messaggio", data=b"[]"),
                await client.get("/api/promemoria/abc"),
            ]:
                _assert_security_headers(resp)
                assert resp.headers["Cache-Control"] == "no-store"

    run(scenario())


def test_static_content_types():
    expected = {
        "/": "text/html",
        "/static/chat.js": "text/javascript",
        "/static/chat.css": "text/css",
        "/static/icon.svg": "image/svg+xml",
    }

    async def scenario():
        async with harness() as (client, _fake):
            for path, content_type in expected.items():
                resp = await client.get(path)
                assert resp.content_type == content_type, path

    run(scenario())


def test_index_is_italian_accessible_and_self_contained():
    async def scenario():
        async with harness() as (client, _fake):
            resp = await client.get("/")
            return await resp.text()

    html = run(scenario())
    assert '<html lang="it">' in html
    assert "Assistente calcinosi tumorale" in html
    assert "Sono un assistente automatico, non un medico." in html
    assert "In caso di emergenza chiama il" in html
    assert re.search(r'role="log"[^>]*aria-live="polite"', html)
    assert re.search(r'<label[^>]*for="testo"', html)
    assert ">Invia</button>" in html
    # no inline script, no inline handlers, nothing from other hosts
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+=", html)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "style=" not in html


def test_static_files_load_nothing_from_the_internet():
    css = (STATIC_DIR / "chat.css").read_text(encoding="utf-8")
    assert "@import" not in css and "url(" not in css and "@font-face" not in css
    js = (STATIC_DIR / "chat.js").read_text(encoding="utf-8")
    assert "innerHTML" not in js.replace("MAI da innerHTML", "")
    assert "eval(" not in js and "new Function" not in js
    assert not re.search(r"""fetch\(\s*["']https?:""", js)


def test_salute():
    async def scenario():
        async with harness() as (client, _fake):
            resp = await client.get("/salute")
            assert resp.status == 200
            assert await resp.json() == {"ok": True}

    run(scenario())


def test_static_does_not_serve_outside_the_folder():
    async def scenario():
        async with harness() as (client, _fake):
            for path in ["/static/../server.py", "/static/%2e%2e/server.py", "/static/"]:
                resp = await client.get(path)
                assert resp.status in (403, 404), path

    run(scenario())


# ------------------------------------------------------------------ calendar


def test_ics_200_with_calendar_headers():
    calls = []
    ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"

    def provider(**kwargs):
        calls.append(kwargs)
        return ics

    async def scenario():
        async with harness(ics_provider=provider) as (client, _fake):
            resp = await client.get(f"/api/calendario/{SENDER}.ics")
            assert resp.status == 200
            assert resp.content_type == "text/calendar"
            assert resp.headers["Content-Disposition"] == (
                'attachment; filename="esami-calcinosi.ics"'
            )
            assert await resp.read() == ics
            _assert_security_headers(resp)

    run(scenario())
    assert calls == [{"channel": "rest", "user_id": SENDER}]


def test_ics_async_provider_and_str_result():
    async def provider(channel, user_id):
        return "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"

    async def scenario():
        async with harness(ics_provider=provider) as (client, _fake):
            resp = await client.get("/api/calendario/abc.ics")
            assert resp.status == 200
            assert (await resp.read()).startswith(b"BEGIN:VCALENDAR")

    run(scenario())


@pytest.mark.parametrize("provider", [None, lambda channel, user_id: None])
def test_ics_404_in_italian_when_nothing_to_export(provider):
    async def scenario():
        async with harness(ics_provider=provider) as (client, _fake):
            resp = await client.get("/api/calendario/abc.ics")
            assert resp.status == 404
            body = await resp.json()
            assert "calendario" in body["errore"]

    run(scenario())


def test_ics_invalid_sender_or_extension():
    def provider(channel, user_id):
        raise AssertionError("must not be called")

    async def scenario():
        async with harness(ics_provider=provider) as (client, _fake):
            assert (await client.get("/api/calendario/a%20b.ics")).status == 400
            assert (await client.get("/api/calendario/.ics")).status == 400
            assert (await client.get("/api/calendario/abc.txt")).status == 404
            assert (await client.get("/api/calendario/abc")).status == 404

    run(scenario())


def test_ics_provider_error_is_500_json():
    def provider(channel, user_id):
        raise RuntimeError("db down")

    async def scenario():
        async with harness(ics_provider=provider) as (client, _fake):
            resp = await client.get("/api/calendario/abc.ics")
            assert resp.status == 500
            assert "errore" in await resp.json()

    run(scenario())


# ------------------------------------------------------------------ pending reminders


def test_promemoria_returns_provider_messages():
    notices = [
        {
            "text": "Promemoria: domani hai l'**esame del sangue**.",
            "buttons": [{"title": "Fatto", "payload": "/promemoria_fatto"}],
            "custom": {"topic": "promemoria.avviso"},
        }
    ]
    calls = []

    def provider(**kwargs):
        calls.append(kwargs)
        return notices

    async def scenario():
        async with harness(notices_provider=provider) as (client, _fake):
            resp = await client.get(f"/api/promemoria/{SENDER}")
            assert resp.status == 200
            assert await resp.json() == notices

    run(scenario())
    assert calls == [{"channel": "rest", "user_id": SENDER}]


@pytest.mark.parametrize("provider", [None, lambda channel, user_id: [], lambda **_: None])
def test_promemoria_empty_list_when_nothing_pending(provider):
    async def scenario():
        async with harness(notices_provider=provider) as (client, _fake):
            resp = await client.get("/api/promemoria/abc")
            assert resp.status == 200
            assert await resp.json() == []

    run(scenario())


def test_promemoria_invalid_sender():
    async def scenario():
        async with harness() as (client, _fake):
            resp = await client.get("/api/promemoria/a%20b")
            assert resp.status == 400
            assert "errore" in await resp.json()

    run(scenario())


# ------------------------------------------------------------------ privacy of the access log


def test_access_log_has_route_names_but_no_sender_or_text():
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    kwargs = access_log_kwargs()
    logger = kwargs["access_log"]
    handler = Collect()
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    secret_sender = "segretissimo-utente-42"
    secret_text = "ho una massa dolorosa alla spalla"

    async def scenario():
        fake = FakeRasa()
        rasa = TestServer(fake.app(), host="127.0.0.1")
        await rasa.start_server()
        app = make_app(str(rasa.make_url("")), ics_provider=lambda **_: b"BEGIN:VCALENDAR")
        server = TestServer(app, host="127.0.0.1")
        await server.start_server(**kwargs)
        try:
            async with TestClient(server) as client:
                await client.post(
                    "/api/messaggio", json={"sender": secret_sender, "message": secret_text}
                )
                await client.get(f"/api/calendario/{secret_sender}.ics")
                await client.get(f"/api/promemoria/{secret_sender}")
                await client.get(f"/api/sconosciuto/{secret_sender}")
                await (await client.get("/")).read()
                for _ in range(100):  # the access log is written after the response
                    if len(records) >= 5:
                        break
                    await asyncio.sleep(0.02)
        finally:
            await rasa.close()

    try:
        run(scenario())
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)

    joined = "\n".join(records)
    assert len(records) == 5, joined
    assert secret_sender not in joined and "segretissimo" not in joined
    assert "spalla" not in joined
    for route in ["messaggio", "calendario", "promemoria", "pagina"]:
        assert route in joined
    assert "POST messaggio 200" in joined


# ------------------------------------------------------------------ wiring to the reminder store


def test_reminder_providers_read_the_store(tmp_path):
    import datetime as dt

    from bot.reminders.db import make_engine, upgrade
    from bot.reminders.schedule import KINDS
    from bot.reminders.store import ReminderStore

    url = f"sqlite:///{tmp_path / 'promemoria.db'}"
    ics_provider, notices_provider = reminder_providers(url)

    async def scenario(expect_ics: bool, expect_notices: int):
        async with harness(ics_provider=ics_provider, notices_provider=notices_provider) as (
            client,
            _fake,
        ):
            resp = await client.get(f"/api/calendario/{SENDER}.ics")
            assert resp.status == (200 if expect_ics else 404)
            if expect_ics:
                assert b"BEGIN:VEVENT" in await resp.read()
            resp = await client.get(f"/api/promemoria/{SENDER}")
            assert resp.status == 200
            notices = await resp.json()
            assert len(notices) == expect_notices
            for notice in notices:
                assert notice["text"]
                assert notice["custom"]["topic"] == "promemoria.avviso"

    run(scenario(expect_ics=False, expect_notices=0))  # tables not created yet
    upgrade(url)

    run(scenario(expect_ics=False, expect_notices=0))  # not subscribed
    store = ReminderStore(make_engine(url))
    store.subscribe("rest", SENDER, "test")
    run(scenario(expect_ics=False, expect_notices=0))  # subscribed, no dates yet
    store.set_last_done("rest", SENDER, KINDS[0], dt.date.today() - dt.timedelta(days=400))
    run(scenario(expect_ics=True, expect_notices=1))  # overdue: one notice, shown once
    run(scenario(expect_ics=True, expect_notices=0))


def test_sms_numbers_are_taken_only_with_consent_and_never_logged(caplog) -> None:
    saved: list[tuple[str, str, str]] = []

    def sms_provider(*, channel: str, user_id: str, number: str) -> str:
        if number == "12":
            raise ValueError("non è un cellulare")
        if user_id == "senza-promemoria":
            raise LookupError("nessun promemoria")
        saved.append((channel, user_id, number))
        return "Fatto: riceverai i promemoria anche per SMS."

    async def scenario() -> None:
        async with harness(sms_provider=sms_provider) as (client, _):
            ok = {"sender": "web-1", "numero": "333 123 4567", "consenso": True}
            cases = [
                ({**ok, "consenso": False}, 400, "consenso"),
                ({**ok, "consenso": "sì"}, 400, "consenso"),
                ({**ok, "numero": "12"}, 400, "cellulare"),
                ({**ok, "numero": ["333"]}, 400, "cellulare"),
                ({**ok, "sender": "no spazi"}, 400, "identificativo"),
                ({**ok, "sender": "senza-promemoria"}, 409, "attiva i promemoria"),
            ]
            for body, status, words in cases:
                resp = await client.post("/api/sms", json=body)
                assert resp.status == status, body
                assert words in (await resp.json())["errore"]
            resp = await client.post("/api/sms", data=b"{non json")
            assert resp.status == 400
            resp = await client.post("/api/sms", json=ok)
            assert resp.status == 200
            assert (await resp.json()) == {"ok": True, "text": "Fatto: riceverai i promemoria anche per SMS."}
        async with harness() as (client, _):  # SMS not configured
            resp = await client.post("/api/sms", json={"sender": "web-1", "numero": "3331234567", "consenso": True})
            assert resp.status == 404

    with caplog.at_level(logging.DEBUG):
        run(scenario())
    assert saved == [("rest", "web-1", "333 123 4567")]
    assert "333" not in caplog.text and "web-1" not in caplog.text


def test_the_sms_provider_stores_the_number_of_a_subscriber_only(tmp_path) -> None:
    from bot.reminders.db import make_engine, upgrade
    from bot.reminders.store import ReminderStore
    from bot.web.server import sms_provider

    url = f"sqlite:///{tmp_path / 'r.db'}"
    upgrade(url)
    store = ReminderStore(make_engine(url))
    store.subscribe("rest", "web-1", "v1")
    provider = sms_provider(url)
    with pytest.raises(LookupError):
        run(provider(channel="rest", user_id="web-2", number="333 123 4567"))
    with pytest.raises(ValueError):
        run(provider(channel="rest", user_id="web-1", number="12"))
    assert "SMS" in run(provider(channel="rest", user_id="web-1", number="333 123 4567"))
    assert store.is_subscribed("sms", "+393331234567")
    store.delete_user("rest", "web-1")  # "cancella i miei dati" on the page
    assert not store.is_subscribed("sms", "+393331234567")
