"""``python -m bot backup`` / ``restore``: round trip on SQLite and PostgreSQL (two scratch
databases, and one shared by reminders and tracker), checksums, confirmation, retention
of the sets and the conversation purge after a restore."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from bench.load import stored_user_texts
from bot.__main__ import main
from bot.backup import (
    BackupError,
    configured,
    make_backup,
    pg_connection,
    read_manifest,
    restore_command,
)
from bot.feedback import record_vote
from bot.reminders.db import make_engine, upgrade
from bot.reminders.models import VERSION_TABLE
from bot.reminders.store import ReminderStore
from bot.reminders.testing import POSTGRES_SKIP_REASON, postgres_base_url
from bot.settings import load_settings
from bot.tracker_events import EVENTS, tracker_engine
from tests.conftest import BotServer
from tests.report_fixtures import create_events_table, store, turn

ROOT = Path(__file__).resolve().parents[2]
UTC = timezone.utc
NOW = datetime.now(UTC).replace(microsecond=0)
SENDER = "utente-riservato-0815"


def _admin(base: str) -> Engine:
    return sa.create_engine(base, future=True, isolation_level="AUTOCOMMIT")


@pytest.fixture
def postgres_databases() -> Iterator[list[str]]:
    """Two scratch databases with uuid names (URLs), dropped after."""
    base = postgres_base_url()
    if not base:
        pytest.skip(POSTGRES_SKIP_REASON)
    admin = _admin(base)
    try:
        with admin.connect():
            pass
    except sa.exc.OperationalError:
        admin.dispose()
        pytest.skip(f"PostgreSQL non raggiungibile a {make_url(base).host}:{make_url(base).port}")
    names = [f"test_backup_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    with admin.connect() as conn:
        for name in names:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield [make_url(base).set(database=n).render_as_string(hide_password=False) for n in names]
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres),
            pytest.param("postgres-shared", marks=pytest.mark.postgres)]
)
def urls(request: pytest.FixtureRequest, tmp_path: Path,
         monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Migrated reminders and a tracker ``events`` table, configured through the environment."""
    if request.param == "sqlite":
        found = {"reminders": f"sqlite:///{tmp_path / 'calcinosi.db'}",
                 "tracker": f"sqlite:///{tmp_path / 'tracker.db'}"}
    else:
        first, second = request.getfixturevalue("postgres_databases")
        found = {"reminders": first, "tracker": first if request.param.endswith("shared") else second}
    upgrade(found["reminders"])
    create_events_table(found["tracker"])
    monkeypatch.setenv("CALCINOSI_DB_URL", found["reminders"])
    monkeypatch.setenv("CALCINOSI_TRACKER_URL", found["tracker"])
    monkeypatch.delenv("CALCINOSI_RETENTION_DAYS", raising=False)
    return found


def conversation(sender: str, url: str, last: datetime) -> None:
    engine = tracker_engine(url)
    store(engine, sender, turn("ho male al gomito", "terapia.dolore", last - timedelta(seconds=3)))
    engine.dispose()


def seed(urls: dict[str, str]) -> None:
    engine = make_engine(urls["reminders"])
    reminders = ReminderStore(engine)
    reminders.subscribe("telegram", "555123", "v1", NOW - timedelta(days=3))
    reminders.set_last_done("telegram", "555123", "fosfato_6m", date(2026, 9, 15))
    record_vote(engine, "condizione.cos_e", "utile", NOW.date())
    engine.dispose()
    conversation(SENDER, urls["tracker"], NOW - timedelta(days=2))
    conversation("altra-chat", urls["tracker"], NOW - timedelta(days=1))


def change(urls: dict[str, str]) -> None:
    """What happens after the backup: a user deletes everything, new data arrives."""
    engine = make_engine(urls["reminders"])
    ReminderStore(engine).delete_user("telegram", "555123")
    record_vote(engine, "terapia.dolore", "non_utile", NOW.date())
    engine.dispose()
    tracker = tracker_engine(urls["tracker"])
    with tracker.begin() as conn:
        conn.execute(sa.delete(EVENTS).where(EVENTS.c.sender_id == SENDER))
    tracker.dispose()
    conversation("nuova-chat", urls["tracker"], NOW)


def snapshot(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, sorted."""
    engine = sa.create_engine(url, future=True)
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.connect() as conn:
        rows = {
            name: sorted((tuple(row) for row in conn.execute(sa.select(table))), key=repr)
            for name, table in metadata.tables.items()
        }
    engine.dispose()
    return rows


def everything(urls: dict[str, str]) -> dict[str, object]:
    return {role: snapshot(url) for role, url in urls.items()}


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, **(env or {})}, timeout=120, check=False,
    )


def _configured() -> dict[str, sa.engine.URL]:
    return configured(load_settings())


def only_set(folder: Path) -> Path:
    (found,) = [p for p in folder.iterdir() if p.name.startswith("calcinosi-")]
    return found


# -- round trip ---------------------------------------------------------------------------


def test_round_trip_through_the_command_line(urls: dict[str, str], tmp_path: Path) -> None:
    seed(urls)
    before = everything(urls)
    assert before["tracker"]["events"] and before["reminders"]["subscriber"]
    sets = tmp_path / "backups"

    made = cli("backup", "--out", str(sets))

    assert made.returncode == 0, made.stderr
    backup_set = only_set(sets)
    assert f"Backup salvato in {backup_set}" in made.stdout
    assert backup_set.stat().st_mode & 0o777 == 0o700  # personal data: the owner only
    _, manifest = read_manifest(backup_set)
    shared = urls["reminders"] == urls["tracker"]
    expected = [["reminders", "tracker"]] if shared else [["reminders"], ["tracker"]]
    assert [entry["roles"] for entry in manifest["databases"]] == expected
    dialect = make_url(urls["tracker"]).get_backend_name()
    assert {entry["dialect"] for entry in manifest["databases"]} == {dialect}
    assert manifest["created_at"].endswith("Z") and manifest["retention_days"] == 7
    for entry in manifest["databases"]:
        assert (backup_set / entry["file"]).stat().st_size == entry["size"] > 0

    change(urls)
    assert everything(urls) != before

    restored = cli("restore", str(backup_set), "--yes")

    assert restored.returncode == 0, restored.stderr
    assert "Ripristinati: promemoria, conversazioni." in restored.stdout
    assert "Conversazioni cancellate: 0;" in restored.stdout
    assert everything(urls) == before
    for output in (made, restored):
        assert SENDER not in output.stdout + output.stderr
        assert "555123" not in output.stdout + output.stderr


def test_backup_while_a_write_is_open(urls: dict[str, str], tmp_path: Path) -> None:
    """The backup takes what is committed and does not wait for, or break, a writer."""
    seed(urls)
    before = everything(urls)
    tracker = tracker_engine(urls["tracker"])
    with tracker.connect() as writer:
        transaction = writer.begin()
        writer.execute(sa.insert(EVENTS).values(sender_id="a-meta", type_name="user", timestamp=1.0))
        result = make_backup(_configured(), tmp_path / "sets", NOW, 90)
        transaction.commit()
    tracker.dispose()
    change(urls)

    assert main(["restore", str(result.folder), "--yes"]) == 0
    assert everything(urls) == before


# -- refusals -----------------------------------------------------------------------------


def test_restore_needs_yes(urls: dict[str, str], tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    seed(urls)
    result = make_backup(_configured(), tmp_path, NOW, 90)
    change(urls)
    after = everything(urls)

    assert main(["restore", str(result.folder)]) == 2
    assert "ripeti il comando con --yes" in capsys.readouterr().err
    assert everything(urls) == after


@pytest.mark.parametrize("damage", ["byte", "missing", "manifest"])
def test_a_damaged_set_is_refused(urls: dict[str, str], tmp_path: Path, damage: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    seed(urls)
    result = make_backup(_configured(), tmp_path, NOW, 90)
    change(urls)
    after = everything(urls)
    _, manifest = read_manifest(result.folder)
    last = result.folder / manifest["databases"][-1]["file"]
    if damage == "byte":
        data = bytearray(last.read_bytes())
        data[len(data) // 2] ^= 0xFF
        last.write_bytes(bytes(data))
    elif damage == "missing":
        last.unlink()
    else:
        (result.folder / "manifest.json").unlink()

    assert main(["restore", str(result.folder), "--yes"]) == 1
    err = capsys.readouterr().err
    assert "ripristino non riuscito" in err
    assert ("non è un backup" if damage == "manifest" else "non corrisponde al manifest") in err
    assert everything(urls) == after  # nothing restored, not even the intact first file
    with pytest.raises(BackupError):
        read_manifest(result.folder)


def test_no_database_yet_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALCINOSI_DB_URL", f"sqlite:///{tmp_path / 'nessuno.db'}")
    monkeypatch.setenv("CALCINOSI_TRACKER_URL", f"sqlite:///{tmp_path / 'niente.db'}")
    assert main(["backup", "--out", str(tmp_path / "sets")]) == 1
    assert list((tmp_path / "sets").iterdir()) == []  # no half-written set left
    assert not (tmp_path / "nessuno.db").exists()


def test_a_failing_pg_dump_leaves_no_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CALCINOSI_DB_URL", "postgresql+psycopg2://bot:segreta@127.0.0.1:1/calcinosi")
    monkeypatch.setenv("CALCINOSI_TRACKER_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    create_events_table(f"sqlite:///{tmp_path / 'tracker.db'}")

    assert main(["backup", "--out", str(tmp_path / "sets")]) == 1

    err = capsys.readouterr().err
    assert "pg_dump non riuscito" in err and "segreta" not in err
    assert list((tmp_path / "sets").iterdir()) == []


def test_the_password_is_never_on_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    url = make_url("postgresql+psycopg2://bot:se'gre%20ta@db.example:6543/calcinosi?sslmode=require")
    conninfo, env = pg_connection(url)
    assert conninfo == "host='db.example' port='6543' user='bot' dbname='calcinosi' sslmode='require'"
    assert env["PGPASSWORD"] == "se'gre ta"
    assert "PGPASSWORD" not in pg_connection(make_url("postgresql://bot@db/calcinosi"))[1]


# -- retention ----------------------------------------------------------------------------


def test_sets_older_than_the_retention_period_are_deleted(urls: dict[str, str],
                                                          tmp_path: Path) -> None:
    seed(urls)
    sets = tmp_path / "sets"
    removed = [make_backup(_configured(), sets, NOW - timedelta(days=days), 90).removed
               for days in (120, 91, 89, 1)]
    assert removed == [0, 0, 0, 1]  # 119 days after the first set, it goes
    kept_apart = sets / "appunti-del-tecnico"
    kept_apart.mkdir()
    crashed = sets / (NOW - timedelta(days=95)).strftime(".calcinosi-%Y%m%dT%H%M%SZ.partial")
    crashed.mkdir()  # a backup killed while writing

    assert make_backup(_configured(), sets, NOW, 90).removed == 2  # 91 days ago, and 95
    names = sorted(p.name for p in sets.iterdir())
    stamps = [(NOW - timedelta(days=d)).strftime("calcinosi-%Y%m%dT%H%M%SZ") for d in (89, 1, 0)]
    assert names == sorted([*stamps, "appunti-del-tecnico"])


def test_the_command_line_follows_the_retention_setting(urls: dict[str, str],
                                                        tmp_path: Path) -> None:
    seed(urls)
    sets = tmp_path / "sets"
    old = sets / (NOW - timedelta(days=31)).strftime("calcinosi-%Y%m%dT%H%M%SZ")
    recent = sets / (NOW - timedelta(days=29)).strftime("calcinosi-%Y%m%dT%H%M%SZ")
    old.mkdir(parents=True)
    recent.mkdir()

    made = cli("backup", "--out", str(sets), env={"CALCINOSI_BACKUP_DAYS": "30"})

    assert made.returncode == 0, made.stderr
    assert "Backup più vecchi di 30 giorni cancellati: 1." in made.stdout
    assert not old.exists() and recent.exists()


def test_a_set_never_holds_a_conversation_past_its_retention_period(
    urls: dict[str, str], tmp_path: Path
) -> None:
    """The command purges first: what the privacy text promises holds in the copies too."""
    now = datetime.now(UTC)
    conversation("scaduta", urls["tracker"], now - timedelta(days=91))
    conversation("recente", urls["tracker"], now - timedelta(days=1))
    made = cli("backup", "--out", str(tmp_path / "sets"))
    assert made.returncode == 0, made.stderr
    [folder] = list((tmp_path / "sets").iterdir())
    change(urls)
    assert cli("restore", str(folder), "--yes").returncode == 0
    tracker = tracker_engine(urls["tracker"])
    with tracker.connect() as conn:
        senders = set(conn.execute(sa.select(EVENTS.c.sender_id)).scalars())
    tracker.dispose()
    assert senders == {"recente"}


def test_a_restore_deletes_the_conversations_expired_since_the_backup(
    urls: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made_at = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
    conversation(SENDER, urls["tracker"], made_at - timedelta(days=80))
    conversation("recente", urls["tracker"], made_at - timedelta(days=1))
    result = make_backup(_configured(), tmp_path, made_at, 90)
    change(urls)

    assert restore_command(str(result.folder), yes=True, now=made_at + timedelta(days=20)) == 0

    out = capsys.readouterr().out
    assert "Conversazioni cancellate: 1; eventi cancellati: 4." in out
    assert SENDER not in out
    tracker = tracker_engine(urls["tracker"])
    with tracker.connect() as conn:
        senders = set(conn.execute(sa.select(EVENTS.c.sender_id)).scalars())
    tracker.dispose()
    assert senders == {"recente"}  # restored, and the expired one purged at once


def test_a_restored_older_schema_is_upgraded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reminders = f"sqlite:///{tmp_path / 'calcinosi.db'}"
    monkeypatch.setenv("CALCINOSI_DB_URL", reminders)
    monkeypatch.setenv("CALCINOSI_TRACKER_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    upgrade(reminders, "0002_feedback")  # a backup made before the WhatsApp tables
    result = make_backup(_configured(), tmp_path / "sets", NOW, 90)
    assert result.saved == ("reminders",)  # no tracker database yet: nothing to save

    assert main(["restore", str(result.folder), "--yes"]) == 0

    tables = snapshot(reminders)
    assert tables[VERSION_TABLE] == [("0004_sms_link",)]
    assert "whatsapp_message" in tables


@pytest.mark.server
def test_backup_of_the_running_stack(bot_server: BotServer, tmp_path: Path) -> None:
    """Taken while the real servers answer; restored elsewhere, the conversation is there."""
    sender = f"test-{uuid.uuid4().hex}"
    bot_server.send("che cos'è la calcinosi tumorale?", sender)
    live = {"CALCINOSI_DB_URL": f"sqlite:///{bot_server.reminders_db}",
            "CALCINOSI_TRACKER_URL": f"sqlite:///{bot_server.tracker_db}"}
    errors: list[Exception] = []

    def chat() -> None:
        try:
            for _ in range(4):
                bot_server.send("quali cibi hanno tanto fosforo?", f"test-{uuid.uuid4().hex}")
        except Exception as error:  # reported by the assertion below
            errors.append(error)

    talker = threading.Thread(target=chat)
    talker.start()
    made = cli("backup", "--out", str(tmp_path / "sets"), env=live)
    talker.join()

    assert made.returncode == 0, made.stderr
    assert errors == []
    copy = {"CALCINOSI_DB_URL": f"sqlite:///{tmp_path / 'calcinosi.db'}",
            "CALCINOSI_TRACKER_URL": f"sqlite:///{tmp_path / 'tracker.db'}"}
    restored = cli("restore", str(only_set(tmp_path / "sets")), "--yes", env=copy)
    assert restored.returncode == 0, restored.stderr
    assert stored_user_texts(tmp_path / "tracker.db", sender) == ["che cos'è la calcinosi tumorale?"]
