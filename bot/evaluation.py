"""Scoring of end-to-end answers and the evaluation report (docs/evaluation.md tables).

A case is the first message of a fresh conversation. The *answer* is the first reply
after the welcome. Urgent cases must have ``sicurezza.urgenza`` as the very first reply;
out-of-scope cases may be answered by ``bot.fuori_ambito`` or ``bot.non_capito``.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OUT_OF_SCOPE = {"bot.fuori_ambito", "bot.non_capito"}


def reply_topics(messages: list[dict[str, Any]]) -> list[str]:
    return [str((m.get("custom") or {}).get("topic")) for m in messages]


def answer_topic(topics: list[str]) -> str | None:
    rest = [t for t in topics if t != "bot.benvenuto"]
    return rest[0] if rest else (topics[0] if topics else None)


def is_correct(expected: str, topics: list[str]) -> bool:
    if expected == "sicurezza.urgenza":
        return bool(topics) and topics[0] == expected
    got = answer_topic(topics)
    if expected == "bot.fuori_ambito":
        return got in OUT_OF_SCOPE
    return got == expected


@dataclass
class Result:
    text: str
    expected: str
    topics: list[str]

    @property
    def correct(self) -> bool:
        return is_correct(self.expected, self.topics)


def per_topic(results: list[Result]) -> dict[str, tuple[int, int]]:
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for result in results:
        table[result.expected][0] += int(result.correct)
        table[result.expected][1] += 1
    return {topic: (ok, total) for topic, (ok, total) in sorted(table.items())}


def markdown_table(results: list[Result]) -> str:
    rows = ["| argomento | corretti | casi | accuratezza |", "|---|---:|---:|---:|"]
    for topic, (ok, total) in per_topic(results).items():
        rows.append(f"| {topic} | {ok} | {total} | {ok / total:.0%} |")
    ok = sum(r.correct for r in results)
    rows.append(f"| **totale** | {ok} | {len(results)} | {ok / max(1, len(results)):.1%} |")
    return "\n".join(rows)


def cv_report(directory: Path) -> str:
    """Summary table of `rasa test nlu --cross-validation` (intent_report.json or log)."""
    report_path = next(iter(sorted(directory.rglob("*intent_report.json"))), None)
    if report_path is None:
        return "Nessun report di cross-validation trovato."
    report = json.loads(report_path.read_text())
    rows = ["| intent | precisione | richiamo | F1 | esempi |", "|---|---:|---:|---:|---:|"]
    for intent, values in sorted(report.items()):
        if isinstance(values, dict) and "f1-score" in values and "support" in values:
            rows.append(
                f"| {intent} | {values['precision']:.2f} | {values['recall']:.2f} | "
                f"{values['f1-score']:.2f} | {values['support']} |"
            )
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "cv-report":
        table = cv_report(Path(argv[1]))
        out = Path(argv[1]) / "cv_table.md"
        out.write_text(table + "\n", encoding="utf-8")
        print(table)
        return 0
    print("uso: python -m bot.evaluation cv-report <cartella>", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
