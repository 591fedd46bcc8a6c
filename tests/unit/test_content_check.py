"""The content checker: the real content passes, and it catches what it must."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.content import parse_topic
from bot.content_check import DOSE, check_topic, run_checks
from bot.topics import content_topics


def test_real_content_has_no_errors_and_states_no_dose() -> None:
    findings, scores = run_checks()
    assert [str(f) for f in findings if f.error] == []
    assert len(scores) == len(content_topics())
    assert min(scores.values()) >= 60


def test_dose_pattern_catches_doses_but_not_months_or_temperatures() -> None:
    for text in ("prendi 500 mg al giorno", "1000 UI di vitamina D", "2 compresse", "3 volte al giorno", "0,5 mcg"):
        assert DOSE.search(text), text
    for text in ("ogni 6 mesi", "acqua a 32-33 °C", "chiama il 112", "E338"):
        assert not DOSE.search(text), text


def test_checker_reports_invented_contacts_dose_and_copied_text(tmp_path: Path) -> None:
    raw = (
        "---\nid: condizione.cos_e\ntitolo: Prova\nfonti: [{documento: pdta, sezione: '§1'}]\n"
        "revisione: {data: 2026-01-01, a_cura_di: test}\nprossima_revisione: 2026-02-01\n"
        "correlati: [condizione.sintomi, condizione.cause]\n---\n"
        "Chiama lo 055 1234567 o scrivi a info@esempio.it. Prendi 200 mg. Vedi www.esempio.com.\n"
        "uno due tre quattro cinque sei sette otto nove.\n"
    )
    path = tmp_path / "condizione.cos_e.md"
    topic = parse_topic(raw, path)
    shingles = {tuple("uno due tre quattro cinque sei sette otto".split())}
    findings = check_topic(topic, raw, set(content_topics()), dt.date(2026, 11, 21), shingles)
    text = "\n".join(str(f) for f in findings)
    for expected in ("telefono", "e-mail", "dose", "indirizzo web", "copiata", "revisione scaduta"):
        assert expected in text, expected
