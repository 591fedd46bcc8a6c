"""What the bot says and stores in the reminder conversation (pure logic over a
:class:`ReminderStore`, no Rasa imports; the Rasa actions in ``actions/`` only call it).

Two parts:

* the **sign-up** steps used by ``promemoria_form`` (consent, then the dates of the last
  tests): the questions, reading a date answer, saving consent and dates together;
* the **one-turn commands** answered by ``action_rispondi``: next tests, calendar, done,
  snooze, stop, delete.

Protocol (read by other tools): every message carries ``custom.topic`` from the
``reminders`` section of the catalogue; each question carries ``custom.asks`` in
{consenso, data_esami_6m, data_esami_12m}; ``promemoria.attivato`` and
``promemoria.prossimi`` carry ``custom.next_due`` = {"fosfato_6m": ISO, "completo_12m": ISO}.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.answers import OFFER_SLOT, Reply, Turn, message
from bot.content import ContentStore
from bot.reminders.config import sms_enabled
from bot.reminders.dates import MONTH_NAMES, italian_date, parse_italian_date
from bot.reminders.schedule import ROME, is_overdue
from bot.reminders.store import ReminderStore

WEB_CHANNEL = "rest"  # the chat page: the only place where a number for SMS can be given
KINDS = ("fosfato_6m", "completo_12m")
ASKS_FOR_KIND = {"fosfato_6m": "data_esami_6m", "completo_12m": "data_esami_12m"}
KIND_FOR_ASKS = {v: k for k, v in ASKS_FOR_KIND.items()}
# What the user may write instead of a date to give up the sign-up.
CANCEL = re.compile(r"\bannull|\blascia (perdere|stare)\b|\bbasta\b")
# "voglio il promemoria, gli ultimi esami li ho fatti il 12 marzo": asked for reminders.
ASKS_REMINDERS = re.compile(r"\b(?:voglio|vorrei|attiva\w*|avvisami|ricordami|iscrivimi)\b")
SNOOZE = re.compile(r"(\d+|un[ao]?|due|tre|quattro)\s+(giorn[oi]|settiman[ae])")
NUMBER_WORDS = {"un": 1, "una": 1, "uno": 1, "due": 2, "tre": 3, "quattro": 4}
YES_NO_BUTTONS = [{"title": "Sì", "payload": "/affermazione"}, {"title": "No", "payload": "/negazione"}]


# Always answered by the rules, never taken as a date: emergency, deletion, stop.
NEVER_AN_ANSWER = frozenset({"urgenza", "dati_cancella", "promemoria_stop"})
# Taken as an attempt to answer the date question, even without a readable date.
ANSWER_INTENTS = frozenset(
    {"data", "affermazione", "negazione", "promemoria_fatto", "promemoria_attiva", "nlu_fallback"}
)


def takes_as_date_answer(intent: str, text: str, today: dt.date) -> bool:
    """Whether a message sent while a date is asked is the answer (else it is answered as
    what it is, and the date is asked again). Any other intent (a question about the
    diet, help, privacy...) is an answer only when it holds a date and asks nothing."""
    if intent in NEVER_AN_ANSWER:
        return False
    if intent in ANSWER_INTENTS:
        return True
    return "?" not in text and parse_italian_date(text, today).status != "none"


def month_and_year(month: int, year: int) -> str:
    return f"{MONTH_NAMES[month - 1]} {year}"


def today_in_rome() -> dt.date:
    return dt.datetime.now(ROME).date()


@dataclass(frozen=True)
class DateReading:
    """A date answer read for one question of the form.

    ``value`` is the ISO date when it was taken; otherwise ``note`` says why not
    (``{"asks", "problema", ...}``) for the question asked next.
    """

    value: str | None = None
    note: dict[str, Any] | None = None


class ReminderDialogue:
    def __init__(
        self,
        store: ReminderStore,
        content: ContentStore | None = None,
        today: Callable[[], dt.date] = today_in_rome,
    ) -> None:
        self.store = store
        self.content = content or ContentStore()
        self.today = today

    @classmethod
    def from_environment(cls) -> ReminderDialogue:
        from bot.reminders.db import default_url, make_engine

        return cls(ReminderStore(make_engine(os.environ.get("CALCINOSI_DB_URL") or default_url())))

    # -- helpers -----------------------------------------------------------------------

    def text(self, key: str, **values: Any) -> str:
        return str(self.content.texts("promemoria")[key]).format(**values).strip()

    def _due_payload(self, due: dict[str, dt.date]) -> dict[str, str]:
        return {kind: due[kind].isoformat() for kind in KINDS if kind in due}

    def _due_text(self, key: str, due: dict[str, dt.date], **extra: Any) -> str:
        lines = [
            self.text(
                key,
                data_6m=italian_date(due["fosfato_6m"]),
                data_12m=italian_date(due["completo_12m"]),
                **extra,
            )
        ]
        names = self.content.texts("promemoria").get("nomi_esami", {})
        for kind in KINDS:
            if is_overdue(due[kind], self.today()):
                lines.append(
                    self.text("in_ritardo", esami=names.get(kind, kind), data=italian_date(due[kind]))
                )
        return "\n\n".join(lines)

    def complete_due(self, channel: str, sender: str) -> dict[str, dt.date] | None:
        """Both due dates of a subscriber who gave them, else None."""
        due = self.store.next_due(channel, sender)
        return due if all(kind in due for kind in KINDS) else None

    # -- sign-up (promemoria_form) -----------------------------------------------------

    def consent_question(self) -> dict[str, Any]:
        return message("promemoria.attiva", self.text("consenso"), YES_NO_BUTTONS, asks="consenso")

    def date_question(self, asks: str, note: dict[str, Any] | None = None) -> dict[str, Any]:
        """The question for ``asks``; after a date that was not taken, why and what to write."""
        key = f"chiedi_{asks}"
        values: dict[str, Any] = {}
        if note and note.get("asks") == asks and note.get("problema"):
            key = str(note["problema"])
            values = {k: v for k, v in note.items() if k in ("data", "mese")}
        return message("promemoria.chiedi_data", self.text(key, **values), asks=asks)

    @staticmethod
    def is_cancel(text: str) -> bool:
        return bool(CANCEL.search(text.lower()))

    def read_date(self, text: str, asks: str, note: dict[str, Any] | None = None) -> DateReading:
        """Reads the answer to the date question ``asks`` (a month named before without
        a day is in ``note``)."""
        today = self.today()
        month = note.get("mese_numero") if note and note.get("asks") == asks else None
        hint = (int(month[1]), int(month[0])) if month else None
        answer = parse_italian_date(text, today, month_hint=hint)
        if answer.status == "ok" and answer.value is not None:
            return DateReading(value=answer.value.isoformat())
        problem: dict[str, Any] = {"asks": asks, "problema": "data_non_capita"}
        if answer.status == "future" and answer.value is not None:
            problem.update(problema="data_futura", data=italian_date(answer.value))
        elif answer.status == "future" and answer.month:
            problem.update(problema="data_futura", data=month_and_year(answer.month, answer.year or today.year))
        elif answer.status == "need_day" and answer.month:
            year = answer.year or today.year
            problem.update(
                problema="chiedi_giorno",
                mese=month_and_year(answer.month, year),
                mese_numero=[year, answer.month],
            )
        elif answer.status == "invalid":
            problem["problema"] = "data_impossibile"
        return DateReading(note=problem)

    def activate(self, channel: str, sender: str, dates: dict[str, str]) -> dict[str, Any]:
        """Saves consent and the dates of the last tests together; the confirmation."""
        version = str(self.content.texts("promemoria").get("versione_consenso", ""))
        last_done = {kind: dt.date.fromisoformat(dates[kind]) for kind in KINDS}
        self.store.subscribe(channel, sender, version, last_done=last_done)
        due = self.store.next_due(channel, sender)
        extra = {"sms": self.sms_offer()} if channel == WEB_CHANNEL and sms_enabled() else {}
        return message(
            "promemoria.attivato",
            self._due_text("attivato", due),
            next_due=self._due_payload(due),
            **extra,
        )

    def sms_offer(self) -> dict[str, str]:
        """What the web page shows under the confirmation: the SMS question and consent."""
        return {"domanda": self.text("sms_offerta"), "consenso": self.text("sms_consenso")}

    def already_active(self, channel: str, sender: str) -> dict[str, Any] | None:
        """What to say to a subscriber who asks to sign up again, or None if not one."""
        due = self.complete_due(channel, sender)
        if due is None:
            return None
        text = self.text("gia_attivo") + "\n\n" + self._due_text("prossimi", due)
        return message("promemoria.prossimi", text, next_due=self._due_payload(due))

    def refused(self) -> dict[str, Any]:
        return message("promemoria.disattivato", self.text("consenso_negato"))

    def interrupted(self) -> dict[str, Any]:
        """The sign-up stopped before the end: nothing was stored."""
        return message("promemoria.disattivato", self.text("interrotto"))

    def stop_sign_up(self, channel: str, sender: str) -> dict[str, Any]:
        """"Stop" during the sign-up: no reminder stays active, nothing is kept."""
        self.store.delete_user(channel, sender)
        return self.interrupted()

    # -- one-turn commands (action_rispondi) -------------------------------------------

    def handle(self, turn: Turn) -> Reply | None:
        """The reply when the message is a reminder command, else None."""
        if turn.slots.get(OFFER_SLOT) and turn.intent == "negazione":
            return Reply(messages=[self.refused()])
        handlers: dict[str, Callable[[Turn], Reply]] = {
            "promemoria_prossimi": self._next,
            "calendario": self._next,
            "promemoria_fatto": self._done,
            "promemoria_rimanda": self._snooze,
            "promemoria_stop": self._stop,
            "dati_cancella": self._delete,
        }
        handler = handlers.get(turn.intent)
        return handler(turn) if handler else None

    def _not_subscribed(self, topic: str = "promemoria.prossimi") -> Reply:
        """No reminders yet: the general intervals, and the offer (under the command's topic)."""
        return Reply(
            messages=[message(topic, self.text("non_iscritto"), YES_NO_BUTTONS)],
            slots={OFFER_SLOT: True},
        )

    def _next(self, turn: Turn) -> Reply:
        due = self.complete_due(turn.channel, turn.sender)
        if due is None:
            return self._not_subscribed()
        extra: dict[str, Any] = {}
        text = self._due_text("prossimi", due)
        if turn.intent == "calendario":
            extra["ics"] = True
            text += "\n\n" + self.text("calendario")
        return Reply(
            messages=[message("promemoria.prossimi", text, next_due=self._due_payload(due), **extra)]
        )

    def _done(self, turn: Turn) -> Reply:
        due = self.complete_due(turn.channel, turn.sender)
        if due is None:  # the offer; a consent question when reminders were asked for
            asked = ASKS_REMINDERS.search(turn.text.lower()) is not None
            return self._not_subscribed("promemoria.attiva" if asked else "promemoria.fatto")
        today = self.today()
        answer = parse_italian_date(turn.text, today)
        if answer.status == "future" and answer.value is not None:
            text = self.text("data_futura", data=italian_date(answer.value))
            return Reply(messages=[message("promemoria.fatto", text)])
        done_on = answer.value if answer.status == "ok" and answer.value else today
        # Which tests were done: the store's one rule (those whose reminders are running).
        self.store.mark_done(turn.channel, turn.sender, done_on)
        due = self.store.next_due(turn.channel, turn.sender)
        text = self._due_text("fatto", due, data=italian_date(done_on))
        return Reply(messages=[message("promemoria.fatto", text, next_due=self._due_payload(due))])

    def _snooze(self, turn: Turn) -> Reply:
        if not self.store.is_subscribed(turn.channel, turn.sender):
            return self._not_subscribed("promemoria.rimandato")
        days = 7
        found = SNOOZE.search(turn.text.lower())
        if found:
            amount = found.group(1)
            count = int(amount) if amount.isdigit() else NUMBER_WORDS.get(amount, 1)
            days = count * (7 if found.group(2).startswith("settiman") else 1)
        days = max(1, min(days, 60))
        self.store.snooze(turn.channel, turn.sender, days)
        until = self.today() + dt.timedelta(days=days)
        text = self.text("rimandato", giorni=days, data=italian_date(until))
        return Reply(messages=[message("promemoria.rimandato", text)])

    def _stop(self, turn: Turn) -> Reply:
        was_active = self.store.delete_user(turn.channel, turn.sender)
        key = "disattivato" if was_active else "non_attivo"
        return Reply(messages=[message("promemoria.disattivato", self.text(key))])

    def _delete(self, turn: Turn) -> Reply:
        self.store.delete_user(turn.channel, turn.sender)
        return Reply(
            messages=[message("promemoria.dati_cancellati", self.text("dati_cancellati"))],
            slots={"ultimo_argomento": None},
            forget_conversation=True,
        )
