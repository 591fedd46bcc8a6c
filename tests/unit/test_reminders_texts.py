"""Reminder texts (from content/it/promemoria.yml), topic ids and configuration from the environment."""

from __future__ import annotations

import shutil
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot import CONTENT_DIR
from bot.content import ContentStore
from bot.reminders.config import ReminderConfig, parse_window
from bot.reminders.dates import italian_date
from bot.reminders.dispatcher import Dispatcher
from bot.reminders.schedule import KINDS, ROME
from bot.reminders.senders import SENT
from bot.reminders.store import ReminderStore
from bot.reminders.texts import TOPIC_AVVISO, reminder_text
from bot.topics import load_catalogue

DUE = date(2027, 3, 12)
CONTENT = ContentStore()


def text_on(kind: str, offset: int) -> str:
    """The reminder for ``kind`` as sent ``offset`` days before the due date."""
    return reminder_text(CONTENT, kind, DUE, DUE - timedelta(days=offset))


def test_topic_ids_exist_in_the_catalogue() -> None:
    reminders = load_catalogue()["reminders"]
    assert TOPIC_AVVISO in reminders


def test_italian_date() -> None:
    assert italian_date(date(2026, 9, 15)) == "15 settembre 2026"
    assert italian_date(date(2027, 1, 1)) == "1 gennaio 2027"


def test_reminder_text_before_the_due_date() -> None:
    text = text_on("fosfato_6m", 14)
    assert text.startswith(
        "Promemoria: tra 14 giorni, entro il 12 marzo 2027, è il momento degli esami del fosfato"
    )
    assert "ogni 6 mesi" in text
    assert "«fatto»" in text and "«rimanda»" in text and "«stop»" in text


def test_reminder_text_tomorrow_today_overdue() -> None:
    assert text_on("completo_12m", 1).startswith("Promemoria: domani, 12 marzo 2027, è il momento")
    assert text_on("completo_12m", 0).startswith("Promemoria: oggi, 12 marzo 2027, scadono gli")
    late = text_on("completo_12m", -3)
    assert "erano da fare entro il 12 marzo 2027" in late
    assert "esami completi" in late and "ogni 12 mesi" in late


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("offset", [14, 5, 1, 0, -3])
def test_every_reminder_says_how_to_answer_and_gives_no_medical_advice(kind: str, offset: int) -> None:
    text = text_on(kind, offset)
    assert "{" not in text and "}" not in text
    assert "«fatto»" in text and "«rimanda»" in text and "«stop»" in text
    for word in ("dose", "farmac", "terapia", "valori", "mg"):
        assert word not in text.lower()
    assert "centro di riferimento" in text


class Recorder:
    idempotent = False

    def __init__(self) -> None:
        self.texts: list[str] = []

    def send(self, chat_id: str, text: str, *, idempotency_key: str) -> str:
        self.texts.append(text)
        return SENT


def test_a_staff_edit_changes_the_next_sent_reminder(engine: Engine, tmp_path: Path) -> None:
    shutil.copy(CONTENT_DIR / "promemoria.yml", tmp_path / "promemoria.yml")
    now = datetime(2027, 3, 1, 10, 0, tzinfo=ROME)  # 14 days before 15/3/2027
    config = ReminderConfig()
    store = ReminderStore(engine, config, clock=lambda: now)
    sender = Recorder()
    dispatcher = Dispatcher(
        engine, {"telegram": sender}, config=config, content=ContentStore(tmp_path)
    )

    def remind(chat: str) -> str:
        store.subscribe("telegram", chat, "v1", now)
        store.set_last_done("telegram", chat, "fosfato_6m", date(2026, 9, 15), now)
        assert dispatcher.run_once(now).sent == 1
        return sender.texts[-1]

    assert remind("1001").startswith("Promemoria: tra 14 giorni, entro il 15 marzo 2027")
    path = tmp_path / "promemoria.yml"
    edited = path.read_text(encoding="utf-8").replace(
        "Promemoria: tra {giorni} giorni, entro il {data},",
        "Ciao! Mancano {giorni} giorni: entro il {data}",
    )
    path.write_text(edited, encoding="utf-8")
    assert remind("1002").startswith(
        "Ciao! Mancano 14 giorni: entro il 15 marzo 2027 è il momento degli esami del fosfato"
    )


def test_config_from_env() -> None:
    config = ReminderConfig.from_env({})
    assert config.days_before == 14
    assert config.window == (time(9), time(20))
    assert config.telegram_token is None
    assert config.telegram_api_url == "https://api.telegram.org"
    config = ReminderConfig.from_env(
        {
            "CALCINOSI_REMINDER_DAYS_BEFORE": "7",
            "CALCINOSI_REMINDER_WINDOW": "10:30-18:00",
            "TELEGRAM_TOKEN": "abc",
            "TELEGRAM_API_URL": "http://127.0.0.1:9999/",
        }
    )
    assert config.days_before == 7
    assert config.window == (time(10, 30), time(18))
    assert config.telegram_api_url == "http://127.0.0.1:9999"
    assert "abc" not in repr(config)


@pytest.mark.parametrize("raw", ["20:00-09:00", "9-20", "09:00", "dalle 9 alle 20"])
def test_bad_window(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_window(raw)


def test_bad_days_before() -> None:
    with pytest.raises(ValueError):
        ReminderConfig.from_env({"CALCINOSI_REMINDER_DAYS_BEFORE": "-1"})
