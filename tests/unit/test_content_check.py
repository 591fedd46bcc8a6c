"""The content checker: the real content passes, and it catches what it must."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from bot import CONTENT_DIR
from bot.content import parse_topic
from bot.content_check import (
    DOSE,
    check_approval,
    check_topic,
    drafts_line,
    is_approved,
    main,
    run_checks,
)
from bot.topics import content_topics


def test_real_content_has_no_errors_and_states_no_dose() -> None:
    findings, scores, _drafts = run_checks()
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


TODAY = dt.date(2026, 12, 1)


def sign_off(tmp_path: Path, fields: str, revised: str = "2026-11-21") -> tuple[str, list[str]]:
    """(stato of the parsed topic, the sign-off findings) for front matter ``fields``."""
    raw = (
        f"---\nid: condizione.cos_e\ntitolo: Prova\nrevisione: {{data: {revised}, a_cura_di: x}}\n"
        f"prossima_revisione: 2026-11-30\n{fields}---\nTesto.\n"
    )
    topic = parse_topic(raw, tmp_path / "condizione.cos_e.md")
    findings = check_approval(topic, raw, TODAY)
    assert all(f.error for f in findings)
    return ("approvato" if is_approved(topic) else "bozza"), [f.text for f in findings]


def test_sign_off_fields_are_validated(tmp_path: Path) -> None:
    signed = "approvato_da: 'Dr.ssa Rossi, endocrinologa'\n"
    unsigned = "stato: bozza\napprovato_da: null\napprovato_il: null\n"
    assert sign_off(tmp_path, unsigned) == ("bozza", [])
    approved = f"stato: approvato\n{signed}approvato_il: 2026-11-25\n"
    assert sign_off(tmp_path, approved) == ("approvato", [])
    # a draft may keep the record of its last approval
    assert sign_off(tmp_path, f"stato: bozza\n{signed}approvato_il: 2026-11-25\n") == ("bozza", [])
    cases = {
        "": "manca il campo 'stato'",
        "stato: pronto\n": "'stato' deve essere 'bozza' o 'approvato', non 'pronto'",
        "stato: approvato\n": "senza 'approvato_da'",
        f"stato: approvato\n{signed}": "senza 'approvato_il'",
        f"stato: approvato\n{signed}approvato_il: 21/11/2026\n": "deve essere una data",
        f"stato: approvato\n{signed}approvato_il: 2026-12-02\n": "nel futuro (02/12/2026)",
        "stato: bozza\napprovato_il: 2027-01-01\n": "nel futuro",
        f"stato: approvato\n{signed}approvato_il: 2026-11-20\n": "è di nuovo una bozza",
    }
    for fields, expected in cases.items():
        state, texts = sign_off(tmp_path, fields)
        assert state == "bozza" or "futuro" in expected, fields  # errors of their own
        assert any(expected in text for text in texts), (fields, texts)


def test_overdue_review_stays_a_warning_for_approved_texts(tmp_path: Path) -> None:
    raw = (
        "---\nid: condizione.cos_e\ntitolo: Prova\nfonti: [{documento: pdta, sezione: '§1'}]\n"
        "revisione: {data: 2026-01-01, a_cura_di: test}\nprossima_revisione: 2026-02-01\n"
        "stato: approvato\napprovato_da: 'Dr. Bianchi, reumatologo'\napprovato_il: 2026-01-02\n"
        "correlati: [condizione.sintomi, condizione.cause]\n---\nTesto.\n"
    )
    topic = parse_topic(raw, tmp_path / "condizione.cos_e.md")
    findings = check_topic(topic, raw, set(content_topics()), TODAY, set())
    overdue = [f for f in findings if "revisione scaduta il 01/02/2026" in f.text]
    assert len(overdue) == 1 and not overdue[0].error
    assert not any("stato" in f.text or "approva" in f.text for f in findings)


def test_drafts_are_listed_but_not_counted(tmp_path: Path) -> None:
    content = tmp_path / "it"
    shutil.copytree(CONTENT_DIR, content)
    path = content / "rete.aifosf.md"
    raw = path.read_text(encoding="utf-8")
    raw = re.sub(r"stato: .*\napprovato_da: .*\napprovato_il: .*\n", "", raw)
    signed = "stato: approvato\napprovato_da: 'Dr. Verdi, genetista'\napprovato_il: 2026-12-01\n"
    path.write_text(raw.replace("correlati:", signed + "correlati:", 1), encoding="utf-8")
    before = run_checks(CONTENT_DIR, TODAY)
    after = run_checks(content, TODAY)
    assert [str(f).split(": ", 1)[1] for f in after.findings] == [
        str(f).split(": ", 1)[1] for f in before.findings
    ]
    assert "rete.aifosf" in before.drafts and "rete.aifosf" not in after.drafts
    assert len(after.drafts) == len(before.drafts) - 1
    assert drafts_line(["a.b", "c.d"]) == "Bozze in attesa di revisione clinica: 2: a.b, c.d"
    assert drafts_line([]) == "Bozze in attesa di revisione clinica: 0"


def test_check_output_keeps_drafts_out_of_the_counts(capsys: pytest.CaptureFixture[str]) -> None:
    code = main()
    lines = capsys.readouterr().out.splitlines()
    drafts = run_checks().drafts
    assert lines[-2] == drafts_line(drafts)
    assert lines[-1] == "Errori: 0. Avvisi: 0." and code == 0


def test_a_broken_food_table_is_reported_with_its_line(tmp_path: Path) -> None:
    from bot.content_check import check_food_table

    table = (CONTENT_DIR / "alimenti.yml").read_text(encoding="utf-8")
    assert check_food_table(CONTENT_DIR / "alimenti.yml", set(content_topics())) == []
    broken = tmp_path / "alimenti.yml"
    broken.write_text(table.replace("varianti: [salami,", "varianti: ['nduja, salami,", 1), encoding="utf-8")
    [finding] = check_food_table(broken, set(content_topics()))
    assert "YAML" in finding.text and finding.line > 1
    twice = tmp_path / "twice.yml"
    twice.write_text(table.replace("varianti: [salami,", "varianti: [grana, salami,", 1), encoding="utf-8")
    assert any("'grana' è sia in" in f.text for f in check_food_table(twice, set(content_topics())))
