"""Reminder deliveries per channel and outcome, read from the shared reminders database at
each scrape (exported by the web page server's ``/metrics``, bot/web_health.py).

Counted from the database, not inside a dispatcher: several dispatchers share the work, and
each reminder's outcome is its ``delivery.state`` (bot/reminders/models.py). One grouped
``COUNT`` over the outcome states (index ``ix_delivery_state_next_attempt``) joined to the
subscriber's channel.

* ``calcinosi_reminder_deliveries{channel, state}`` (gauge): deliveries recorded as
  ``sent``, ``failed`` or ``failed_unknown`` (interrupted while sending: maybe delivered).
  A gauge, not a counter: rows go away with the user ("cancella i miei dati", STOP).
  telegram, whatsapp and sms are always exported (0 when none); web channels (rest) when
  they have rows (``sent``: shown on the page).
* ``calcinosi_reminders_db_up``: 1 when the query worked, 0 otherwise (then no deliveries).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Final

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine

from bot.reminders.models import FAILED, FAILED_UNKNOWN, SENT, Delivery, Subscriber

log = logging.getLogger(__name__)

OUTCOMES: Final = (SENT, FAILED, FAILED_UNKNOWN)
PUSH_CHANNELS: Final = ("telegram", "whatsapp", "sms")


def delivery_counts(engine: Engine) -> dict[tuple[str, str], int]:
    """``{(channel, state): deliveries}`` for the outcome states."""
    query = (
        sa.select(Subscriber.channel, Delivery.state, sa.func.count())
        .select_from(Delivery)
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.state.in_(OUTCOMES))
        .group_by(Subscriber.channel, Delivery.state)
    )
    with engine.connect() as connection:
        return {(channel, state): int(n) for channel, state, n in connection.execute(query)}


class ReminderDeliveries(Collector):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily(
            "calcinosi_reminders_db_up", "1 when the reminders database answered the scrape."
        )
        try:
            counts = delivery_counts(self.engine)
        except sa.exc.SQLAlchemyError as error:
            log.warning("database dei promemoria non leggibile: %s", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        deliveries = GaugeMetricFamily(
            "calcinosi_reminder_deliveries",
            "Reminder deliveries recorded in the database, by channel and outcome.",
            labels=["channel", "state"],
        )
        channels = sorted(set(PUSH_CHANNELS) | {channel for channel, _ in counts})
        for channel in channels:
            for state in OUTCOMES:
                deliveries.add_metric([channel, state], counts.get((channel, state), 0))
        yield deliveries
