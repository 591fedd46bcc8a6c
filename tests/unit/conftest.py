"""Fixtures for the custom actions, run with rasa-sdk's Tracker and CollectingDispatcher."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from actions import services
from bot.answers import Answerer
from bot.content import ContentStore
from bot.reminders.conversation import ReminderDialogue
from bot.reminders.db import make_engine, upgrade
from bot.reminders.store import ReminderStore

TODAY = dt.date(2026, 11, 21)


@pytest.fixture()
def answerer(tmp_path: Path) -> Iterator[Answerer]:
    """The actions' answerer on a temporary reminders database, with today = TODAY."""
    url = f"sqlite:///{tmp_path / 'r.db'}"
    upgrade(url)
    content = ContentStore()
    answerer = Answerer(content, ReminderDialogue(ReminderStore(make_engine(url)), content, lambda: TODAY))
    services.install(answerer)
    yield answerer
    services.install(None)
