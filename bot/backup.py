"""Backup sets of the reminders and tracker databases, and their restore.

``python -m bot backup [--out DIR]`` writes one set, a folder ``calcinosi-<UTC time>`` under
``var/backups/`` (or ``DIR``): one file per database and ``manifest.json`` (which database,
dialect, created-at UTC, size, sha256). SQLite is copied with the online backup API
(``sqlite3.Connection.backup``: consistent while the servers write, WAL included), the copy
in rollback-journal mode so that it is one self-contained file. PostgreSQL is dumped with
``pg_dump -Fc``; reminders and tracker in the same database give one dump. The password
never goes on a command line: it is passed as ``PGPASSWORD``. A set is written under a
hidden name and renamed when complete, so a half-written set is never taken for one.

Retention (the privacy text promises both): the backup command first purges the
conversations older than ``CALCINOSI_RETENTION_DAYS`` (90), so a set holds none, then
deletes the sets in that folder older than ``CALCINOSI_BACKUP_DAYS`` (7), by the time in
their name: a conversation outlives its 90 days by at most 7 in a backup.
``python -m bot restore PATH --yes`` checks every checksum before touching anything,
restores each database of the set into the one configured now (SQLite through the backup
API, PostgreSQL with ``pg_restore --clean --if-exists --no-owner --single-transaction``),
upgrades the reminders tables (``bot.reminders.db.upgrade``) and runs the conversation purge
(``bot.retention``), so conversations that expired since the backup go at once.
Output and errors carry file names and counts, never data.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Final

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.settings import VAR_DIR, Settings, load_settings

DEFAULT_DIR: Final = VAR_DIR / "backups"
MANIFEST: Final = "manifest.json"
FORMAT: Final = 1
PREFIX: Final = "calcinosi-"
STAMP: Final = "%Y%m%dT%H%M%SZ"
# A set, or one being written (hidden, ``.partial``: left behind if the process died).
SET_NAME: Final = re.compile(rf"\.?{PREFIX}(\d{{8}}T\d{{6}}Z)(?:\.partial)?")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is Italian, for the CLI."""


@dataclass(frozen=True)
class Database:
    """One database to back up: the roles it holds (``reminders``, ``tracker``) and its URL."""

    roles: tuple[str, ...]
    url: URL

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    @property
    def name(self) -> str:
        """Its name for the manifest: the database name, or the SQLite file name."""
        database = self.url.database or ""
        return Path(database).name if self.dialect == "sqlite" else database


def _identity(url: URL) -> tuple[object, ...]:
    """Equal for two URLs on the same database (a schema in the options does not count)."""
    if url.get_backend_name() == "sqlite":
        return ("sqlite", str(Path(url.database or "").expanduser().resolve()))
    return (url.get_backend_name(), url.host, url.port, url.database)


def configured(settings: Settings) -> dict[str, URL]:
    """The configured URL of each role."""
    return {"reminders": make_url(settings.reminders_db_url), "tracker": make_url(settings.tracker_url)}


def databases(urls: dict[str, URL]) -> list[Database]:
    """The distinct databases: reminders and tracker in one database are one entry."""
    grouped: dict[tuple[object, ...], list[str]] = {}
    first: dict[tuple[object, ...], URL] = {}
    for role, url in urls.items():
        key = _identity(url)
        grouped.setdefault(key, []).append(role)
        first.setdefault(key, url)
    return [Database(tuple(roles), first[key]) for key, roles in grouped.items()]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- SQLite -------------------------------------------------------------------------------


def _sqlite_path(url: URL) -> Path:
    database = url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"database SQLite non su file: {database or '(vuoto)'}")
    return Path(database).expanduser()


def _sqlite_copy(source: sqlite3.Connection, target: Path) -> None:
    destination = sqlite3.connect(target, timeout=30)
    try:
        source.backup(destination)
    finally:
        destination.close()


def sqlite_backup(url: URL, target: Path) -> None:
    """A consistent copy of the live database, one file (rollback journal, not WAL)."""
    source = sqlite3.connect(_sqlite_path(url), timeout=30)
    try:
        _sqlite_copy(source, target)
    finally:
        source.close()
    copy = sqlite3.connect(target)
    try:
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()


def sqlite_restore(source_file: Path, url: URL) -> None:
    """Replaces the content of the database at ``url`` (kept in its journal mode)."""
    target = _sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"{source_file.resolve().as_uri()}?mode=ro", uri=True)
    try:
        _sqlite_copy(source, target)
    finally:
        source.close()


# -- PostgreSQL ---------------------------------------------------------------------------


def _conninfo_value(value: object) -> str:
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def pg_connection(url: URL) -> tuple[str, dict[str, str]]:
    """The libpq connection string for ``--dbname`` (no password) and the environment
    of the child process (``PGPASSWORD`` when the URL has a password)."""
    parts: dict[str, object] = {"host": url.host, "port": url.port, "user": url.username,
                                "dbname": url.database}
    for key, value in url.query.items():
        if key != "password":
            parts[key] = value if isinstance(value, str) else value[-1]
    conninfo = " ".join(f"{key}={_conninfo_value(v)}" for key, v in parts.items() if v)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return conninfo, env


def _run_pg(program: str, args: list[str], url: URL) -> None:
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(f"{program} non trovato nel PATH (pacchetto postgresql-client)")
    conninfo, env = pg_connection(url)
    done = subprocess.run(  # a fixed program, no shell
        [executable, *args, f"--dbname={conninfo}"],
        env=env, capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        # The first "error:" line only: a DETAIL line may quote the values of a row.
        errors = [line for line in done.stderr.splitlines() if "error:" in line]
        detail = errors[0] if errors else "nessun dettaglio"
        raise BackupError(f"{program} non riuscito (codice {done.returncode}): {detail}")


def pg_backup(url: URL, target: Path) -> None:
    _run_pg("pg_dump", ["--format=custom", f"--file={target}"], url)


def pg_restore(source_file: Path, url: URL) -> None:
    _run_pg(
        "pg_restore",
        ["--clean", "--if-exists", "--no-owner", "--single-transaction", str(source_file)],
        url,
    )


# -- backup sets --------------------------------------------------------------------------


def _file_name(database: Database) -> str:
    return "+".join(database.roles) + (".sqlite" if database.dialect == "sqlite" else ".dump")


def set_time(folder: Path) -> datetime | None:
    """The UTC time in the folder name of a set (or of one half-written); None otherwise."""
    match = SET_NAME.fullmatch(folder.name)
    if match is None:
        return None
    return datetime.strptime(match.group(1), STAMP).replace(tzinfo=timezone.utc)


def remove_expired(folder: Path, now: datetime, days: int) -> list[Path]:
    """Deletes the sets in ``folder`` made more than ``days`` days before ``now``."""
    if not folder.is_dir():
        return []
    limit = now - timedelta(days=days)
    removed = []
    for entry in sorted(folder.iterdir()):
        made = set_time(entry)
        if entry.is_dir() and made is not None and made < limit:
            shutil.rmtree(entry)
            removed.append(entry)
    return removed


@dataclass(frozen=True)
class BackupResult:
    folder: Path
    saved: tuple[str, ...]  # the roles in the set
    removed: int  # expired sets deleted


def make_backup(
    urls: dict[str, URL], out: Path, now: datetime, retention_days: int
) -> BackupResult:
    """Writes one set under ``out``, then deletes the sets older than ``retention_days``."""
    name = PREFIX + now.astimezone(timezone.utc).strftime(STAMP)
    final = out / name
    if final.exists():
        raise BackupError(f"esiste già un backup con questo nome: {final}")
    partial = out / f".{name}.partial"
    partial.mkdir(parents=True, mode=0o700)  # personal data: the owner only
    try:
        entries = []
        for database in databases(urls):
            if database.dialect == "sqlite" and not _sqlite_path(database.url).exists():
                continue  # never created yet (the tracker before the first message)
            target = partial / _file_name(database)
            if database.dialect == "sqlite":
                sqlite_backup(database.url, target)
            elif database.dialect == "postgresql":
                pg_backup(database.url, target)
            else:
                raise BackupError(f"tipo di database non supportato: {database.dialect}")
            entries.append({
                "roles": list(database.roles),
                "dialect": database.dialect,
                "database": database.name,
                "file": target.name,
                "size": target.stat().st_size,
                "sha256": sha256(target),
            })
        if not entries:
            raise BackupError("nessun database da salvare: i file SQLite non esistono ancora")
        manifest = {
            "format": FORMAT,
            "created_at": now.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"),
            "retention_days": retention_days,
            "databases": entries,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        partial.rename(final)
    finally:
        if partial.exists():
            shutil.rmtree(partial)
    removed = remove_expired(out, now, retention_days)
    saved = tuple(role for entry in entries for role in entry["roles"])
    return BackupResult(final, saved, len(removed))


def read_manifest(path: Path) -> tuple[Path, dict[str, Any]]:
    """The set's folder and its manifest, after checking size and sha256 of every file."""
    folder = path.parent if path.name == MANIFEST else path
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BackupError(f"{folder} non è un backup: manca {MANIFEST} o non è leggibile") from None
    try:
        if manifest["format"] != FORMAT:
            raise BackupError(f"formato del backup non riconosciuto: {manifest['format']!r}")
        for entry in manifest["databases"]:
            _check(folder / entry["file"], entry["size"], entry["sha256"])
    except (KeyError, TypeError):
        raise BackupError(f"{MANIFEST} non valido in {folder}") from None
    return folder, manifest


def _check(file: Path, size: int, digest: str) -> None:
    if not file.is_file() or file.stat().st_size != size or sha256(file) != digest:
        raise BackupError(
            f"{file.name} non corrisponde al manifest (dimensione o sha256): il backup è "
            "incompleto o è stato modificato. Nessun dato è stato ripristinato."
        )


def restore_backup(path: Path, urls: dict[str, URL]) -> list[str]:
    """Restores every database of the set into the configured one; returns the roles restored."""
    folder, manifest = read_manifest(path)
    plan = []
    for entry in manifest["databases"]:
        targets = databases({role: urls[role] for role in entry["roles"]})
        for target in targets:
            if target.dialect != entry["dialect"]:
                raise BackupError(
                    f"il backup di {'+'.join(entry['roles'])} è {entry['dialect']}, "
                    f"il database configurato è {target.dialect}. Nessun dato è stato ripristinato."
                )
        plan.append((folder / entry["file"], targets))
    restored: list[str] = []
    for file, targets in plan:
        for target in targets:
            if target.dialect == "sqlite":
                sqlite_restore(file, target.url)
            else:
                pg_restore(file, target.url)
            restored.extend(target.roles)
    return restored


# -- commands -----------------------------------------------------------------------------

ROLE_NAMES: Final = {"reminders": "promemoria", "tracker": "conversazioni"}
FAILURES: Final = (ValueError, OSError, sqlite3.Error, SQLAlchemyError, BackupError)


def backup_command(out: str | None) -> int:
    """``python -m bot backup [--out DIR]``."""
    from bot.retention import purge_url

    try:
        settings = load_settings()
        folder = Path(out) if out else DEFAULT_DIR
        now = datetime.now(timezone.utc)
        # Nothing past its retention period goes into the set.
        purge_url(settings.tracker_url, now, settings.retention_days)
        result = make_backup(configured(settings), folder, now, settings.backup_days)
    except FAILURES as err:
        print(f"Errore: backup non riuscito: {err}", file=sys.stderr)
        return 1
    saved = ", ".join(ROLE_NAMES[role] for role in result.saved) or "nessun database"
    print(f"Backup salvato in {result.folder} ({saved}).")
    print(f"Backup più vecchi di {settings.backup_days} giorni cancellati: {result.removed}.")
    return 0


def restore_command(path: str, yes: bool, now: datetime | None = None) -> int:
    """``python -m bot restore PATH [--yes]``: refuses without ``--yes``."""
    from bot.reminders.db import upgrade
    from bot.retention import purge_url

    if not yes:
        print(
            "Il ripristino sostituisce i dati attuali dei promemoria e delle conversazioni "
            "con quelli del backup. Se è quello che vuoi, ripeti il comando con --yes.",
            file=sys.stderr,
        )
        return 2
    try:
        settings = load_settings()
        restored = restore_backup(Path(path), configured(settings))
        if "reminders" in restored:
            upgrade(settings.reminders_db_url)
        purged = purge_url(settings.tracker_url, now or datetime.now(timezone.utc),
                           settings.retention_days)
    except FAILURES as err:
        print(f"Errore: ripristino non riuscito: {err}", file=sys.stderr)
        return 1
    names = ", ".join(ROLE_NAMES[role] for role in dict.fromkeys(restored)) or "nessun database"
    print(f"Ripristinati: {names}.")
    print(f"Conservazione {settings.retention_days} giorni: {purged.summary_it()}")
    return 0
