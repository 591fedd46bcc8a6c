"""Fault-injection hook for the crash tests (inactive unless the env var is set).

``CALCINOSI_FAULT_PAUSE=<point>`` makes the dispatcher print ``FAULT_PAUSE <point> <n>``
on stdout and stop there (sleep), so a test can ``kill -9`` the process at that
exact step. Points: ``after_claim`` (claims committed, nothing sent),
``before_send`` (state ``sending`` committed, HTTP request not made),
``after_send`` (HTTP request succeeded, ``sent`` not recorded).
``CALCINOSI_FAULT_AT=<n>`` picks the n-th delivery of the pass (default 0).
If nobody kills it, the process exits abruptly after ``CALCINOSI_FAULT_SLEEP`` seconds
(default 60), as if it had been killed.
"""

from __future__ import annotations

import os
import sys
import time

FAULT_ENV = "CALCINOSI_FAULT_PAUSE"
FAULT_AT_ENV = "CALCINOSI_FAULT_AT"
FAULT_SLEEP_ENV = "CALCINOSI_FAULT_SLEEP"
POINTS = ("after_claim", "before_send", "after_send")


def fault_point(name: str, index: int = 0) -> None:
    if os.environ.get(FAULT_ENV) != name:
        return
    if index != int(os.environ.get(FAULT_AT_ENV) or 0):
        return
    sys.stdout.write(f"FAULT_PAUSE {name} {index}\n")
    sys.stdout.flush()
    time.sleep(float(os.environ.get(FAULT_SLEEP_ENV) or 60))
    os._exit(86)


def serve() -> int:
    """Fork server for the crash tests: ``python -m bot.reminders.faults``.

    Imports the dispatcher once, then for each JSON line ``{"argv": [...], "env": {...}}``
    on stdin forks a child that runs ``bot.reminders.cli.run(argv)`` with exactly that
    environment. Prints ``CHILD <pid>`` and, when the child is gone, ``EXIT <pid> <status>``.
    Each child is a separate OS process with its own database connections, so a
    ``kill -9`` on it is a real crash, without paying the interpreter start-up per run.
    """
    import json

    from bot.reminders import cli, telegram  # noqa: F401  (imported once, before forking)

    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # child
            code = 70
            try:
                os.environ.clear()
                os.environ.update(request["env"])
                code = cli.run(request["argv"])
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        print(f"CHILD {pid}", flush=True)
        _, status = os.waitpid(pid, 0)
        print(f"EXIT {pid} {status}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(serve())
