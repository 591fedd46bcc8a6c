"""Loads the answers clinic staff edit in content/it/.

- ``content/it/<topic id>.md``: YAML front matter + Markdown body, one per content topic.
- ``content/it/dialogo.yml``: the dialogue's own short texts (welcome, help, safety...).
- ``content/it/promemoria.yml``: the reminder flow's texts, with {placeholders}.

Files are re-read when their modification time changes, so an edit changes the next
answer without restarting or retraining anything.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot import CONTENT_DIR

FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n?(.*)\Z", re.DOTALL)


class ContentError(ValueError):
    """A content file that cannot be read; the message is in Italian for clinic staff."""


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    body: str
    sources: list[dict[str, Any]]
    related: list[str]
    follow_ups: dict[str, str] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    body_line: int = 1  # line of the file where the body starts


def parse_topic(text: str, path: Path | None = None) -> Topic:
    """Parses one content file (front matter + Markdown body)."""
    where = str(path) if path else "<testo>"
    match = FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if not match:
        raise ContentError(
            f"{where}:1: manca l'intestazione tra due righe '---' (front matter YAML)"
        )
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as error:
        line = getattr(getattr(error, "problem_mark", None), "line", 0) + 2
        raise ContentError(f"{where}:{line}: l'intestazione YAML non è valida ({error})") from None
    if not isinstance(meta, dict):
        raise ContentError(f"{where}:2: l'intestazione deve essere un elenco di campi 'nome: valore'")
    body = match.group(2).strip()
    follow_ups = meta.get("approfondimenti") or {}
    return Topic(
        id=str(meta.get("id", "")),
        title=str(meta.get("titolo", "")),
        body=body,
        sources=list(meta.get("fonti") or []),
        related=[str(r) for r in (meta.get("correlati") or [])],
        follow_ups={str(k).lower(): str(v) for k, v in follow_ups.items()}
        if isinstance(follow_ups, dict)
        else {},
        meta=meta,
        path=path,
        body_line=match.group(1).count("\n") + 3,
    )


def as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def revision_date(topic: Topic) -> dt.date | None:
    review = topic.meta.get("revisione")
    return as_date(review.get("data")) if isinstance(review, dict) else None


def approval_date(topic: Topic) -> dt.date | None:
    """``approvato_il`` as a date (None when missing or not a date)."""
    value = topic.meta.get("approvato_il")
    return as_date(value) if value else None


def is_approved(topic: Topic) -> bool:
    """True only for ``stato: approvato`` with an approval not older than the last revision."""
    approved = approval_date(topic)
    revised = revision_date(topic)
    return (
        topic.meta.get("stato") == "approvato"
        and bool(topic.meta.get("approvato_da"))
        and approved is not None
        and (revised is None or revised <= approved)
    )


class _FileCache:
    """Caches parsed files, re-reading one when its mtime or size changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[Path, tuple[tuple[int, int], Any]] = {}

    def get(self, path: Path, parse: Any) -> Any:
        stat = path.stat()
        key = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            cached = self._entries.get(path)
            if cached and cached[0] == key:
                return cached[1]
        value = parse(path.read_text(encoding="utf-8"), path)
        with self._lock:
            self._entries[path] = (key, value)
        return value


class ContentStore:
    """Read access to content/it/, always current with the files on disk."""

    def __init__(self, directory: Path = CONTENT_DIR) -> None:
        self.directory = directory
        self._cache = _FileCache()

    def topic_path(self, topic_id: str) -> Path:
        return self.directory / f"{topic_id}.md"

    def topic(self, topic_id: str) -> Topic | None:
        path = self.topic_path(topic_id)
        try:
            return self._cache.get(path, parse_topic)
        except FileNotFoundError:
            return None

    def texts(self, name: str) -> dict[str, Any]:
        """A YAML texts file (``dialogo`` or ``promemoria``) as a dict."""
        path = self.directory / f"{name}.yml"
        return self._cache.get(path, lambda text, _p: yaml.safe_load(text) or {})

    def dialogue(self, topic_id: str) -> dict[str, Any]:
        entry = self.texts("dialogo").get(topic_id)
        if entry is None:
            raise ContentError(f"{self.directory / 'dialogo.yml'}: manca il testo per '{topic_id}'")
        return entry if isinstance(entry, dict) else {"testo": str(entry)}
