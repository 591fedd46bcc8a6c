"""Reminder texts, topic ids and configuration from the environment."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from bot.reminders.config import ReminderConfig, parse_window
from bot.reminders.schedule import KINDS
from bot.reminders.texts import TOPIC_AVVISO, reminder_text
from bot.topics import load_catalogue

DUE = date(2027, 3, 12)


def test_topic_ids_exist_in_the_catalogue() -> None:
    reminders = load_catalogue()["reminders"]
    assert TOPIC_AVVISO in reminders


def test_reminder_text_before_the_due_date() -> None:
    text = reminder_text("fosfato_6m", DUE, DUE - timedelta(days=14))
    assert text.startswith(
        "Promemoria: tra 14 giorni (entro il 12/03/2027) è il momento degli esami del "
        "metabolismo del fosfato"
    )
    assert "ogni 6 mesi" in text
    assert "«fatto»" in text and "«rimanda»" in text and "«stop»" in text


def test_reminder_text_tomorrow_today_overdue() -> None:
    assert "domani (12/03/2027)" in reminder_text("completo_12m", DUE, DUE - timedelta(days=1))
    assert "oggi (12/03/2027)" in reminder_text("completo_12m", DUE, DUE)
    late = reminder_text("completo_12m", DUE, DUE + timedelta(days=3))
    assert "erano previsti entro il 12/03/2027" in late
    assert "fosfo-calcico" in late and "ogni 12 mesi" in late


@pytest.mark.parametrize("kind", KINDS)
def test_texts_give_no_medical_advice(kind: str) -> None:
    for offset in (-14, 0, 5):
        text = reminder_text(kind, DUE, DUE + timedelta(days=offset)).lower()
        for word in ("dose", "farmac", "terapia", "valori", "mg"):
            assert word not in text
        assert "centro di riferimento" in text


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
