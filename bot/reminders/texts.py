"""Italian texts of the reminders. Plain and kind; never medical advice."""

from __future__ import annotations

from datetime import date

from bot.reminders.schedule import months_for

TOPIC_AVVISO = "promemoria.avviso"

# What the tests are, without article ("il momento degli <label>").
KIND_LABELS: dict[str, str] = {
    "fosfato_6m": "esami del metabolismo del fosfato",
    "completo_12m": "esami completi del metabolismo fosfo-calcico",
}

CALENDAR_SUMMARIES: dict[str, str] = {
    "fosfato_6m": "Esami del metabolismo del fosfato (ogni 6 mesi)",
    "completo_12m": "Esami completi del metabolismo fosfo-calcico (ogni 12 mesi)",
}

CALENDAR_DESCRIPTION = (
    "Promemoria dell'assistente per la calcinosi tumorale: è il momento di prenotare "
    "gli esami di controllo con il tuo centro di riferimento. "
    "Questo promemoria non sostituisce le indicazioni del tuo medico."
)

HOW_TO_ANSWER = (
    "Se li hai già fatti, scrivimi «fatto» e aggiorno il prossimo promemoria. "
    "Puoi anche scrivere «rimanda» e te lo ricordo tra una settimana, "
    "oppure «stop» per non ricevere più promemoria. "
    "Per prenotare o per dubbi sugli esami rivolgiti al tuo centro di riferimento."
)


def format_date(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def kind_label(kind: str) -> str:
    return f"{KIND_LABELS[kind]} (il controllo che si fa ogni {months_for(kind)} mesi)"


def reminder_text(kind: str, due: date, today: date) -> str:
    """The reminder message for ``kind`` due on ``due``, as seen on ``today``."""
    label = kind_label(kind)
    days = (due - today).days
    if days < 0:
        first = (
            f"Promemoria: gli {label} erano previsti entro il {format_date(due)}. "
            "Se non li hai ancora fatti, puoi prenotarli appena ti è possibile."
        )
    else:
        if days > 1:
            when = f"tra {days} giorni (entro il {format_date(due)})"
        elif days == 1:
            when = f"domani ({format_date(due)})"
        else:
            when = f"oggi ({format_date(due)})"
        first = f"Promemoria: {when} è il momento degli {label}."
    return f"{first}\n{HOW_TO_ANSWER}"
