"""``python -m bot content review-pack [--out PATH]``: the texts in one file a clinician can sign.

One self-contained HTML page (inline CSS, no external resources, ready to print: each topic
starts on a new page) with, for every content topic: the answer as the patient reads it,
its front matter, the source passages it rests on, its Gulpease index, what changed since
its last clinical approval and a sign-off box; then the dialogue's own texts.

Source passages: ``fonti[].sezione`` names sections of the document ``fonti[].documento``
in shared/sources/ (``<documento>.md`` or ``.txt``), in free text such as
``"§3 Criteri diagnostici - Premessa (fistole); §4 Terapie mediche - Informazioni aggiuntive"``.
The documents are plain text, so their headings are recognised by shape (:func:`split_blocks`):
``N. Titolo`` (numbered in order), lines in capitals, ``Step N``, short title lines and
paragraphs opening with ``Etichetta:``. Each ``;``-separated reference is then looked up
(:func:`find_passages`): ``§N`` limits it to section N (a reference without one keeps the
previous one's); the rest names a heading, matched by its words (see :func:`stems`), or a
path of headings (``A - B``, or ``A, B`` when no heading is named ``A, B``; ``B e C`` is
two of them); words in parentheses narrow the section to the sub-heading or paragraphs
they name. ``Intestazione`` is the text before the first section, ``Testo completo`` the
whole document. A reference that matches no heading is shown as "passaggio non trovato":
the pack never guesses.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import subprocess
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from bot import CONTENT_DIR, ROOT
from bot.content import ContentStore, Topic, approval_date, is_approved, revision_date
from bot.content_check import MIN_GULPEASE, SOURCES_DIR
from bot.readability import gulpease_markdown
from bot.topics import content_topics

DEFAULT_OUT = ROOT / "var" / "review-pack.html"
NOT_FOUND = "passaggio non trovato"

# ---------------------------------------------------------------- source documents

TEXT = 0  # level of a block that is not a heading; headings are 1 (top) to 6
LABEL = 9  # a paragraph opening with "Etichetta:", or a table: a section of that block alone
HEADER, WHOLE_TEXT = "Intestazione", "Testo completo"
HEADING_MATCH = Fraction(2, 3)  # share of a reference's words a heading must contain
PARAGRAPH_MATCH = Fraction(1, 2)  # share of a hint's words a paragraph must contain

ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
NUMBERED = re.compile(r"^(\d{1,2})\.\s+([A-ZÀ-Ý][^\t]{1,80})$")
STEP = re.compile(r"^(?:Step|Fase)\s+\d+$", re.IGNORECASE)
LABELLED = re.compile(r"^([A-ZÀ-Ý][^:.;\t]{0,40}?)(?::|\s[-–]\s)\s*\S")
TABLE_LINE = re.compile(r"^\s*\||\t")
BLANK_LINE = re.compile(r"\n[ \t\xa0]*\n")
PARENTHESES = re.compile(r"\(((?:[^()]|\([^()]*\))*)\)")  # one level of nesting inside
WORD = re.compile(r"[^\W_]+")
STOPWORDS = frozenset(
    "a ad al alla alle agli ai all con cui da dal dalla dalle dei del della delle degli dell "
    "di e ed gli il in l la le lo nel nella nelle nei negli o per su sul sulla sull tra fra "
    "un una uno".split()
)


@dataclass(frozen=True)
class Block:
    """A paragraph or a heading of a source document."""

    text: str
    level: int = TEXT
    title: str = ""  # a heading's name, as references name it
    number: int | None = None  # N of a "N. Titolo" heading


@dataclass(frozen=True)
class Section:
    """A heading and the blocks it covers: ``blocks[start:end]``."""

    title: str
    start: int
    end: int
    level: int
    number: int | None = None


@dataclass(frozen=True)
class SourceDoc:
    name: str
    blocks: tuple[Block, ...]
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class Reference:
    """One ``;``-separated part of ``sezione``."""

    text: str
    numbers: tuple[int, ...]  # the §N it is in
    title: str  # the heading (or "A - B" path of headings) it names
    hints: tuple[str, ...]  # what the parentheses name inside that section


@dataclass(frozen=True)
class Passage:
    reference: Reference
    headings: tuple[str, ...]  # the source headings found
    blocks: tuple[Block, ...]  # the quoted text; empty when not found


def stems(text: str) -> set[str]:
    """Comparable word stems: lower case, no accents or stop words, no final vowels, 5 letters.

    ``"Elenchi strutture"`` and ``"ELENCO STRUTTURE"`` give the same stems, as do
    ``terapie``/``terapeutici`` or ``metaboliche``/``metabolismo``.
    """
    plain = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    found = set()
    for word in WORD.findall(plain):
        if word in STOPWORDS:
            continue
        found.add(word.rstrip("aeiouh")[:5] if len(word) > 3 else word)
    return found


def _share(wanted: set[str], text: str) -> Fraction:
    return Fraction(len(wanted & stems(text)), len(wanted)) if wanted else Fraction(0)


def _is_capitals(text: str) -> bool:
    letters = [char for char in text if char.isalpha()]
    return (
        len(letters) >= 4
        and sum(char.isupper() for char in letters) >= 0.8 * len(letters)
        and text[0].isalpha()
        and not re.search(r"[\d:,;\t|]", text)
    )


def _is_title(line: str) -> bool:
    """A short line on its own, capitalised, with no sentence in it: a sub-heading."""
    return (
        line[0].isupper()
        and len(line.split()) <= (4 if line.endswith(":") else 12)
        and line[-1] not in ".,;"
        and ". " not in line
        and ":" not in line[:-1]
        and not TABLE_LINE.search(line)
    )


def line_heading(line: str, next_number: int) -> Block | None:
    """A line that is a heading wherever it stands, even inside a paragraph."""
    atx = ATX.match(line)
    if atx:
        return Block(line.strip(), len(atx.group(1)), atx.group(2))
    text = line.strip().lstrip("■").strip()
    numbered = NUMBERED.match(text)
    if numbered and int(numbered.group(1)) == next_number and _is_title(numbered.group(2)):
        return Block(text, 1, numbered.group(2).rstrip(":"), next_number)
    if _is_capitals(text) or STEP.match(text):
        return Block(text, 2, text)
    return None


def paragraph_block(lines: list[str]) -> Block:
    first = lines[0].strip()
    text = "\n".join(lines)
    if _is_table(text):  # named by its first row: "tabella delle terapie" finds "Terapia | ..."
        return Block(text, LABEL, "Tabella " + " ".join(_cells(first)))
    if len(lines) == 1 and _is_title(first):
        return Block(text, 3, first.rstrip(":").strip())
    label = LABELLED.match(first)
    if label and len(label.group(1).split()) <= 4:
        return Block(text, LABEL, label.group(1).strip())
    return Block(text)


def split_blocks(text: str) -> list[Block]:
    """Paragraphs and headings of a plain-text or Markdown document, in order."""
    blocks: list[Block] = []
    next_number = 1
    for paragraph in BLANK_LINE.split(text.replace("\r\n", "\n")):
        lines: list[str] = []
        for line in filter(str.strip, paragraph.split("\n")):
            heading = line_heading(line, next_number)
            if heading is None:
                lines.append(line.rstrip())
                continue
            if lines:
                blocks.append(paragraph_block(lines))
                lines = []
            blocks.append(heading)
            next_number += heading.number is not None
        if lines:
            blocks.append(paragraph_block(lines))
    return blocks


def _cells(line: str) -> list[str]:
    """The cells of a table row: Markdown ``| a | b |`` or tab-separated."""
    row = line.strip()
    if row.startswith("|"):
        return [cell.strip() for cell in row.strip("|").split("|")]
    return [cell.strip() for cell in line.split("\t")]


def _is_table(text: str) -> bool:
    return all(TABLE_LINE.search(line) for line in text.split("\n"))


def section_end(blocks: list[Block], start: int) -> int:
    """Where the section opened by ``blocks[start]`` ends (the next heading of its level)."""
    level, end = blocks[start].level, start + 1
    if level == LABEL:  # the paragraph, and the table it introduces
        return end + 1 if end < len(blocks) and _is_table(blocks[end].text) else end
    if end < len(blocks) and blocks[end].level == level:
        return section_end(blocks, end)  # a heading with no text of its own opens the next one
    while end < len(blocks) and not TEXT < blocks[end].level <= level:
        end += 1
    return end


def parse_source(name: str, text: str) -> SourceDoc:
    blocks = split_blocks(text)
    headings = [i for i, block in enumerate(blocks) if block.level not in (TEXT, LABEL)]
    top = min((blocks[i].level for i in headings), default=0)
    first = next((i for i in headings if blocks[i].level == top), len(blocks))
    sections = [Section(HEADER, 0, first, TEXT), Section(WHOLE_TEXT, 0, len(blocks), TEXT)]
    sections += [
        Section(block.title, i, section_end(blocks, i), block.level, block.number)
        for i, block in enumerate(blocks)
        if block.level != TEXT
    ]
    return SourceDoc(name, tuple(blocks), tuple(sections))


def load_source(name: str, directory: Path = SOURCES_DIR) -> SourceDoc | None:
    """``<name>.md`` (or another extension, e.g. ``.txt``) in ``directory``."""
    paths = sorted(p for p in directory.glob(f"{name}.*") if p.stem == name) if name else []
    if not paths:
        return None
    return parse_source(name, paths[0].read_text(encoding="utf-8", errors="replace"))


# ---------------------------------------------------------------- references


def _split_outside_parentheses(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    depth = start = i = 0
    while i < len(text):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0 and text.startswith(separator, i):
            parts.append(text[start:i])
            start = i = i + len(separator)
            continue
        i += 1
    return [*parts, text[start:]]


def parse_sezione(sezione: str) -> tuple[list[Reference], str]:
    """The references in a ``sezione`` string, and the editor's note after the first ". "."""
    cited, *note = _split_outside_parentheses(sezione.strip(), ". ")
    references: list[Reference] = []
    numbers: tuple[int, ...] = ()
    for part in _split_outside_parentheses(cited, ";"):
        bare, inside = PARENTHESES.sub("", part), PARENTHESES.findall(part)
        numbers = tuple(int(n) for n in re.findall(r"§\s*(\d+)", bare)) or numbers
        title = re.sub(r"§\s*\d+\s*,?", "", bare).strip(" -,")
        hints = tuple(h.strip() for group in inside for h in re.split(r"[;,]", group) if h.strip())
        if title or numbers:
            references.append(Reference(part.strip(), numbers, title, hints))
    return references, ". ".join(note).strip()


# ---------------------------------------------------------------- matching


def _inside(doc: SourceDoc, scope: Section) -> list[Section]:
    return [s for s in doc.sections if scope.start <= s.start < scope.end and s != scope]


def _siblings_after(doc: SourceDoc, section: Section, scope: Section) -> list[Section]:
    """The next sections at the same level, up to the end of the parent section."""
    siblings = []
    for other in doc.sections:
        if other.start < section.end or other.start >= scope.end:
            continue
        if TEXT < other.level < section.level:
            break
        if other.level == section.level:
            siblings.append(other)
    return siblings


def _best(title: str, candidates: Iterable[Section]) -> list[Section]:
    """The candidates whose heading contains most of the words of ``title`` (ties: all)."""
    wanted = stems(title)
    scored = [(_share(wanted, section.title), section) for section in candidates]
    top = max((score for score, _ in scored), default=Fraction(0))
    if top < HEADING_MATCH:
        return []
    found = [section for score, section in scored if score == top]
    return [s for s in found if not any(o != s and o.start <= s.start < o.end for o in found)]


def resolve(doc: SourceDoc, title: str, scope: Section) -> list[Section]:
    """The sections of ``scope`` that ``title`` names (a heading, or "A - B" path)."""
    if not stems(title):
        return [scope]
    if " - " not in title:
        found = _best(title, [scope, *_inside(doc, scope)])
        if found or ", " not in title:
            return found
    separator = " - " if " - " in title else ", "
    head, *rest = _split_outside_parentheses(title, separator)
    tail = separator.join(rest)
    heads = resolve(doc, head, scope)
    if not heads:
        return []
    return [
        section
        for name in re.split(r",\s+|\s+e\s+", tail)
        for section in _follow(doc, name, heads[0], scope)
    ]


def _follow(doc: SourceDoc, name: str, head: Section, scope: Section) -> list[Section]:
    """``name`` in "head - name": inside head, else the first sibling after it, else in scope."""
    return (
        resolve(doc, name, head)
        or _best(name, _siblings_after(doc, head, scope))[:1]
        or resolve(doc, name, scope)[:1]
    )


def _hint_spans(doc: SourceDoc, section: Section, hint: str, scope: Section) -> list[range]:
    """The sub-heading, or failing that the paragraphs, of ``section`` that ``hint`` names."""
    heading = _best(hint, _inside(doc, section)) or _best(
        hint, _siblings_after(doc, section, scope)
    )
    if heading:
        return [range(heading[0].start, heading[0].end)]
    wanted = stems(hint)
    scored = [(_share(wanted, doc.blocks[i].text), i) for i in range(section.start, section.end)]
    top = max((score for score, _ in scored), default=Fraction(0))
    return [range(i, i + 1) for score, i in scored if top >= PARAGRAPH_MATCH and score == top]


def _scopes(doc: SourceDoc, numbers: tuple[int, ...]) -> list[Section]:
    if not numbers:
        return [doc.sections[1]]
    return [s for n in numbers for s in doc.sections if s.number == n and s.level == 1]


def locate(doc: SourceDoc, reference: Reference) -> Passage:
    """The passage of ``doc`` that ``reference`` names (no blocks when nothing matches)."""
    indexes: set[int] = set()
    headings: list[str] = []
    for scope in _scopes(doc, reference.numbers):
        for section in resolve(doc, reference.title, scope):
            headings.append(section.title)
            hints = () if section.title == WHOLE_TEXT else reference.hints
            spans = [s for hint in hints for s in _hint_spans(doc, section, hint, scope)]
            for span in spans or [range(section.start, section.end)]:
                indexes.update(span)
    return Passage(reference, tuple(headings), tuple(doc.blocks[i] for i in sorted(indexes)))


def find_passages(doc: SourceDoc | None, sezione: str) -> tuple[list[Passage], str]:
    """The passages ``sezione`` names in ``doc`` (``None``: the document is missing), and
    the editor's note that may follow the references."""
    references, note = parse_sezione(sezione)
    if doc is None:
        return [Passage(r, (), ()) for r in references], note
    return [locate(doc, r) for r in references], note


# ---------------------------------------------------------------- Markdown to safe HTML

BULLET = re.compile(r"^\s{0,3}[-*+•]\s+(\S.*)$")
ORDERED = re.compile(r"^\s{0,3}(\d{1,9})[.)]\s+(\S.*)$")
CONTINUATION = re.compile(r"^\s{2,}\S")
STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.DOTALL)
EMPHASIS = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])", re.DOTALL)
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def inline_html(text: str) -> str:
    """Escaped text with **bold** and *italic*; a line break stays a line break."""
    escaped = html.escape(text, quote=True)
    escaped = STRONG.sub(r"<strong>\1</strong>", escaped)
    escaped = EMPHASIS.sub(r"<em>\1</em>", escaped)
    return escaped.replace("\n", "<br>")


def render_markdown(md: str) -> str:
    """The Markdown of the content files as the chat shows it (bot/web/static/chat.js):
    paragraphs (lines inside one kept as line breaks), **bold**, *italic*, bulleted and
    numbered lists. Everything else, HTML included, is escaped text."""
    out: list[str] = []
    paragraph: list[str] = []
    items: list[list[str]] = []
    ordered: re.Match[str] | None = None

    def close_paragraph() -> None:
        if paragraph:
            out.append(f"<p>{inline_html(chr(10).join(paragraph))}</p>")
            paragraph.clear()

    def close_list() -> None:
        if items:
            tag = "ol" if ordered else "ul"
            start = (
                f' start="{int(ordered.group(1))}"' if ordered and ordered.group(1) != "1" else ""
            )
            lis = "".join(f"<li>{inline_html(chr(10).join(item))}</li>" for item in items)
            out.append(f"<{tag}{start}>{lis}</{tag}>")
            items.clear()

    for line in md.replace("\r\n", "\n").split("\n"):
        number = ORDERED.match(line)
        item = number or BULLET.match(line)
        if not line.strip():
            close_paragraph()
            close_list()
        elif item:
            close_paragraph()
            if items and bool(ordered) != bool(number):
                close_list()
            if not items:
                ordered = number
            items.append([item.group(item.lastindex or 1)])
        elif items and CONTINUATION.match(line):
            items[-1].append(line.strip())
        else:
            close_list()
            paragraph.append(line.strip())
    close_paragraph()
    close_list()
    return "".join(out)


def _table_html(text: str) -> str:
    rows = [
        _cells(line) for line in text.split("\n") if not re.fullmatch(r"\s*\|?[\s|:-]+\|?\s*", line)
    ]
    width = max(map(len, rows), default=0)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{inline_html(c)}</td>" for c in row + [""] * (width - len(row)))
        + "</tr>"
        for row in rows
    )
    return f'<table class="fonte-tabella"><tbody>{body}</tbody></table>'


def source_block_html(block: Block) -> str:
    text = HTML_TAG.sub("", block.text)
    if block.level not in (TEXT, LABEL):
        return f'<p class="fonte-titolo">{inline_html(text)}</p>'
    return _table_html(text) if _is_table(text) else render_markdown(text)


# ---------------------------------------------------------------- changes since approval


@dataclass(frozen=True)
class Changes:
    summary: str
    diff: str = ""


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done if done.returncode == 0 else None


def changes_since_approval(topic: Topic) -> Changes:
    """The ``git diff`` of the file since the last commit on or before ``approvato_il``."""
    approved = approval_date(topic)
    if approved is None:
        return Changes("Mai approvata da un clinico: tutto il testo è da rivedere.")
    no_history = Changes(
        "Cronologia non disponibile: la cartella dei contenuti non è un checkout git (o git manca)."
    )
    if topic.path is None:
        return no_history
    folder, name = topic.path.parent, topic.path.name
    log = _git(folder, "log", "-1", "--format=%H %cs", f"--before={approved} 23:59:59", "--", name)
    if log is None:
        return no_history
    if not log.stdout.strip():
        return Changes(f"Nessuna versione in git al {approved:%d/%m/%Y}: impossibile confrontare.")
    commit, day = log.stdout.split()
    diff = _git(folder, "diff", "--no-color", "--no-ext-diff", commit, "--", name)
    if diff is None:
        return no_history
    since = f"versione approvata (commit {commit[:8]} del {dt.date.fromisoformat(day):%d/%m/%Y})"
    if not diff.stdout.strip():
        return Changes(f"Nessuna modifica dalla {since}.")
    return Changes(f"Modifiche rispetto alla {since}:", diff.stdout)


# ---------------------------------------------------------------- the page

CSS = """
@page { size: A4; margin: 16mm 15mm; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: #1a1a1a;
  font: 12pt/1.45 "DejaVu Sans", "Segoe UI", Arial, sans-serif; }
main { max-width: 52rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.8rem; margin: 0 0 .5rem; }
h2 { font-size: 1.45rem; color: #1f4e79; border-bottom: 2px solid #1f4e79; padding-bottom: .2rem; }
h3 { font-size: 1.15rem; margin: 1.4rem 0 .4rem; }
h4 { font-size: 1rem; margin: 1rem 0 .3rem; }
code { font-size: .95em; }
.riepilogo, .istruzioni { background: #f2f2f2; padding: .6rem 1rem; border-radius: 6px; }
.id { color: #444; margin-top: -.3rem; }
.stato-bozza { color: #8a4b00; font-weight: bold; }
.stato-approvato { color: #1b5e20; font-weight: bold; }
.risposta { border: 1px solid #7a9cb8; border-radius: 10px; background: #f4f8fb;
  padding: .3rem 1rem; }
table { border-collapse: collapse; width: 100%; margin: .3rem 0 .8rem; }
th, td { border: 1px solid #aaa; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th[scope="row"] { width: 30%; background: #f2f2f2; }
.fonte { margin-bottom: 1rem; }
.sezione { color: #333; }
figure { margin: .5rem 0 1rem; }
figcaption { font-size: .95rem; color: #333; }
blockquote { margin: .3rem 0 0; padding: .2rem 1rem; border-left: 4px solid #777;
  background: #fafafa; }
.fonte-titolo { font-weight: bold; margin: .6rem 0 .2rem; }
.fonte-tabella td { font-size: .9rem; }
.non-trovato { color: #8a1c1c; font-weight: bold; }
.nota { font-style: italic; }
pre.diff { white-space: pre-wrap; word-break: break-word; font-size: 10pt; border: 1px solid #aaa;
  padding: .5rem; }
.diff .aggiunto { background: #dcf5e3; }
.diff .tolto { background: #fbe1e0; }
.firma { border: 2px solid #1a1a1a; border-radius: 6px; padding: .2rem 1rem 1rem;
  margin-top: 1.5rem;
  break-inside: avoid; }
.campo { display: flex; gap: .6rem; align-items: flex-end; margin: .7rem 0; }
.campo label, .campo span { min-width: 9rem; }
.campo input, .campo .linea, textarea { flex: 1; border: 0; border-bottom: 1px solid #1a1a1a;
  font: inherit; background: transparent; }
.campo .linea { height: 3rem; }
fieldset { border: 1px solid #777; margin: .8rem 0; }
fieldset label { margin-right: 2rem; }
textarea { width: 100%; border: 1px solid #777; min-height: 5rem; }
@media print {
  main { max-width: none; padding: 0; }
  .scheda, .dialogo { break-before: page; }
  h2, h3, h4, figcaption { break-after: avoid; }
  .risposta, tr, .campo { break-inside: avoid; }
  nav a { color: inherit; text-decoration: none; }
  .risposta, blockquote { background: none; }
}
"""

DIALOGUE_FILES = ("dialogo", "promemoria", "schede")
EXPLANATION = (
    "Per ogni scheda: il testo che il paziente legge nella chat, l'intestazione, i passaggi "
    "delle fonti su cui si basa, l'indice di leggibilità Gulpease, le modifiche dall'ultima "
    "approvazione e il riquadro per la firma. Dopo la firma la redazione scrive "
    "nell'intestazione del file <code>stato: approvato</code>, <code>approvato_da</code> "
    "(nome e ruolo) e <code>approvato_il</code> (data)."
)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _date(value: object) -> str:
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    return _e(value) if value else "—"


@dataclass(frozen=True)
class CitedSource:
    document: str
    sezione: str
    found: bool  # the document exists in shared/sources/
    passages: tuple[Passage, ...]
    note: str


def cited_sources(
    topic: Topic, library: dict[str, SourceDoc | None], folder: Path
) -> list[CitedSource]:
    cited = []
    for source in topic.sources:
        entry = source if isinstance(source, dict) else {"documento": source}
        document, sezione = str(entry.get("documento") or ""), str(entry.get("sezione") or "")
        if document not in library:
            library[document] = load_source(document, folder)
        passages, note = find_passages(library[document], sezione)
        cited.append(
            CitedSource(document, sezione, library[document] is not None, tuple(passages), note)
        )
    return cited


def status_html(topic: Topic) -> str:
    approved, revised = approval_date(topic), revision_date(topic)
    if is_approved(topic):
        who = _e(topic.meta.get("approvato_da"))
        return f'<span class="stato-approvato">Approvata da {who} il {_date(approved)}</span>'
    if topic.meta.get("stato") == "approvato" and approved and revised and revised > approved:
        return (
            f'<span class="stato-bozza">Rivista il {_date(revised)}, dopo l\'approvazione del '
            f"{_date(approved)}: di nuovo da approvare</span>"
        )
    return '<span class="stato-bozza">Bozza in attesa di revisione clinica</span>'


def answer_html(topic: Topic) -> str:
    parts = [
        f'<div class="risposta"><p><strong>{_e(topic.title)}</strong></p>'
        f"{render_markdown(topic.body)}</div>"
    ]
    if topic.follow_ups:
        parts.append("<h4>Risposte di approfondimento (se il paziente chiede ancora)</h4>")
        for key, text in topic.follow_ups.items():
            parts.append(
                f'<p>Parola chiave «{_e(key)}»:</p><div class="risposta">'
                f"{render_markdown(text)}</div>"
            )
    return "".join(parts)


def meta_html(topic: Topic, titles: dict[str, str], today: dt.date) -> str:
    review = topic.meta.get("revisione") if isinstance(topic.meta.get("revisione"), dict) else {}
    next_review = topic.meta.get("prossima_revisione")
    overdue = " (scaduta)" if isinstance(next_review, dt.date) and next_review < today else ""
    score = gulpease_markdown(topic.body)
    sources = "".join(
        f"<li>{_e(s.get('documento'))}: {_e(s.get('sezione'))}</li>"
        for s in topic.sources
        if isinstance(s, dict)
    )
    related = ", ".join(f"{_e(titles.get(r, r))} (<code>{_e(r)}</code>)" for r in topic.related)
    rows = [
        ("Stato", f"<code>{_e(topic.meta.get('stato', '—'))}</code>: {status_html(topic)}"),
        ("Approvata da", _e(topic.meta.get("approvato_da") or "—")),
        ("Approvata il", _date(topic.meta.get("approvato_il"))),
        (
            "Revisione",
            f"{_date(review.get('data'))}, a cura di {_e(review.get('a_cura_di') or '—')}",
        ),
        ("Prossima revisione", _date(next_review) + overdue),
        ("Fonti", f"<ul>{sources}</ul>"),
        ("Argomenti correlati", related or "—"),
        (
            "Leggibilità (indice Gulpease)",
            f"<strong>{score:.0f}</strong> (minimo richiesto {MIN_GULPEASE:.0f}; "
            "sotto 60 è difficile per chi ha la licenza media, sopra 80 è facile)",
        ),
    ]
    body = "".join(f'<tr><th scope="row">{name}</th><td>{value}</td></tr>' for name, value in rows)
    return f'<table class="intestazione"><tbody>{body}</tbody></table>'


def passage_html(passage: Passage) -> str:
    asked = f"«{_e(passage.reference.text)}»"
    if not passage.blocks:
        return f'<p class="non-trovato">{asked}: {NOT_FOUND}.</p>'
    found = "; ".join(_e(h) for h in dict.fromkeys(passage.headings))
    quote = "".join(source_block_html(block) for block in passage.blocks)
    return (
        f"<figure><figcaption>{asked} → trovato in: {found}</figcaption>"
        f"<blockquote>{quote}</blockquote></figure>"
    )


def sources_html(cited: list[CitedSource], names: dict[str, str]) -> str:
    parts = []
    for source in cited:
        parts.append(
            f'<div class="fonte"><h4>{_e(names.get(source.document, source.document))}</h4>'
            f'<p class="sezione">Documento <code>{_e(source.document)}</code>, sezione '
            f"indicata: «{_e(source.sezione)}»</p>"
        )
        if not source.found:
            parts.append(
                f'<p class="non-trovato">Documento non trovato tra le fonti: {NOT_FOUND}.</p>'
            )
        else:
            parts += [passage_html(p) for p in source.passages]
        if source.note:
            parts.append(f'<p class="nota">Nota della redazione: {_e(source.note)}</p>')
        parts.append("</div>")
    return "".join(parts) or f'<p class="non-trovato">Nessuna fonte indicata: {NOT_FOUND}.</p>'


def changes_html(changes: Changes) -> str:
    if not changes.diff:
        return f"<p>{_e(changes.summary)}</p>"
    lines = []
    for line in changes.diff.splitlines():
        kind = (
            "aggiunto"
            if line.startswith("+") and not line.startswith("+++")
            else "tolto"
            if line.startswith("-") and not line.startswith("---")
            else ""
        )
        lines.append(f'<span class="{kind}">{_e(line)}</span>' if kind else _e(line))
    return f'<p>{_e(changes.summary)}</p><pre class="diff">' + "\n".join(lines) + "</pre>"


def signoff_html(anchor: str, what: str) -> str:
    fields = "".join(
        f'<p class="campo"><label for="{anchor}-{key}">{label}</label>'
        f'<input type="text" id="{anchor}-{key}" name="{anchor}-{key}"></p>'
        for key, label in (("nome", "Nome e cognome"), ("ruolo", "Ruolo"), ("data", "Data"))
    )
    return (
        f'<div class="firma" role="group" aria-labelledby="{anchor}-firma">'
        f'<h3 id="{anchor}-firma">Firma del clinico: {_e(what)}</h3>{fields}'
        '<p class="campo"><span>Firma</span><span class="linea"></span></p>'
        f"<fieldset><legend>Esito della revisione</legend>"
        f'<label><input type="checkbox" name="{anchor}-approvato"> Approvato</label>'
        f'<label><input type="checkbox" name="{anchor}-modifiche"> Modifiche richieste</label>'
        f'</fieldset><p><label for="{anchor}-note">Modifiche richieste e note</label></p>'
        f'<textarea id="{anchor}-note" name="{anchor}-note" rows="4"></textarea></div>'
    )


def topic_html(
    topic: Topic,
    index: int,
    cited: list[CitedSource],
    titles: dict[str, str],
    names: dict[str, str],
    today: dt.date,
) -> str:
    anchor = f"scheda-{index}"
    return (
        f'<section class="scheda" id="{anchor}" aria-labelledby="{anchor}-titolo">'
        f'<h2 id="{anchor}-titolo">{index}. {_e(topic.title)}</h2>'
        f'<p class="id">Scheda <code>{_e(topic.id)}</code> · {status_html(topic)}</p>'
        f"<h3>Il testo come lo legge il paziente</h3>{answer_html(topic)}"
        f"<h3>Intestazione della scheda</h3>{meta_html(topic, titles, today)}"
        f"<h3>Le fonti: i passaggi citati</h3>{sources_html(cited, names)}"
        f"<h3>Modifiche dall'ultima approvazione</h3>{changes_html(changes_since_approval(topic))}"
        f"{signoff_html(anchor, topic.title)}</section>"
    )


def _text_entry_html(key: str, value: Any, titles: dict[str, str]) -> str:
    head = f"<h4><code>{_e(key)}</code></h4>"
    if isinstance(value, dict) and "testo" in value:
        buttons = ", ".join(_e(titles.get(str(b), b)) for b in value.get("pulsanti") or [])
        extra = f"<p>Pulsanti: {buttons}</p>" if buttons else ""
        return f'{head}<div class="risposta">{render_markdown(str(value["testo"]))}</div>{extra}'
    if isinstance(value, dict):
        rows = "".join(
            f'<tr><th scope="row"><code>{_e(k)}</code></th><td>{_e(v)}</td></tr>'
            for k, v in value.items()
        )
        return f"{head}<table><tbody>{rows}</tbody></table>"
    return f'{head}<div class="risposta">{render_markdown(str(value))}</div>'


def dialogue_html(store: ContentStore, titles: dict[str, str]) -> str:
    parts = [
        '<section class="dialogo" id="dialogo" aria-labelledby="dialogo-titolo">'
        '<h2 id="dialogo-titolo">Testi del dialogo e dei promemoria</h2>'
    ]
    for name in DIALOGUE_FILES:
        if not (store.directory / f"{name}.yml").exists():
            continue
        parts.append(f"<h3><code>content/it/{name}.yml</code></h3>")
        parts += [_text_entry_html(str(k), v, titles) for k, v in store.texts(name).items()]
    parts.append(signoff_html("dialogo", "testi del dialogo e dei promemoria"))
    return "".join(parts) + "</section>"


def _document_names(store: ContentStore) -> dict[str, str]:
    """The documents' short names the patient reads (content/it/schede.yml), if any."""
    if not (store.directory / "schede.yml").exists():
        return {}
    return {str(k): str(v) for k, v in (store.texts("schede").get("fonti") or {}).items()}


@dataclass(frozen=True)
class Pack:
    html: str
    topics: int
    drafts: int
    passages: int  # references to source sections
    found: int  # of them, those whose passage was found


def build_pack(
    content_dir: Path = CONTENT_DIR, sources_dir: Path = SOURCES_DIR, today: dt.date | None = None
) -> Pack:
    today = today or dt.date.today()
    store = ContentStore(content_dir)
    topics = [t for t in (store.topic(i) for i in content_topics()) if t is not None]
    titles = {t.id: t.title for t in topics}
    names = _document_names(store)
    library: dict[str, SourceDoc | None] = {}
    cited = [cited_sources(t, library, sources_dir) for t in topics]
    passages = [p for sources in cited for s in sources for p in s.passages]
    found = sum(bool(p.blocks) for p in passages)
    drafts = sum(not is_approved(t) for t in topics)
    toc = "".join(
        f'<li><a href="#scheda-{i}">{_e(t.title)}</a> · {status_html(t)}</li>'
        for i, t in enumerate(topics, 1)
    )
    page = (
        '<!DOCTYPE html><html lang="it"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Revisione clinica dei testi dell'assistente</title>"
        f"<style>{CSS}</style></head><body><main>"
        "<h1>Revisione clinica dei testi dell'assistente sulla calcinosi tumorale</h1>"
        f'<p class="riepilogo">Generato il {today:%d/%m/%Y}. Schede: {len(topics)}, di cui '
        f"{drafts} in attesa di revisione clinica. Passaggi delle fonti trovati: {found} su "
        f'{len(passages)}.</p><p class="istruzioni">{EXPLANATION}</p>'
        f'<nav aria-labelledby="indice"><h2 id="indice">Indice</h2><ol>{toc}'
        '<li><a href="#dialogo">Testi del dialogo e dei promemoria</a></li></ol></nav>'
        + "".join(
            topic_html(t, i, c, titles, names, today)
            for i, (t, c) in enumerate(zip(topics, cited, strict=True), 1)
        )
        + dialogue_html(store, titles)
        + "</main></body></html>\n"
    )
    return Pack(page, len(topics), drafts, len(passages), found)


def main(out: str | Path | None = None) -> int:
    """``python -m bot content review-pack [--out PATH]``."""
    out = Path(out) if out else DEFAULT_OUT
    pack = build_pack()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(pack.html, encoding="utf-8")
    print(f"Pacchetto di revisione: {out}")
    print(
        f"Schede: {pack.topics}, bozze: {pack.drafts}. "
        f"Passaggi delle fonti trovati: {pack.found} su {pack.passages}."
    )
    return 0
