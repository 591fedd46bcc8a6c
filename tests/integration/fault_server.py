"""Crash hooks and a fork server for tests/integration/test_dispatcher_faults.py.

Run from the repository root:

* ``python -m tests.integration.fault_server send-due --now ...``: the reminders command
  line (``bot.reminders.cli.run``) with :func:`fault_point` as the dispatcher's step hook;
* ``python -m tests.integration.fault_server``: the fork server (see :func:`serve`).

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

import json
import os
import sys
import time

from bot.reminders import cli, telegram  # noqa: F401  (imported once, before forking)

FAULT_ENV = "CALCINOSI_FAULT_PAUSE"
FAULT_AT_ENV = "CALCINOSI_FAULT_AT"
FAULT_SLEEP_ENV = "CALCINOSI_FAULT_SLEEP"


def fault_point(name: str, index: int) -> None:
    """The dispatcher's step hook: pause at the step chosen by the environment."""
    if os.environ.get(FAULT_ENV) != name:
        return
    if index != int(os.environ.get(FAULT_AT_ENV) or 0):
        return
    sys.stdout.write(f"FAULT_PAUSE {name} {index}\n")
    sys.stdout.flush()
    time.sleep(float(os.environ.get(FAULT_SLEEP_ENV) or 60))
    os._exit(86)


def serve() -> int:
    """For each JSON line ``{"argv": [...], "env": {...}}`` on stdin, fork a child that runs
    ``bot.reminders.cli.run(argv, on_step=fault_point)`` with exactly that environment.

    Prints ``CHILD <pid>`` and, when the child is gone, ``EXIT <pid> <status>``.
    Each child is a separate OS process with its own database connections, so a
    ``kill -9`` on it is a real crash, without paying the interpreter start-up per run.
    """
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
                code = cli.run(request["argv"], on_step=fault_point)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        print(f"CHILD {pid}", flush=True)
        _, status = os.waitpid(pid, 0)
        print(f"EXIT {pid} {status}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(cli.run(sys.argv[1:], on_step=fault_point) if sys.argv[1:] else serve())
