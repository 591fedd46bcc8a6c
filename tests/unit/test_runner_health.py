"""The supervisor's health check: 2xx is up, anything else is "not yet", never a crash."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from bot.runner import is_up


@contextmanager
def answering(reply: bytes) -> Iterator[str]:
    """A one-connection server on a free port that sends ``reply`` to whatever it reads."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(reply)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/health"
    finally:
        thread.join(timeout=5)
        server.close()


def test_a_2xx_answer_is_up() -> None:
    with answering(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") as url:
        assert is_up(url)


def test_an_error_status_is_not_up() -> None:
    with answering(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n") as url:
        assert not is_up(url)


def test_our_own_request_read_back_is_not_up_and_not_an_error() -> None:
    # What a socket connected to itself reads: the request it sent (BadStatusLine).
    with answering(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") as url:
        assert not is_up(url)


def test_nobody_listening_is_not_up() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    assert not is_up(f"http://127.0.0.1:{port}/health")
