"""``make load``: many conversations at once, mixed with every kind of bad input.

Each of N conversations (default 32) sends, for S seconds (default 20), normal questions,
odd but valid messages (emoji, HTML, SQL-like, English, German, control characters) and
bad requests (empty, malformed or non-object JSON, missing fields, invalid UTF-8, 100 KB,
a 5,000-character sender id, 5 MB: refused by Sanic before reading, which closes the
connection). Passes when no request got a 5xx, none hung or lost its
connection, every bad request got the 4xx it deserves with a polite explanation, every
accepted message got an answer, and the tracker store holds every accepted message.

    python -m bench.load [--conversations 32] [--seconds 20]
"""

from __future__ import annotations

import argparse
import http.client
import json
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.__main__ import QUESTIONS, Stack
from bot.channels.common import clean_text
from bot.processes import MAX_REQUEST_BYTES

ODD_TEXTS = [
    "😀😀😀",
    "<script>alert('x')</script>",
    "'; DROP TABLE events; --",
    "What is tumoral calcinosis?",
    "Wie ist das Wetter heute?",
    "ciao\u0007 come va\u0001",
]


def bad_bodies(sender: str) -> list[tuple[str, bytes, int]]:
    """(name, request body, expected status) for every kind of unusable request."""
    return [
        ("vuoto", b"", 400),
        ("json malformato", b"{not json", 400),
        ("array json", b"[1, 2, 3]", 400),
        ("stringa json", b'"solo una stringa"', 400),
        ("senza message", json.dumps({"sender": sender}).encode(), 400),
        ("senza sender", json.dumps({"message": "ciao"}).encode(), 400),
        ("message null", json.dumps({"sender": sender, "message": None}).encode(), 400),
        ("message numero", json.dumps({"sender": sender, "message": 42}).encode(), 400),
        ("solo spazi", json.dumps({"sender": sender, "message": "  \n\t "}).encode(), 400),
        ("solo controllo", json.dumps({"sender": sender, "message": "\u0000\u0007"}).encode(), 400),
        ("utf-8 non valido", b'{"sender": "' + sender.encode() + b'", "message": "ciao \xff\xfe"}', 400),
        ("sender 5000", json.dumps({"sender": "x" * 5000, "message": "ciao"}).encode(), 400),
        ("100 KB", json.dumps({"sender": sender, "message": "a" * 100_000}).encode(), 413),
        ("5 MB", json.dumps({"sender": sender, "message": "b" * 5_000_000}).encode(), 413),
    ]


@dataclass
class Report:
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    accepted: dict[str, list[str]] = field(default_factory=dict)
    requests: int = 0
    closed_oversize: int = 0
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, reason: str) -> None:
        with self.lock:
            if len(self.failures) < 50:
                self.failures.append(reason)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 1),
            "requests_per_s": round(self.requests / self.seconds, 1) if self.seconds else 0.0,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "over_1mb_closed_by_server": self.closed_oversize,
            "server_errors_5xx": sum(v for k, v in self.statuses.items() if 500 <= k < 600),
            "accepted_messages": sum(len(v) for v in self.accepted.values()),
            "failures": self.failures,
        }


def post(conn: http.client.HTTPConnection, body: bytes) -> tuple[int, Any]:
    conn.request("POST", "/webhooks/rest/webhook", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    raw = response.read()
    try:
        return response.status, json.loads(raw or b"null")
    except ValueError:
        return response.status, raw[:200]


def conversation(port: int, deadline: float, report: Report, index: int) -> None:
    sender = f"load-{uuid.uuid4().hex}"
    accepted: list[str] = []
    bad = bad_bodies(sender)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    step = 0
    while time.monotonic() < deadline:
        if step % 3 == 2:
            name, body, expected = bad[(index + step // 3) % len(bad)]  # every case early on
            text = None
        else:
            text = ODD_TEXTS[step % len(ODD_TEXTS)] if step % 5 == 4 else QUESTIONS[step % len(QUESTIONS)]
            text = f"{text} ({step})"
            name, expected = "valido", 200
            body = json.dumps({"sender": sender, "message": text}).encode()
        step += 1
        try:
            status, payload = post(conn, body)
        except (OSError, http.client.HTTPException) as error:
            if len(body) > MAX_REQUEST_BYTES and isinstance(error, ConnectionError):
                # Over Sanic's limit: refused with 413 before the body is read, and the
                # connection is closed while the client is still sending (as nginx does).
                with report.lock:
                    report.closed_oversize += 1
            else:
                report.fail(f"{name}: connessione persa o nessuna risposta ({type(error).__name__})")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        with report.lock:
            report.statuses[status] += 1
            report.requests += 1
        if status != expected:
            report.fail(f"{name}: HTTP {status} invece di {expected}")
        elif status == 200:
            if not (isinstance(payload, list) and payload and all(m.get("text") for m in payload)):
                report.fail(f"{name}: risposta vuota")
            accepted.append(str(text))
        elif len(body) <= MAX_REQUEST_BYTES and not (isinstance(payload, dict) and payload.get("errore")):
            report.fail(f"{name}: errore {status} senza spiegazione")
    conn.close()
    with report.lock:
        report.accepted[sender] = accepted


def stored_user_texts(tracker_db: Path, sender: str) -> list[str]:
    """Texts of the user messages a SQLite tracker store holds for one conversation, in order."""
    with sqlite3.connect(tracker_db) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (sender,)
        ).fetchall()
    return [json.loads(row[0])["text"] for row in rows]


def run_load(port: int, conversations: int, seconds: float, tracker_db: Path | None) -> Report:
    report = Report()
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=conversation, args=(port, deadline, report, index))
        for index in range(conversations)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report.seconds = time.monotonic() - started
    if tracker_db is not None:
        for sender, texts in report.accepted.items():
            stored = stored_user_texts(tracker_db, sender)
            if stored != [clean_text(t) for t in texts]:
                report.fail(f"archivio: {len(stored)} messaggi salvati su {len(texts)} accettati")
    return report


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("--conversations", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(Path(tmp))
        try:
            stack.wait_first_answer()
            report = run_load(stack.rasa_port, args.conversations, args.seconds, Path(tmp) / "tracker.db")
            alive = stack.process.poll() is None
        finally:
            stack.stop()
    result = report.as_dict() | {"server_still_up": alive}
    print(json.dumps(result, indent=2, ensure_ascii=False))
    ok = alive and not report.failures and result["server_errors_5xx"] == 0
    print("OK: nessun errore, nessun 5xx." if ok else "FALLITO.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
