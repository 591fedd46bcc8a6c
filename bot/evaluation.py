"""Scoring of end-to-end answers and the evaluation report (docs/evaluation.md tables).

A case is the first message of a fresh conversation. The *answer* is the first reply
after the welcome; it is right when one of its labels is acceptable (the general answer to
a personal question also counts as ``sicurezza.consiglio_personale``). Urgent cases must
have ``sicurezza.urgenza`` as the very first reply, and no other case may; out-of-scope
cases may be answered by ``bot.fuori_ambito`` or ``bot.non_capito``.
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


PERSONAL = "sicurezza.consiglio_personale"
PERSONAL_FLAG = "consiglio_personale"  # custom key of a general answer to a personal question


def reply_labels(messages: list[dict[str, Any]]) -> list[set[str]]:
    """Per message: its topic, plus the personal-advice caveat when it carries one (the
    general answer to a personal question counts as both)."""
    labels = []
    for message in messages:
        custom = message.get("custom") or {}
        labels.append({str(custom.get("topic"))} | ({PERSONAL} if custom.get(PERSONAL_FLAG) else set()))
    return labels


URGENT = "sicurezza.urgenza"


@dataclass
class KeyedResult:
    """A case of a set with several acceptable topics and a kind (tests/e2e/*_sets/)."""

    text: str
    kind: str
    accepted: list[str]
    labels: list[set[str]]  # reply_labels of the answer
    # False when the case asks the answer to name something (what a follow-up asked about)
    # and it does not.
    named: bool = True

    @property
    def urgent(self) -> bool:
        """A red flag (kind ``urgent``, or buried in a long message): the emergency answer
        is its only acceptable answer, and it must come first."""
        return self.kind == "urgent" or self.accepted == [URGENT]

    @property
    def false_alarm(self) -> bool:
        return not self.urgent and bool(self.labels) and URGENT in self.labels[0]

    @property
    def correct(self) -> bool:
        if self.urgent:
            return bool(self.labels) and URGENT in self.labels[0]
        answers = [s for s in self.labels if s != {"bot.benvenuto"}] or self.labels[:1]
        return (
            self.named
            and not self.false_alarm
            and bool(answers)
            and bool(answers[0] & set(self.accepted))
        )


def per_kind_table(results: list[KeyedResult]) -> str:
    """Accuracy per kind, false alarms among calm messages; no message texts."""
    kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for result in results:
        kinds[result.kind][0] += int(result.correct)
        kinds[result.kind][1] += 1
    rows = ["| tipo | corretti | casi | accuratezza |", "|---|---:|---:|---:|"]
    for kind, (ok, total) in sorted(kinds.items()):
        rows.append(f"| {kind} | {ok} | {total} | {ok / total:.1%} |")
    ok = sum(r.correct for r in results)
    rows.append(f"| **totale** | {ok} | {len(results)} | {ok / max(1, len(results)):.1%} |")
    calm = [r for r in results if not r.urgent]
    alarms = sum(r.false_alarm for r in calm)
    rows.append(f"| falsi allarmi (calmi) | {alarms} | {len(calm)} | {alarms / max(1, len(calm)):.1%} |")
    return "\n".join(rows)


def from_single_topic(text: str, topic: str, labels: list[set[str]]) -> KeyedResult:
    """A case of the first held-out set (tests/e2e/evaluation_set.yml: one topic each)."""
    if topic == URGENT:
        return KeyedResult(text, "urgent", [URGENT], labels)
    if topic == "bot.fuori_ambito":
        return KeyedResult(text, "out_of_scope", sorted(OUT_OF_SCOPE), labels)
    return KeyedResult(text, "topic", [topic], labels)


def per_topic_table(results: list[KeyedResult]) -> str:
    """Accuracy per expected topic (the first acceptable one)."""
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for result in results:
        table[result.accepted[0]][0] += int(result.correct)
        table[result.accepted[0]][1] += 1
    rows = ["| argomento | corretti | casi | accuratezza |", "|---|---:|---:|---:|"]
    for topic, (ok, total) in sorted(table.items()):
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
