"""WhatsApp messages received (table ``whatsapp_message`` of the reminders database).

* :meth:`InboundLog.first_time`: Meta delivers a webhook again when it did not get a quick
  200, so each message id is recorded *before* it is answered; a second delivery, even
  after a restart or on another Rasa instance, finds the row and is not answered again
  (at most once: a crash while answering loses that answer rather than doubling it).
* :meth:`InboundLog.last_received`: the time of a user's last message, which opens
  WhatsApp's 24-hour window for free text (bot/reminders/whatsapp.py).
* Nothing readable is stored: message id and sender (the wa_id, a phone number) are HMACs
  keyed with the app secret; no text. Rows older than ``keep`` (7 days) go on insert.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.reminders.models import WhatsAppMessage

KEEP = timedelta(days=7)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class InboundLog:
    def __init__(
        self,
        engine: Engine,
        secret: str,
        *,
        keep: timedelta = KEEP,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if not secret:
            raise ValueError("chiave mancante per il registro dei messaggi WhatsApp")
        self.engine = engine
        self._secret = secret.encode()
        self.keep = keep
        self._clock = clock

    def __repr__(self) -> str:  # never show the key
        return "InboundLog()"

    def _key(self, kind: str, value: str) -> str:
        return hmac.new(self._secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def first_time(self, message_id: str, wa_id: str) -> bool:
        """Records the message; False if it was already recorded (answer it once only)."""
        now = self._clock()
        row = {
            "message_key": self._key("message", message_id),
            "sender_key": self._key("sender", wa_id),
            "received_at": now,
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    delete(WhatsAppMessage).where(WhatsAppMessage.received_at < now - self.keep)
                )
                conn.execute(insert(WhatsAppMessage).values(**row))
        except IntegrityError:
            return False
        return True

    def last_received(self, wa_id: str) -> datetime | None:
        """When the user last wrote (within ``keep``), or None."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(func.max(WhatsAppMessage.received_at)).where(
                    WhatsAppMessage.sender_key == self._key("sender", wa_id)
                )
            ).scalar_one_or_none()

    def forget_sender(self, wa_id: str, except_message_id: str) -> int:
        """"Cancella i miei dati": the user's rows go, but the message being answered (so
        that a late redelivery of the request is not answered twice)."""
        with self.engine.begin() as conn:
            result = conn.execute(
                delete(WhatsAppMessage).where(
                    WhatsAppMessage.sender_key == self._key("sender", wa_id),
                    WhatsAppMessage.message_key != self._key("message", except_message_id),
                )
            )
        return int(result.rowcount)
