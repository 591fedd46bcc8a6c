"""The staff report: counts from fixture conversations and votes, masked questions,
accessible self-contained HTML, nothing that identifies a conversation."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.__main__ import main
from bot.reminders.db import make_engine, upgrade
from bot.report import ReportData, build_report, render, topic_label
from bot.report_data import Message, Unanswered, last_weeks, summarise
from bot.topics import content_topics
from bot.tracker_events import tracker_engine
from tests.report_fixtures import (
    HEADINGS,
    MASKED_QUESTION,
    NOW,
    OLD_QUESTION,
    PERSONAL_QUESTION,
    SECRET_SENDER,
    seed_conversations,
    seed_votes,
    tracker_url,
)

__all__ = ["tracker_url"]  # the fixture


class Page(HTMLParser):
    """Tags with their attributes, the text of headings and captions, all the text."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: dict[str, list[str]] = {"h1": [], "h2": [], "caption": []}
        self.text: list[str] = []
        self._open: str | None = None
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in self.headings:
            self._open = tag
            self.headings[tag].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._open:
            self._open = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._open:
            self.headings[self._open][-1] += data

    def all_text(self) -> str:
        return " ".join(self.text)


@pytest.fixture
def reminders(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'calcinosi.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def page(tracker_url: str, reminders: Engine) -> str:
    tracker = tracker_engine(tracker_url)
    seed_conversations(tracker)
    seed_votes(reminders)
    html = build_report(tracker, reminders, NOW, weeks=8, retention_days=90)
    tracker.dispose()
    return html


def test_structure_is_accessible_and_self_contained(page: str) -> None:
    parsed = Page(page)
    assert page.startswith("<!DOCTYPE html>")
    assert ("html", {"lang": "it"}) in parsed.tags
    assert parsed.headings["h1"] == ["Rapporto dell'assistente sulla calcinosi tumorale"]
    assert parsed.headings["h2"] == HEADINGS
    assert len(parsed.headings["caption"]) == 5
    images = [attrs for tag, attrs in parsed.tags if tag == "img"]
    assert len(images) == 4
    for attrs in images:
        assert len(attrs["alt"] or "") > 40
        prefix, encoded = (attrs["src"] or "").split(",", 1)
        assert prefix == "data:image/png;base64"
        assert base64.b64decode(encoded).startswith(b"\x89PNG")
    assert not [tag for tag, attrs in parsed.tags if tag in ("script", "link")]
    assert "http" not in page.replace("http-equiv", "")


def test_counts(page: str) -> None:
    text = Page(page).all_text()
    # 6 weeks with 2..7 questions, a fallback each, urgent every other week; 1 more fallback
    assert "Periodo: dal 12/10/2026 al 30/11/2026 (8 settimane)." in text
    assert "In tutto 37 messaggi degli utenti: 7 non capiti (18,9%)" in text
    assert "richieste di chiarimento: 0 (nessuna)." in text
    assert "(chiamare il 112 o andare al pronto soccorso): 3 in 8 settimane." in text
    assert "Nessun voto" not in text
    assert "Che cos'è la calcinosi tumorale" in text  # topic titles, not ids
    assert "71,4%" in text  # 5 useful of 7 for condizione.cos_e


def test_unanswered_questions_are_masked_and_nothing_identifies_anyone(page: str) -> None:
    text = Page(page).all_text()
    assert MASKED_QUESTION in text
    assert "blablabla" in text
    for secret in (PERSONAL_QUESTION, "Rossi", "1234567", "example.com", SECRET_SENDER, "vecchio"):
        assert secret not in page
    assert OLD_QUESTION not in page  # asked 120 days ago: outside the retention period
    assert "domanda 1" not in page  # understood questions are not shown


def test_empty_databases(tmp_path: Path) -> None:
    tracker = tracker_engine(f"sqlite:///{tmp_path / 'nessuno.db'}")
    reminders = make_engine(f"sqlite:///{tmp_path / 'promemoria.db'}")  # not migrated
    text = Page(build_report(tracker, reminders, NOW)).all_text()
    assert "Nessun messaggio nel periodo." in text
    assert "Nessun voto nel periodo." in text
    assert "Nessuna domanda senza risposta." in text


def message(sender: str, minutes: int, text: str = "", topic: str | None = None) -> Message:
    at = NOW - timedelta(days=1) + timedelta(minutes=minutes)
    return Message(sender, topic is None, at, topic, text)


def test_the_question_is_the_one_just_before_the_fallback() -> None:
    weeks = last_weeks(NOW, 2)
    messages = [
        message("a", 0, "prima domanda"),
        message("a", 1, topic="condizione.cos_e"),
        message("a", 2, topic="bot.non_capito"),  # no user text right before
        message("a", 3, "seconda domanda"),
        message("a", 4, topic="bot.non_capito"),
        message("b", 0, "seconda domanda"),
        message("b", 1, topic="bot.non_capito"),
        message("b", 2, "terza domanda"),
        message("b", 3, topic="sicurezza.urgenza"),
        message("b", 4, topic="bot.non_capito"),
    ]
    activity = summarise(messages, weeks, NOW - timedelta(days=90))
    yesterday = (NOW - timedelta(days=1)).date()
    assert activity.unanswered == [Unanswered("seconda domanda", 2, yesterday)]
    assert activity.per_week("bot.non_capito") == [4, 0]  # NOW - 1 day is the Sunday before
    assert sum(activity.questions.values()) == 4


def test_many_topics_share_a_grey_part() -> None:
    topics = list(content_topics())[:10]
    messages = [message("a", index, topic=topic) for index, topic in enumerate(topics)]
    activity = summarise(messages, last_weeks(NOW, 2), NOW - timedelta(days=90))
    text = Page(render(ReportData(activity, {}, NOW, 90))).all_text()
    assert "(i 7 più frequenti; in grigio gli altri)." in text
    assert all(topic_label(topic) in text for topic in topics)  # the table has them all


def test_weeks_are_mondays_in_rome() -> None:
    sunday_night = datetime(2026, 11, 29, 23, 30, tzinfo=NOW.tzinfo)
    assert [d.isoformat() for d in last_weeks(sunday_night, 2)] == ["2026-11-16", "2026-11-23"]
    with pytest.raises(ValueError):
        last_weeks(NOW, 0)


def test_command_writes_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CALCINOSI_TRACKER_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    monkeypatch.setenv("CALCINOSI_DB_URL", f"sqlite:///{tmp_path / 'calcinosi.db'}")
    out = tmp_path / "uscita" / "rapporto.html"
    assert main(["report", "--out", str(out), "--weeks", "4"]) == 0
    assert f"Rapporto salvato in {out}" in capsys.readouterr().out
    assert "(4 settimane)" in out.read_text(encoding="utf-8")
    assert main(["report", "--out", str(out), "--weeks", "0"]) == 2


def test_a_clarifying_question_is_counted_as_a_clarification_not_a_fallback() -> None:
    import json as _json

    from bot.report_data import CLARIFICATION, FALLBACK, _message

    custom = {"topic": "bot.non_capito", "chiarimento": True}
    asked = _message("s", "bot", 1_800_000_000.0, _json.dumps({"data": {"custom": custom}}))
    plain = _message("s", "bot", 1_800_000_000.0, _json.dumps({"data": {"custom": {"topic": FALLBACK}}}))
    assert (asked.topic, plain.topic) == (CLARIFICATION, FALLBACK)
