"""The clinician's review pack: section matching, safe Markdown, changes since approval."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot import CONTENT_DIR
from bot.__main__ import main as cli
from bot.content import ContentStore, parse_topic
from bot.content_check import SOURCES_DIR
from bot.review_pack import (
    NOT_FOUND,
    build_pack,
    changes_since_approval,
    find_passages,
    load_source,
    parse_sezione,
    parse_source,
    render_markdown,
    source_block_html,
    split_blocks,
    stems,
)
from bot.topics import content_topics

DOCUMENT = """Scheda di prova

Calcinosi Tumorale RCO230

1. Definizione

La malattia è rara e colpisce le articolazioni.

2. Criteri terapeutici

TERAPIE MEDICHE

PREMESSA/INTRODUZIONE

Non ci sono cure specifiche. La dieta povera di fosfati aiuta.

Sorveglianza: è prudente evitare i cibi ricchi di fosforo.

Terapia\tDosaggio
Acetazolamide\tda decidere

INFORMAZIONI AGGIUNTIVE

Il dolore può richiedere gli specialisti di terapia del dolore.

INTERVENTI CHIRURGICI

Indicazioni

Solo quando le masse limitano molto i movimenti.

INFORMAZIONI AGGIUNTIVE

Le masse possono tornare dopo l'intervento.

3. Controlli
Esami ogni 6 mesi, scritti subito sotto il titolo.
 Step 1
Visita endocrinologica
"""


@pytest.fixture(scope="module")
def doc():
    return parse_source("prova", DOCUMENT)


def quoted(doc, sezione: str) -> list[str]:
    passages, _note = find_passages(doc, sezione)
    return [block.text for passage in passages for block in passage.blocks]


def test_stems_ignore_case_accents_stop_words_and_endings() -> None:
    assert stems("Elenchi delle strutture coinvolte") == stems("ELENCO STRUTTURE COINVOLTE")
    assert stems("Terapie") == stems("terapeutici")
    assert stems("Attività è") == stems("attivita")
    assert stems("di e per") == set()


def test_sezione_parts_numbers_hints_and_note() -> None:
    references, note = parse_sezione(
        "§3 Premessa (fistole; materiale gessoso); Elementi genetici; §3, §4 Elenco strutture "
        "coinvolte; §2 (codice R99). Elenco dei cibi: dal catalogo (da validare)"
    )
    assert [(r.numbers, r.title, r.hints) for r in references] == [
        ((3,), "Premessa", ("fistole", "materiale gessoso")),
        ((3,), "Elementi genetici", ()),
        ((3, 4), "Elenco strutture coinvolte", ()),
        ((2,), "", ("codice R99",)),
    ]
    assert note == "Elenco dei cibi: dal catalogo (da validare)"


def test_headings_are_recognised_by_their_shape() -> None:
    blocks = split_blocks(
        "1. Definizione\n\nTesto.\n\n3. Non in ordine: un elenco\n\n2. Popolazione\n\n"
        "ELEMENTI CLINICI\n\nAlterazioni dentali: radici corte.\n\nTabella I\n\n"
        "Riga di testo\n Step 2\nVisita\n\nUna frase normale, con la virgola, che finisce."
    )
    shapes = [(b.level, b.title) for b in blocks if b.level]
    assert shapes == [
        (1, "Definizione"),
        (1, "Popolazione"),
        (2, "ELEMENTI CLINICI"),
        (9, "Alterazioni dentali"),
        (3, "Tabella I"),
        (3, "Riga di testo"),
        (2, "Step 2"),
        (3, "Visita"),
    ]
    assert blocks[2].level == 0  # "3." out of order is text, not section 3


def test_a_numbered_section_and_the_document_header(doc) -> None:
    assert quoted(doc, "§1 Definizione") == [
        "1. Definizione",
        "La malattia è rara e colpisce le articolazioni.",
    ]
    assert quoted(doc, "Intestazione (codice RCO230)") == ["Calcinosi Tumorale RCO230"]
    assert quoted(doc, "§3 Controlli")[:2] == [
        "3. Controlli",
        "Esami ogni 6 mesi, scritti subito sotto il titolo.",
    ]


def test_a_path_of_headings_finds_the_sub_section_that_follows(doc) -> None:
    assert quoted(doc, "§2 Terapie mediche - Sorveglianza") == [
        "Sorveglianza: è prudente evitare i cibi ricchi di fosforo.",
        "Terapia\tDosaggio\nAcetazolamide\tda decidere",  # the table it introduces
    ]
    assert quoted(doc, "§2 Terapie mediche - Informazioni aggiuntive") == [
        "INFORMAZIONI AGGIUNTIVE",
        "Il dolore può richiedere gli specialisti di terapia del dolore.",
    ]
    found = quoted(doc, "§2 Terapie mediche - Premessa e Informazioni aggiuntive")
    assert found[0] == "PREMESSA/INTRODUZIONE" and found[-1].startswith("Il dolore")


def test_parentheses_narrow_to_sub_headings_or_paragraphs(doc) -> None:
    assert quoted(doc, "§2 Interventi chirurgici (indicazioni, informazioni aggiuntive)") == [
        "Indicazioni",
        "Solo quando le masse limitano molto i movimenti.",
        "INFORMAZIONI AGGIUNTIVE",
        "Le masse possono tornare dopo l'intervento.",
    ]
    assert quoted(doc, "§2 Terapie mediche (dieta povera di fosfati)") == [
        "Non ci sono cure specifiche. La dieta povera di fosfati aiuta."
    ]
    assert quoted(doc, "tabella delle terapie (acetazolamide)") == [
        "Terapia\tDosaggio\nAcetazolamide\tda decidere"
    ]
    assert quoted(doc, "Diagramma, Step 1") == ["Step 1", "Visita endocrinologica"]


def test_nothing_is_guessed(doc) -> None:
    for sezione in (
        "Conclusioni",
        "§9 Definizione",
        "§2 Bibliografia",
        "§1 Definizione - Riassunto",
    ):
        passages, _ = find_passages(doc, sezione)
        assert [p.blocks for p in passages] == [()], sezione
    passages, _ = find_passages(None, "§1 Definizione")
    assert passages[0].blocks == ()


def test_source_files_are_found_by_name(tmp_path: Path) -> None:
    (tmp_path / "prova.txt").write_text(DOCUMENT, encoding="utf-8")
    assert load_source("prova", tmp_path) is not None
    assert load_source("pro", tmp_path) is None
    assert load_source("", tmp_path) is None


@pytest.mark.skipif(not SOURCES_DIR.is_dir(), reason=f"fonti non presenti in {SOURCES_DIR}")
def test_the_real_content_finds_its_source_passages() -> None:
    store = ContentStore()
    cited = missing = 0
    misses = []
    for topic_id in content_topics():
        topic = store.topic(topic_id)
        for source in topic.sources:
            passages, _ = find_passages(load_source(source["documento"]), source["sezione"])
            cited += len(passages)
            misses += [f"{topic_id}: {p.reference.text}" for p in passages if not p.blocks]
    missing = len(misses)
    assert cited and missing <= cited // 10, misses
    passages, _ = find_passages(
        load_source("pdta-calcinosi-tumorale-rco230"), "§7 Associazioni coinvolte"
    )
    assert "AIFOSF - Associazione Italiana dei disordini del Fosfato" in passages[0].blocks[1].text


def test_markdown_is_rendered_and_everything_else_escaped() -> None:
    rendered = render_markdown(
        "Una **massa** *dura*.\nSeconda riga <script>alert(1)</script>\n\n"
        "- spalla\n  e gomito\n- anca\n\n3. terzo\n4. quarto\n\n"
        '**"><img src=x onerror=alert(1)>** e 2 * 3 * 4'
    )
    assert rendered == (
        "<p>Una <strong>massa</strong> <em>dura</em>.<br>Seconda riga "
        "&lt;script&gt;alert(1)&lt;/script&gt;</p>"
        "<ul><li>spalla<br>e gomito</li><li>anca</li></ul>"
        '<ol start="3"><li>terzo</li><li>quarto</li></ol>'
        "<p><strong>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</strong> e 2 * 3 * 4</p>"
    )


def test_source_blocks_lose_their_html_and_tables_become_tables(doc) -> None:
    table = source_block_html(split_blocks("Gotta\t<p><i>Depositi</i> di urato</p>")[0])
    assert table == (
        '<table class="fonte-tabella"><tbody><tr><td>Gotta</td><td>Depositi di urato</td></tr>'
        "</tbody></table>"
    )
    markdown = source_block_html(split_blocks("| Forme | Esempi |\n|---|---|\n| | gotta |")[0])
    assert markdown == (
        '<table class="fonte-tabella"><tbody><tr><td>Forme</td><td>Esempi</td></tr>'
        "<tr><td></td><td>gotta</td></tr></tbody></table>"
    )
    assert source_block_html(doc.blocks[2]) == '<p class="fonte-titolo">1. Definizione</p>'


def topic_file(folder: Path, **fields: str) -> Path:
    path = folder / "condizione.cos_e.md"
    front = "".join(f"{key}: {value}\n" for key, value in fields.items())
    path.write_text(
        f"---\nid: condizione.cos_e\ntitolo: Prova\n{front}---\nTesto.\n", encoding="utf-8"
    )
    return path


def git(folder: Path, *args: str, day: str = "2026-11-01T12:00:00") -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": day, "GIT_COMMITTER_DATE": day}
    subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", *args],
        cwd=folder,
        env=env,
        check=True,
        capture_output=True,
    )


def test_changes_since_approval(tmp_path: Path) -> None:
    never = topic_file(tmp_path, stato="bozza")
    assert "Mai approvata" in changes_since_approval(parse_topic(never.read_text(), never)).summary
    path = topic_file(tmp_path, stato="approvato", approvato_il="2026-11-15")
    assert (
        "non è un checkout git"
        in changes_since_approval(parse_topic(path.read_text(), path)).summary
    )

    git(tmp_path, "init", "-q")
    git(tmp_path, "add", path.name)
    git(tmp_path, "commit", "-q", "-m", "prima versione")
    topic = parse_topic(path.read_text(), path)
    assert changes_since_approval(topic).summary.startswith(
        "Nessuna modifica dalla versione approvata"
    )
    path.write_text(path.read_text() + "Una frase nuova.\n", encoding="utf-8")
    git(tmp_path, "commit", "-q", "-am", "dopo l'approvazione", day="2026-11-20T12:00:00")
    changes = changes_since_approval(parse_topic(path.read_text(), path))
    assert "del 01/11/2026" in changes.summary and "+Una frase nuova." in changes.diff
    early = topic_file(tmp_path, stato="approvato", approvato_il="2026-10-01")
    assert (
        "Nessuna versione in git"
        in changes_since_approval(parse_topic(early.read_text(), early)).summary
    )


def test_pack_from_a_temporary_content_folder(tmp_path: Path) -> None:
    content, sources = tmp_path / "content", tmp_path / "sources"
    shutil.copytree(CONTENT_DIR, content)
    sources.mkdir()
    (sources / "prova.md").write_text(DOCUMENT, encoding="utf-8")
    path = content / "condizione.cos_e.md"
    raw = re.sub(
        r"fonti:\n(  .*\n)+",
        'fonti:\n  - documento: prova\n    sezione: "§1 Definizione; Conclusioni"\n',
        path.read_text(encoding="utf-8"),
    )
    path.write_text(
        raw.replace("La calcinosi", "<script>alert(1)</script> La calcinosi", 1), encoding="utf-8"
    )

    pack = build_pack(content, sources, dt.date(2026, 12, 1))
    page = pack.html
    assert page.startswith('<!DOCTYPE html><html lang="it">') and "@media print" in page
    assert not re.search(r"<script|<link|(?:src|href)=\"(?!#)", page)  # self-contained, no scripts
    assert "&lt;script&gt;alert(1)&lt;/script&gt; La calcinosi" in page
    assert "La malattia è rara e colpisce le articolazioni." in page
    assert f"«Conclusioni»: {NOT_FOUND}" in page
    assert "Gulpease" in page and "Firma del clinico" in page and "Modifiche richieste" in page
    assert "Mai approvata" in page and "bot.benvenuto" in page and "versione_consenso" in page
    assert pack.topics == len(content_topics()) == pack.drafts
    assert page.count('class="scheda"') == pack.topics


def test_cli_writes_the_pack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "pack" / "revisione.html"
    assert cli(["content", "review-pack", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert f"Pacchetto di revisione: {out}" in capsys.readouterr().out
