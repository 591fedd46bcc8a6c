"""Free local ports, for the stacks that the benchmarks and the tests start."""

from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_ports_in_a_row(count: int) -> int:
    """A port such that it and the ``count - 1`` after it are free (replica i of the
    cluster listens on the first port + i - 1)."""
    while True:
        first = free_port()
        if first + count > 65536:
            continue
        if all(_free(port) for port in range(first, first + count)):
            return first


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
