"""Italian texts of the reminders. Plain and kind; never medical advice.

The reminder message is written by clinic staff in content/it/promemoria.yml and read
when it is sent, so an edit changes the next reminder without a restart: one of
``avviso_anticipo``, ``avviso_domani``, ``avviso_oggi``, ``avviso_scaduto`` (with
``{giorni}``, ``{data}``, ``{esami}``, the last from ``nomi_esami``), then
``avviso_come_rispondere``.
"""

from __future__ import annotations

from datetime import date

from bot.content import ContentStore
from bot.reminders.dates import italian_date

TOPIC_AVVISO = "promemoria.avviso"

CALENDAR_SUMMARIES: dict[str, str] = {
    "fosfato_6m": "Esami del metabolismo del fosfato (ogni 6 mesi)",
    "completo_12m": "Esami completi del metabolismo fosfo-calcico (ogni 12 mesi)",
}

CALENDAR_DESCRIPTION = (
    "Promemoria dell'assistente per la calcinosi tumorale: è il momento di prenotare "
    "gli esami di controllo con il tuo centro di riferimento. "
    "Questo promemoria non sostituisce le indicazioni del tuo medico."
)


def _notice_key(days: int) -> str:
    """The promemoria.yml key of the reminder sent ``days`` days before the due date."""
    if days < 0:
        return "avviso_scaduto"
    if days == 0:
        return "avviso_oggi"
    return "avviso_domani" if days == 1 else "avviso_anticipo"


def reminder_text(content: ContentStore, kind: str, due: date, today: date) -> str:
    """The reminder message for ``kind`` due on ``due``, as seen on ``today``."""
    texts = content.texts("promemoria")
    days = (due - today).days
    notice = str(texts[_notice_key(days)]).format(
        giorni=days, data=italian_date(due), esami=texts["nomi_esami"][kind]
    )
    return f"{notice.strip()}\n{str(texts['avviso_come_rispondere']).strip()}"
