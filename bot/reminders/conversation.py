"""The reminder conversation: consent, dates of the last tests, next tests, done, snooze,
stop, delete. Pure logic over a :class:`ReminderStore`; the Rasa action only calls it.

Protocol (read by other tools): every message carries ``custom.topic`` from the
``reminders`` section of the catalogue; each question carries ``custom.asks`` in
{consenso, data_esami_6m, data_esami_12m}; ``promemoria.attivato`` and
``promemoria.prossimi`` carry ``custom.next_due`` = {"fosfato_6m": ISO, "completo_12m": ISO}.

Nothing is stored before the user says yes: until then the answers live in the
conversation's slots (``in_attesa``, ``bozza_promemoria``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from bot.answers import Reply, Turn, message
from bot.content import ContentStore
from bot.reminders.dates import parse_italian_date
from bot.reminders.schedule import is_overdue
from bot.reminders.store import ReminderStore
from bot.topics import content_intents

ROME = ZoneInfo("Europe/Rome")
KINDS = ("fosfato_6m", "completo_12m")
ASKS_FOR_KIND = {"fosfato_6m": "data_esami_6m", "completo_12m": "data_esami_12m"}
KIND_FOR_ASKS = {v: k for k, v in ASKS_FOR_KIND.items()}
MONTHS = (
    "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre"
).split()
# A question about another topic asked this confidently ends a pending date question.
CHANGE_OF_TOPIC_CONFIDENCE = 0.6
SNOOZE = re.compile(r"(\d+|un[ao]?|due|tre|quattro)\s+(giorn[oi]|settiman[ae])")
NUMBER_WORDS = {"un": 1, "una": 1, "uno": 1, "due": 2, "tre": 3, "quattro": 4}
YES_NO_BUTTONS = [{"title": "Sì", "payload": "/affermazione"}, {"title": "No", "payload": "/negazione"}]


def italian_date(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def today_in_rome() -> dt.date:
    return dt.datetime.now(ROME).date()


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

    def _ask(self, topic: str, asks: str, text: str, buttons: list[dict[str, str]] | None = None) -> dict[str, Any]:
        return message(topic, text, buttons, asks=asks)

    def _ask_date(self, reply: Reply, asks: str, text: str, draft: dict[str, Any]) -> Reply:
        reply.messages.append(self._ask("promemoria.chiedi_data", asks, text))
        reply.slots.update({"in_attesa": asks, "bozza_promemoria": draft})
        return reply

    def _complete_due(self, turn: Turn) -> dict[str, dt.date] | None:
        """Both due dates of a subscriber who gave them, else None."""
        due = self.store.next_due(turn.channel, turn.sender)
        return due if all(kind in due for kind in KINDS) else None

    @staticmethod
    def _clear(reply: Reply) -> Reply:
        reply.slots.update({"in_attesa": None, "bozza_promemoria": None})
        return reply

    # -- entry point -------------------------------------------------------------------

    def handle(self, turn: Turn) -> Reply | None:
        """The reply when the message belongs to the reminder flow, else None."""
        pending = turn.slots.get("in_attesa")
        draft = dict(turn.slots.get("bozza_promemoria") or {})
        if pending == "consenso":
            return self._on_consent(turn)
        if pending in KIND_FOR_ASKS:
            return self._on_date(turn, str(pending), draft)
        if pending == "offerta" and turn.intent == "affermazione":
            return self._start(turn)
        handlers: dict[str, Callable[[Turn], Reply]] = {
            "promemoria_attiva": self._start,
            "promemoria_prossimi": self._next,
            "calendario": self._next,
            "promemoria_fatto": self._done,
            "promemoria_rimanda": self._snooze,
            "promemoria_stop": self._stop,
            "dati_cancella": self._delete,
        }
        handler = handlers.get(turn.intent)
        return handler(turn) if handler else None

    # -- steps -------------------------------------------------------------------------

    def _start(self, turn: Turn) -> Reply:
        reply = Reply()
        if self.store.is_subscribed(turn.channel, turn.sender):
            due = self._complete_due(turn)
            if due is not None:
                text = self.text("gia_attivo") + "\n\n" + self._due_text("prossimi", due)
                reply.messages.append(
                    message("promemoria.prossimi", text, next_due=self._due_payload(due))
                )
                return self._clear(reply)
            return self._ask_date(reply, "data_esami_6m", self.text("chiedi_data_esami_6m"), {})
        reply.messages.append(
            self._ask("promemoria.attiva", "consenso", self.text("consenso"), YES_NO_BUTTONS)
        )
        reply.slots.update({"in_attesa": "consenso", "bozza_promemoria": None})
        return reply

    def _on_consent(self, turn: Turn) -> Reply | None:
        reply = Reply()
        if turn.intent == "affermazione":
            version = str(self.content.texts("promemoria").get("versione_consenso", ""))
            self.store.subscribe(turn.channel, turn.sender, version, dt.datetime.now(dt.timezone.utc))
            return self._ask_date(reply, "data_esami_6m", self.text("chiedi_data_esami_6m"), {})
        if turn.intent == "negazione":
            reply.messages.append(message("promemoria.disattivato", self.text("consenso_negato")))
            return self._clear(reply)
        if self._changes_topic(turn):
            return None
        reply.messages.append(
            self._ask("promemoria.attiva", "consenso", self.text("consenso"), YES_NO_BUTTONS)
        )
        return reply

    def _changes_topic(self, turn: Turn) -> bool:
        return turn.intent in content_intents() and turn.confidence >= CHANGE_OF_TOPIC_CONFIDENCE

    def _on_date(self, turn: Turn, asks: str, draft: dict[str, Any]) -> Reply | None:
        reply = Reply()
        today = self.today()
        if turn.intent == "negazione" or re.search(r"\bannull", turn.text.lower()):
            self.store.delete_user(turn.channel, turn.sender)
            reply.messages.append(message("promemoria.disattivato", self.text("interrotto")))
            return self._clear(reply)
        month_hint = draft.pop("mese", None)
        hint = (int(month_hint[1]), int(month_hint[0])) if month_hint else None
        answer = parse_italian_date(turn.text, today, month_hint=hint)
        if answer.status == "ok" and answer.value is not None:
            draft[KIND_FOR_ASKS[asks]] = answer.value.isoformat()
            if asks == "data_esami_6m":
                return self._ask_date(reply, "data_esami_12m", self.text("chiedi_data_esami_12m"), draft)
            return self._activate(turn, draft)
        if answer.status == "none" and self._changes_topic(turn):
            self.store.delete_user(turn.channel, turn.sender)
            return None
        if answer.status == "future" and answer.value is not None:
            text = self.text("data_futura", data=italian_date(answer.value))
        elif answer.status == "need_day" and answer.month:
            year = answer.year or today.year
            draft["mese"] = [year, answer.month]
            text = self.text("chiedi_giorno", mese=f"{MONTHS[answer.month - 1]} {year}")
        elif answer.status == "invalid":
            text = self.text("data_impossibile")
        else:
            text = self.text("data_non_capita")
        return self._ask_date(reply, asks, text, draft)

    def _activate(self, turn: Turn, draft: dict[str, Any]) -> Reply:
        reply = Reply()
        for kind in KINDS:
            self.store.set_last_done(turn.channel, turn.sender, kind, dt.date.fromisoformat(draft[kind]))
        due = self.store.next_due(turn.channel, turn.sender)
        reply.messages.append(
            message(
                "promemoria.attivato",
                self._due_text("attivato", due),
                next_due=self._due_payload(due),
            )
        )
        return self._clear(reply)

    def _not_subscribed(self, reply: Reply) -> Reply:
        reply.messages.append(message("promemoria.prossimi", self.text("non_iscritto"), YES_NO_BUTTONS))
        reply.slots.update({"in_attesa": "offerta", "bozza_promemoria": None})
        return reply

    def _next(self, turn: Turn) -> Reply:
        reply = Reply()
        due = self._complete_due(turn)
        if due is None:
            return self._not_subscribed(reply)
        extra: dict[str, Any] = {}
        text = self._due_text("prossimi", due)
        if turn.intent == "calendario":
            extra["ics"] = True
            text += "\n\n" + self.text("calendario")
        reply.messages.append(
            message("promemoria.prossimi", text, next_due=self._due_payload(due), **extra)
        )
        return self._clear(reply)

    def _done(self, turn: Turn) -> Reply:
        reply = Reply()
        due = self._complete_due(turn)
        if due is None:
            return self._not_subscribed(reply)
        today = self.today()
        answer = parse_italian_date(turn.text, today)
        if answer.status == "future" and answer.value is not None:
            reply.messages.append(
                message("promemoria.fatto", self.text("data_futura", data=italian_date(answer.value)))
            )
            return reply
        done_on = answer.value if answer.status == "ok" and answer.value else today
        # The complete tests include the phosphate ones: both roll when the 12-month
        # tests were due within two months; otherwise only the 6-month ones.
        kinds = ["fosfato_6m"]
        if (due["completo_12m"] - done_on).days <= 60:
            kinds.append("completo_12m")
        self.store.mark_done(turn.channel, turn.sender, done_on, kinds)
        due = self.store.next_due(turn.channel, turn.sender)
        reply.messages.append(
            message(
                "promemoria.fatto",
                self._due_text("fatto", due, data=italian_date(done_on)),
                next_due=self._due_payload(due),
            )
        )
        return self._clear(reply)

    def _snooze(self, turn: Turn) -> Reply:
        reply = Reply()
        if not self.store.is_subscribed(turn.channel, turn.sender):
            return self._not_subscribed(reply)
        days = 7
        found = SNOOZE.search(turn.text.lower())
        if found:
            amount = found.group(1)
            count = int(amount) if amount.isdigit() else NUMBER_WORDS.get(amount, 1)
            days = count * (7 if found.group(2).startswith("settiman") else 1)
        days = max(1, min(days, 60))
        self.store.snooze(turn.channel, turn.sender, days)
        until = self.today() + dt.timedelta(days=days)
        reply.messages.append(
            message("promemoria.rimandato", self.text("rimandato", giorni=days, data=italian_date(until)))
        )
        return self._clear(reply)

    def _stop(self, turn: Turn) -> Reply:
        reply = Reply()
        was_active = self.store.unsubscribe(turn.channel, turn.sender)
        key = "disattivato" if was_active else "non_attivo"
        reply.messages.append(message("promemoria.disattivato", self.text(key)))
        return self._clear(reply)

    def _delete(self, turn: Turn) -> Reply:
        reply = Reply(forget_conversation=True)
        self.store.delete_user(turn.channel, turn.sender)
        reply.messages.append(message("promemoria.dati_cancellati", self.text("dati_cancellati")))
        reply.slots.update({"ultimo_argomento": None, "benvenuto_inviato": None})
        return self._clear(reply)
