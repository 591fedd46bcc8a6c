"""``python -m bot content check``: checks content/it/ for clinic staff.

Messages are in Italian, with file and line. Errors make the command exit non-zero;
warnings (e.g. a review date that has passed) are printed but do not fail.

Clinical sign-off lives in each file's front matter: ``stato`` (``bozza`` or ``approvato``),
``approvato_da`` (name and role) and ``approvato_il`` (date). A draft may keep the
``approvato_*`` fields of its last approval. An approved text revised after its approval
(``revisione.data`` later than ``approvato_il``) is a draft again and is reported as an error.
The drafts are listed in one informational line, counted neither as errors nor as warnings.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import yaml

from bot import CONTENT_DIR, ROOT
from bot.content import (
    ContentError,
    Topic,
    approval_date,
    as_date,
    is_approved,
    parse_topic,
    revision_date,
)
from bot.foods import spellings
from bot.readability import gulpease_markdown, markdown_to_plain
from bot.text import normalize
from bot.topics import content_topics, intent_for_topic, load_catalogue

MIN_GULPEASE = 60.0
MIN_MEDIAN_GULPEASE = 70.0
WORDS_RANGE = (40, 180)  # the target is 60-150: outside this wider range is a warning
ALLOWED_HOSTS = ("www.aifosf.it", "aifosf.it")
SOURCES_DIR = ROOT.parent / "shared" / "sources"
COPY_SHINGLE_WORDS = 8  # this many consecutive words shared with a source = copied text

DOSE = re.compile(
    r"\b\d+(?:[.,]\d+)?\s*(?:mg|g|gr|grammi|milligrammi|mcg|µg|ug|microgrammi|ui|u\.i\.|"
    r"unità|ml|millilitri|gocce|compress[ae]|capsul[ae]|bustin[ae]|fial[ae])\b"
    r"|\b\d+\s*volte\s+al\s+(?:giorno|di)\b",
    re.IGNORECASE,
)
PHONE = re.compile(r"(?<![\w.])(?:\+39[\s.]?)?(?:0\d{1,3}|3\d{2})[\s./-]?\d{5,8}(?![\w])")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
URL = re.compile(r"(?:https?://|www\.)[^\s)\]>]+", re.IGNORECASE)
LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")
REQUIRED_KEYS = ("id", "titolo", "fonti", "revisione", "prossima_revisione", "correlati")
STATES = ("bozza", "approvato")


@dataclass
class Finding:
    path: Path
    line: int
    text: str
    error: bool = True

    def __str__(self) -> str:
        kind = "ERRORE" if self.error else "AVVISO"
        try:
            shown = self.path.relative_to(ROOT)
        except ValueError:
            shown = self.path
        return f"{shown}:{self.line}: {kind}: {self.text}"


def _line_of(text: str, needle: str) -> int:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


def check_approval(topic: Topic, raw: str, today: dt.date) -> list[Finding]:
    """The clinical sign-off fields: ``stato``, ``approvato_da``, ``approvato_il``."""
    path = topic.path or Path("?")
    state = topic.meta.get("stato")
    line = _line_of(raw, "stato:")
    if state is None:
        return [Finding(path, 1, "manca il campo 'stato' nell'intestazione (bozza o approvato)")]
    if state not in STATES:
        return [Finding(path, line, f"'stato' deve essere 'bozza' o 'approvato', non '{state}'")]
    found: list[Finding] = []
    approved = approval_date(topic)
    approved_line = _line_of(raw, "approvato_il:")
    if topic.meta.get("approvato_il") and approved is None:
        found.append(Finding(path, approved_line, "'approvato_il' deve essere una data AAAA-MM-GG"))
    elif approved is not None and approved > today:
        found.append(
            Finding(path, approved_line, f"'approvato_il' è nel futuro ({approved:%d/%m/%Y})")
        )
    if state != "approvato":
        return found
    if not topic.meta.get("approvato_da"):
        found.append(Finding(path, _line_of(raw, "approvato_da:"),
                             "scheda approvata senza 'approvato_da' (nome e ruolo di chi approva)"))
    if not topic.meta.get("approvato_il"):
        found.append(Finding(path, approved_line, "scheda approvata senza 'approvato_il' (data)"))
    revised = revision_date(topic)
    if approved is not None and revised is not None and revised > approved:
        found.append(Finding(
            path, line,
            f"testo rivisto il {revised:%d/%m/%Y}, dopo l'approvazione del {approved:%d/%m/%Y}: "
            "è di nuovo una bozza (mettere 'stato: bozza' e farlo riapprovare)",
        ))
    return found


def _words(text: str) -> list[str]:
    return re.findall(r"[a-zàèéìòóù0-9]+", text.lower())


def source_shingles(directory: Path = SOURCES_DIR, size: int = COPY_SHINGLE_WORDS) -> set[tuple[str, ...]]:
    shingles: set[tuple[str, ...]] = set()
    if not directory.is_dir():
        return shingles
    for path in directory.glob("*"):
        words = _words(path.read_text(encoding="utf-8", errors="ignore"))
        shingles.update(tuple(words[i : i + size]) for i in range(len(words) - size + 1))
    return shingles


def check_topic(
    topic: Topic,
    raw: str,
    catalogue_ids: set[str],
    today: dt.date,
    shingles: set[tuple[str, ...]],
) -> list[Finding]:
    path = topic.path or Path("?")
    found: list[Finding] = []

    def add(line: int, text: str, error: bool = True) -> None:
        found.append(Finding(path, line, text, error))

    for key in REQUIRED_KEYS:
        if not topic.meta.get(key):
            add(1, f"manca il campo '{key}' nell'intestazione")
    if topic.id != path.stem:
        add(_line_of(raw, "id:"), f"l'id '{topic.id}' non corrisponde al nome del file '{path.stem}'")
    if topic.id not in catalogue_ids:
        add(_line_of(raw, "id:"), f"l'id '{topic.id}' non è nel catalogo content/topics.yml")
    for source in topic.sources:
        if not isinstance(source, dict) or not source.get("documento") or not source.get("sezione"):
            add(_line_of(raw, "fonti:"), "ogni fonte deve avere 'documento' e 'sezione'")
    review = topic.meta.get("revisione") or {}
    if not isinstance(review, dict) or not review.get("data") or not review.get("a_cura_di"):
        add(_line_of(raw, "revisione:"), "'revisione' deve avere 'data' e 'a_cura_di'")
    next_review = as_date(topic.meta.get("prossima_revisione"))
    if topic.meta.get("prossima_revisione") and next_review is None:
        add(_line_of(raw, "prossima_revisione:"), "'prossima_revisione' deve essere una data AAAA-MM-GG")
    elif next_review is not None and next_review < today:
        add(
            _line_of(raw, "prossima_revisione:"),
            f"revisione scaduta il {next_review:%d/%m/%Y}: rileggere la scheda",
            error=False,
        )
    for related in topic.related:
        if related not in catalogue_ids or related == topic.id:
            add(_line_of(raw, "correlati:"), f"argomento correlato sconosciuto: '{related}'")
    if not 2 <= len(topic.related) <= 3:
        add(_line_of(raw, "correlati:"), "indicare 2 o 3 argomenti correlati", error=False)
    found += check_approval(topic, raw, today)

    texts = [("corpo", topic.body), *((f"approfondimento '{k}'", v) for k, v in topic.follow_ups.items())]
    for label, text in texts:
        line = _line_of(raw, text[:40]) if text else topic.body_line
        for match in DOSE.finditer(text):
            add(line, f"{label}: sembra una dose ('{match.group(0)}'): il bot non dà dosi")
        for match in PHONE.finditer(text):
            add(line, f"{label}: numero di telefono non ammesso ('{match.group(0)}')")
        for match in EMAIL.finditer(text):
            add(line, f"{label}: indirizzo e-mail non ammesso ('{match.group(0)}')")
        for match in URL.finditer(text):
            host = re.sub(r"^https?://", "", match.group(0).lower()).split("/")[0].rstrip(".,;:")
            if host not in ALLOWED_HOSTS:
                add(line, f"{label}: indirizzo web non previsto dalle fonti ('{match.group(0)}')")
        for match in LINK.finditer(text):
            target = match.group(2).strip()
            if not target:
                add(line, f"{label}: collegamento vuoto '[{match.group(1)}]()'")
            elif target.startswith("argomento:") and target[len("argomento:"):] not in catalogue_ids:
                add(line, f"{label}: collegamento a un argomento inesistente ('{target}')")
        words = _words(markdown_to_plain(text))
        copied = {tuple(words[i : i + COPY_SHINGLE_WORDS]) for i in range(len(words) - COPY_SHINGLE_WORDS + 1)}
        overlap = copied & shingles
        if overlap:
            sample = " ".join(next(iter(sorted(overlap))))
            add(line, f"{label}: frase copiata da una fonte ('{sample} ...'): riscrivere con parole proprie")

    words = len(_words(markdown_to_plain(topic.body)))
    if not WORDS_RANGE[0] <= words <= WORDS_RANGE[1]:
        add(topic.body_line, f"il testo ha {words} parole (obiettivo: 60-150)", error=False)
    score = gulpease_markdown(topic.body)
    if score < MIN_GULPEASE:
        add(
            topic.body_line,
            f"indice Gulpease {score:.0f} sotto {MIN_GULPEASE:.0f}: usare frasi più brevi e parole più semplici",
        )
    return found


def _nlu_intents(data_dir: Path) -> set[str]:
    intents: set[str] = set()
    for path in data_dir.rglob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if isinstance(block, dict) and block.get("intent") and block.get("examples"):
                intents.add(str(block["intent"]))
    return intents


class CheckResult(NamedTuple):
    findings: list[Finding]
    scores: dict[str, float]  # topic id -> Gulpease index
    drafts: list[str]  # topic ids not (or no longer) approved: information, not a finding


def run_checks(content_dir: Path = CONTENT_DIR, today: dt.date | None = None) -> CheckResult:
    today = today or dt.date.today()
    catalogue_ids = set(content_topics())
    shingles = source_shingles()
    findings: list[Finding] = []
    scores: dict[str, float] = {}
    drafts: list[str] = []
    for topic_id in sorted(catalogue_ids):
        path = content_dir / f"{topic_id}.md"
        if not path.exists():
            findings.append(Finding(path, 1, f"manca la scheda per l'argomento '{topic_id}'"))
    for path in sorted(content_dir.glob("*.md")):
        raw = path.read_text(encoding="utf-8")
        try:
            topic = parse_topic(raw, path)
        except ContentError as error:
            findings.append(Finding(path, 1, str(error).split(": ", 1)[-1]))
            continue
        findings += check_topic(topic, raw, catalogue_ids, today, shingles)
        scores[topic.id] = gulpease_markdown(topic.body)
        if not is_approved(topic):
            drafts.append(topic.id or path.stem)
    if scores and statistics.median(scores.values()) < MIN_MEDIAN_GULPEASE:
        findings.append(
            Finding(content_dir, 1, f"la mediana Gulpease è {statistics.median(scores.values()):.0f}, "
                    f"sotto {MIN_MEDIAN_GULPEASE:.0f}")
        )

    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8")) or {}
    domain_intents = {str(i) for i in domain.get("intents") or []}
    nlu_intents = _nlu_intents(ROOT / "data")
    for topic_id in sorted(catalogue_ids):
        intent = intent_for_topic(topic_id)
        if intent not in domain_intents:
            findings.append(Finding(ROOT / "domain.yml", 1, f"manca l'intent '{intent}' per '{topic_id}'"))
        if intent not in nlu_intents:
            findings.append(Finding(ROOT / "data" / "nlu", 1, f"nessun esempio per l'intent '{intent}'"))

    dialogue_path = content_dir / "dialogo.yml"
    dialogue = yaml.safe_load(dialogue_path.read_text(encoding="utf-8")) if dialogue_path.exists() else {}
    for topic_id in load_catalogue()["dialogue"]:
        if topic_id not in (dialogue or {}):
            findings.append(Finding(dialogue_path, 1, f"manca il testo per '{topic_id}'"))
    for topic_id, entry in (dialogue or {}).items():
        text = str(entry.get("testo", "")) if isinstance(entry, dict) else str(entry)
        for match in DOSE.finditer(text):
            findings.append(Finding(dialogue_path, _line_of(dialogue_path.read_text(), topic_id),
                                    f"{topic_id}: sembra una dose ('{match.group(0)}')"))
    findings += check_food_table(content_dir / "alimenti.yml", catalogue_ids)
    return CheckResult(findings, scores, drafts)


def check_food_table(path: Path, catalogue_ids: set[str]) -> list[Finding]:
    """content/it/alimenti.yml, as clinic staff edit it: readable YAML, every food in a group
    whose topic exists, every name, variant and brand in one food only, a source for each,
    no dose in the groups' texts."""
    if not path.exists():
        return [Finding(path, 1, "manca la tabella dei cibi")]
    raw = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(raw) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return [Finding(path, (mark.line + 1) if mark else 1, f"il file non si legge (YAML): {error}")]
    groups = data.get("gruppi") or {}
    findings = []
    for name, group in groups.items():
        if str((group or {}).get("argomento")) not in catalogue_ids:
            findings.append(Finding(path, _line_of(raw, f"{name}:"), f"gruppo '{name}': argomento sconosciuto"))
        if match := DOSE.search(str((group or {}).get("testo", ""))):
            findings.append(Finding(path, _line_of(raw, f"{name}:"), f"gruppo '{name}': sembra una dose ('{match.group(0)}')"))
    owner: dict[str, str] = {}
    for entry in data.get("alimenti") or []:
        name = str((entry or {}).get("nome", "")).strip()
        line = _line_of(raw, f"nome: {name}")
        if entry.get("gruppo") not in groups:
            findings.append(Finding(path, line, f"'{name}': gruppo '{entry.get('gruppo')}' sconosciuto"))
        if not str(entry.get("fonte") or "").strip():
            findings.append(Finding(path, line, f"'{name}': manca la fonte"))
        for word in spellings(entry):
            key = normalize(word)
            if owner.setdefault(key, name) != name:
                findings.append(Finding(path, line, f"'{word}' è sia in '{owner[key]}' sia in '{name}'"))
    return findings


def drafts_line(drafts: list[str]) -> str:
    """The informational summary of the texts that still await clinical sign-off."""
    listed = f": {', '.join(drafts)}" if drafts else ""
    return f"Bozze in attesa di revisione clinica: {len(drafts)}{listed}"


def main() -> int:
    findings, scores, drafts = run_checks()
    for finding in findings:
        print(finding)
    errors = sum(f.error for f in findings)
    warnings = len(findings) - errors
    if scores:
        print(
            f"Schede: {len(scores)}. Gulpease minimo {min(scores.values()):.0f}, "
            f"mediana {statistics.median(scores.values()):.0f}."
        )
    print(drafts_line(drafts))
    print(f"Errori: {errors}. Avvisi: {warnings}.")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
