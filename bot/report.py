"""``python -m bot report``: one self-contained HTML page, in Italian, for the clinic staff.

It shows the assistant's messages per topic per week, the share of questions it did not
understand (``bot.non_capito``) or asked to clarify (``bot.chiarimento``), how useful the
answers were (votes, :mod:`bot.feedback`), the urgent answers per week
(``sicurezza.urgenza``) and the questions not understood during the retention period,
with personal data masked (:mod:`bot.masking`). Every chart is an inline PNG with a text
alternative and is followed by the table of its numbers. Nothing identifies a person or
a conversation, but the masked questions are still for the staff only.
"""

from __future__ import annotations

import html
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Final

from sqlalchemy.engine import Engine

from bot import report_charts as charts
from bot.feedback import VoteCount, vote_counts
from bot.reminders.db import make_engine
from bot.reminders.schedule import ROME
from bot.report_data import (
    CLARIFICATION,
    FALLBACK,
    URGENT,
    Activity,
    last_weeks,
    read_messages,
    summarise,
    week_start,
)
from bot.settings import DEFAULT_RETENTION_DAYS, VAR_DIR, load_settings
from bot.topics import content_topics
from bot.tracker_events import tracker_engine

DEFAULT_WEEKS: Final = 12
TOP_TOPICS: Final = 7  # topics drawn in their own colour; the rest together
OTHERS: Final = "Altri argomenti"

STYLE: Final = """
body{font-family:system-ui,"DejaVu Sans",sans-serif;line-height:1.5;color:#1a1a1a;
background:#fff;margin:0 auto;max-width:64rem;padding:1rem 1.25rem 3rem}
h1{font-size:1.7rem;margin-bottom:.25rem}
h2{font-size:1.3rem;margin-top:2.5rem;padding-top:1rem;border-top:2px solid #d0d7de}
img{max-width:100%;height:auto}
figure{margin:1rem 0}
figcaption{font-size:.95rem;color:#333}
.scroll{overflow-x:auto;max-width:100%}
.scroll:focus{outline:3px solid #0072B2;outline-offset:2px}
table{border-collapse:collapse;margin:.75rem 0}
caption{text-align:left;font-weight:bold;padding:.3rem 0}
th,td{border:1px solid #b8c0c8;padding:.25rem .55rem;vertical-align:top}
td{text-align:right;font-variant-numeric:tabular-nums}
.text td:nth-child(2){text-align:left}
thead th{background:#eef2f7}
tbody th{text-align:left;font-weight:normal}
.note{background:#f6f8fa;border-left:4px solid #0072B2;padding:.5rem .75rem}
"""


@dataclass(frozen=True)
class ReportData:
    activity: Activity
    votes: dict[str, VoteCount]
    now: datetime  # Europe/Rome
    retention_days: int


# -- formatting --------------------------------------------------------------------


def _e(value: object) -> str:
    return html.escape(str(value))


def _day(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _week(day: date) -> str:
    return day.strftime("%d/%m")


def _percent(part: int, whole: int) -> str:
    return "–" if whole == 0 else f"{100 * part / whole:.1f}%".replace(".", ",")


def topic_label(topic: str) -> str:
    """The content topic's title, else its id."""
    return str(content_topics().get(topic, {}).get("title") or topic)


def _table(caption: str, header: Sequence[str], rows: Sequence[Sequence[object]],
           css_class: str = "") -> str:
    head = "".join(f'<th scope="col">{_e(cell)}</th>' for cell in header)
    body = "".join(
        f'<tr><th scope="row">{_e(row[0])}</th>'
        + "".join(f"<td>{_e(cell)}</td>" for cell in row[1:])
        + "</tr>"
        for row in rows
    )
    return (
        f'<div class="scroll" role="region" tabindex="0" aria-label="{_e(caption)}">'
        f'<table class="{css_class}"><caption>{_e(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _chart(src: str, alt: str, caption: str) -> str:
    return (
        f'<figure><img src="{src}" alt="{_e(alt)}">'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _section(anchor: str, title: str, *parts: str) -> str:
    return (
        f'<section aria-labelledby="{anchor}"><h2 id="{anchor}">{_e(title)}</h2>'
        + "".join(parts)
        + "</section>"
    )


def _p(text: str) -> str:
    return f"<p>{_e(text)}</p>"


# -- sections ------------------------------------------------------------------------


def _topics_section(activity: Activity) -> str:
    weeks = [_week(week) for week in activity.weeks]
    totals = {topic: sum(activity.per_week(topic)) for topic in activity.topics}
    ordered = sorted((t for t in totals if totals[t]), key=lambda t: (-totals[t], t))
    title = "Messaggi dell'assistente per argomento"
    if not ordered:
        return _section("argomenti", title, _p("Nessun messaggio nel periodo."))
    series = {topic_label(t): activity.per_week(t) for t in ordered[:TOP_TOPICS]}
    rest = ordered[TOP_TOPICS:]
    if rest:
        columns = zip(*(activity.per_week(t) for t in rest), strict=True)
        series[OTHERS] = [sum(column) for column in columns]
    top = ", ".join(f"{topic_label(t)} ({totals[t]})" for t in ordered[:3])
    alt = (
        f"Grafico a barre impilate: messaggi dell'assistente per settimana, dalla settimana "
        f"del {weeks[0]} a quella del {weeks[-1]}; {sum(totals.values())} messaggi in tutto. "
        f"Argomenti più frequenti: {top}. I numeri sono nella tabella che segue."
    )
    caption = "Messaggi per settimana, un colore per argomento"
    caption += f" (i {TOP_TOPICS} più frequenti; in grigio gli altri)." if rest else "."
    rows = [[topic_label(t), *activity.per_week(t), totals[t]] for t in ordered]
    return _section(
        "argomenti",
        title,
        _chart(charts.stacked_bars(weeks, series, "Messaggi"), alt, caption),
        _table("Messaggi per argomento e settimana (dal lunedì)",
               ["Argomento", *weeks, "Totale"], rows),
    )


def _count_or_none(count: int) -> str:
    return f"{count}" if count else "0 (nessuna)"


def _rates_section(activity: Activity) -> str:
    weeks = [_week(week) for week in activity.weeks]
    asked = [activity.questions[week] for week in activity.weeks]
    fallback, clarified = activity.per_week(FALLBACK), activity.per_week(CLARIFICATION)
    total_asked, total_fallback, total_clarified = sum(asked), sum(fallback), sum(clarified)
    clarifications = (
        f"{total_clarified} ({_percent(total_clarified, total_asked)})"
        if total_clarified
        else _count_or_none(0)
    )
    summary = (
        f"In tutto {total_asked} messaggi degli utenti: {total_fallback} non capiti "
        f"({_percent(total_fallback, total_asked)}); richieste di chiarimento: {clarifications}."
    )

    def share(part: Sequence[int]) -> list[float]:  # no point for a week without messages
        return [100 * p / q if q else float("nan") for p, q in zip(part, asked, strict=True)]

    chart = charts.lines(
        weeks, {"Non capite": share(fallback), "Chiarimenti": share(clarified)}, "% dei messaggi"
    )
    alt = (
        "Grafico a linee: percentuale dei messaggi degli utenti non capiti e di quelli a cui "
        f"l'assistente ha chiesto un chiarimento, per settimana. {summary} "
        "I numeri sono nella tabella che segue."
    )
    rows = [
        [week, q, f, _percent(f, q), _count_or_none(c), _percent(c, q)]
        for week, q, f, c in zip(weeks, asked, fallback, clarified, strict=True)
    ]
    header = ["Settimana", "Messaggi degli utenti", "Non capiti", "Quota non capiti",
              "Chiarimenti", "Quota chiarimenti"]
    return _section(
        "non-capite",
        "Domande non capite e richieste di chiarimento",
        _p(summary),
        _chart(chart, alt, "Quota settimanale di domande non capite e di chiarimenti."),
        _table("Domande non capite e chiarimenti per settimana", header, rows),
    )


def _votes_section(votes: dict[str, VoteCount]) -> str:
    title = "Utilità delle risposte"
    ordered = sorted(votes, key=lambda t: (-votes[t].total, topic_label(t)))
    if not ordered:
        return _section("utilita", title, _p("Nessun voto nel periodo."))
    labels = [topic_label(t) for t in ordered]
    useful = [votes[t].useful for t in ordered]
    not_useful = [votes[t].not_useful for t in ordered]
    chart = charts.horizontal_split(labels, useful, not_useful, ("Utile", "Non utile"))
    alt = (
        f"Grafico a barre orizzontali: voti «utile» e «non utile» per argomento; "
        f"{sum(useful)} utili e {sum(not_useful)} non utili in tutto. "
        "I numeri sono nella tabella che segue."
    )
    rows = [
        [label, votes[t].useful, votes[t].not_useful, votes[t].total,
         _percent(votes[t].useful, votes[t].total)]
        for label, t in zip(labels, ordered, strict=True)
    ]
    return _section(
        "utilita",
        title,
        _p("Alla fine di una risposta l'utente può dire se gli è stata utile."),
        _chart(chart, alt, "Voti per argomento."),
        _table("Voti per argomento", ["Argomento", "Utile", "Non utile", "Voti", "Quota utile"],
               rows),
    )


def _urgent_section(activity: Activity) -> str:
    weeks = [_week(week) for week in activity.weeks]
    urgent = activity.per_week(URGENT)
    summary = (
        f"Risposte urgenti (chiamare il 112 o andare al pronto soccorso): {sum(urgent)} "
        f"in {len(weeks)} settimane."
    )
    alt = f"Grafico a barre: risposte urgenti per settimana. {summary} I numeri sono nella tabella."
    return _section(
        "urgenti",
        "Risposte urgenti",
        _p(summary),
        _chart(charts.bars(weeks, urgent, "Risposte urgenti"), alt,
               "Risposte urgenti per settimana."),
        _table("Risposte urgenti per settimana", ["Settimana", "Risposte urgenti"],
               list(zip(weeks, urgent, strict=True))),
    )


def _unanswered_section(activity: Activity, days: int) -> str:
    title = f"Domande senza risposta (ultimi {days} giorni)"
    intro = _p(
        f"Domande degli ultimi {days} giorni a cui l'assistente ha risposto di non aver "
        "capito, dalla più frequente. Numeri, e-mail, telefoni e nomi sono mascherati."
    )
    if not activity.unanswered:
        return _section("senza-risposta", title, intro, _p("Nessuna domanda senza risposta."))
    rows = [
        [index, item.text, item.times, _day(item.last_day)]
        for index, item in enumerate(activity.unanswered, start=1)
    ]
    return _section(
        "senza-risposta",
        title,
        intro,
        _table("Domande senza risposta (testo mascherato)",
               ["N.", "Domanda", "Volte", "Ultima volta"], rows, "text"),
    )


def render(data: ReportData) -> str:
    activity = data.activity
    first, last = activity.weeks[0], data.now.date()
    generated = data.now.strftime("%d/%m/%Y alle %H:%M")
    body = "".join(
        (
            _topics_section(activity),
            _rates_section(activity),
            _votes_section(data.votes),
            _urgent_section(activity),
            _unanswered_section(activity, data.retention_days),
        )
    )
    return (
        '<!DOCTYPE html>\n<html lang="it"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Rapporto dell'assistente sulla calcinosi tumorale</title>"
        f"<style>{STYLE}</style></head><body><main>"
        "<h1>Rapporto dell'assistente sulla calcinosi tumorale</h1>"
        f"<p>Periodo: dal {_day(first)} al {_day(last)} ({len(activity.weeks)} settimane). "
        f"Generato il {generated} (ora italiana).</p>"
        '<p class="note">Solo numeri e domande con i dati personali mascherati: nessun '
        "nome utente, nessun identificativo di conversazione. Le conversazioni sono "
        f"conservate {data.retention_days} giorni dall'ultimo messaggio.</p>"
        f"{body}</main></body></html>\n"
    )


# -- entry points ----------------------------------------------------------------------


def collect(tracker: Engine, reminders: Engine, now: datetime, weeks: int,
            retention_days: int) -> ReportData:
    now = now.astimezone(ROME)
    week_list = last_weeks(now, weeks)
    questions_since = now - timedelta(days=retention_days)
    since = min(week_start(week_list[0]), questions_since)
    activity = summarise(read_messages(tracker, since), week_list, questions_since)
    votes = vote_counts(reminders, week_list[0], now.date())
    return ReportData(activity, votes, now, retention_days)


def build_report(tracker: Engine, reminders: Engine, now: datetime, weeks: int = DEFAULT_WEEKS,
                 retention_days: int = DEFAULT_RETENTION_DAYS) -> str:
    """The report's HTML, for the ``weeks`` weeks ending with the week of ``now``."""
    return render(collect(tracker, reminders, now, weeks, retention_days))


def report_command(out: str | None, weeks: int | None) -> int:
    """``python -m bot report [--out PATH] [--weeks N]``."""
    path = Path(out) if out else VAR_DIR / "report.html"
    weeks = DEFAULT_WEEKS if weeks is None else weeks
    try:
        settings = load_settings()
        tracker = tracker_engine(settings.tracker_url)
        reminders = make_engine(settings.reminders_db_url)
        try:
            page = build_report(
                tracker, reminders, datetime.now(ROME), weeks, settings.retention_days
            )
        finally:
            tracker.dispose()
            reminders.dispose()
    except ValueError as err:
        print(f"Errore: {err}", file=sys.stderr)
        return 2
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    print(f"Rapporto salvato in {path}")
    return 0
