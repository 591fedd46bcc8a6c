"""Security defaults of the running stack: API behind a token, localhost only, CORS to one origin."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.server


def get(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


@pytest.mark.parametrize(
    "path",
    ["/status", "/conversations/qualcuno/tracker", "/domain"],
)
def test_rasa_http_api_refuses_requests_without_the_token(bot_server, path: str) -> None:
    status, _ = get(f"{bot_server.rasa_url}{path}")
    assert status in (401, 403), status
    assert get(f"{bot_server.rasa_url}/status?token=sbagliato")[0] == 401


def test_rasa_http_api_answers_with_the_configured_token(bot_server) -> None:
    assert get(f"{bot_server.rasa_url}/status?token={bot_server.api_token}")[0] == 200


def test_cors_allows_only_the_configured_origin(bot_server) -> None:
    page_origin = bot_server.web_url.rstrip("/")
    url = f"{bot_server.rasa_url}/webhooks/rest/"
    _, allowed = get(url, {"Origin": page_origin})
    assert allowed.get("Access-Control-Allow-Origin") == page_origin
    _, other = get(url, {"Origin": "http://malintenzionato.example"})
    assert other.get("Access-Control-Allow-Origin") in (None, "")
    preflight, headers = get(
        f"{bot_server.rasa_url}/webhooks/rest/webhook",
        {"Origin": "http://malintenzionato.example", "Access-Control-Request-Method": "POST"},
        method="OPTIONS",
    )
    assert headers.get("Access-Control-Allow-Origin") in (None, ""), preflight


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(port_hex, 16) == port:  # 0A = LISTEN
                found.add(address)
    return found


def test_every_service_listens_on_localhost_only(bot_server) -> None:
    loopback = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1 and ::1
    ports = {
        "rasa": int(urlsplit(bot_server.rasa_url).port or 0),
        "azioni": bot_server.actions_port,
        "web": int(urlsplit(bot_server.web_url).port or 0),
    }
    for name, port in ports.items():
        addresses = listening_addresses(port)
        assert addresses, f"{name}: nessun socket in ascolto sulla porta {port}"
        assert addresses <= loopback, f"{name} ascolta su {addresses}"


def test_only_our_checked_channels_reach_the_model(bot_server) -> None:
    """Rasa's own socket.io channel would skip the input checks: it is not served."""
    assert get(f"{bot_server.rasa_url}/socket.io/?EIO=4&transport=polling")[0] == 404
    assert get(f"{bot_server.rasa_url}/webhooks/socketio/")[0] == 404
    assert get(f"{bot_server.rasa_url}/webhooks/rest/")[0] == 200
