"""The objects every custom action shares: one :class:`bot.answers.Answerer` per process
(content store + reminder dialogue), built on first use; tests install their own."""

from __future__ import annotations

import threading
from functools import partial

from bot.answers import Answerer
from bot.content import ContentStore

_lock = threading.Lock()
_answerer: Answerer | None = None


def answerer() -> Answerer:
    global _answerer
    with _lock:
        if _answerer is None:
            from bot.feedback import record_vote
            from bot.reminders.conversation import ReminderDialogue, today_in_rome

            reminders = ReminderDialogue.from_environment()
            _answerer = Answerer(
                ContentStore(),
                reminders,
                record_vote=partial(record_vote, reminders.store.engine),
                today=today_in_rome,
            )
        return _answerer


def install(instance: Answerer | None) -> None:
    """Use ``instance`` from now on (tests: a temporary database, a fixed date); None: the
    default one, built again on next use."""
    global _answerer
    with _lock:
        _answerer = instance
