"""Command line of the reminders: ``run``, ``send-due``, ``upgrade``.

    python -m bot.reminders.cli upgrade
    python -m bot.reminders.cli send-due --now 2027-03-01T10:00
    python -m bot.reminders.cli run --interval 60

Configuration: see ``bot.reminders.config`` (CALCINOSI_DB_URL, TELEGRAM_TOKEN, ...) and
``bot.whatsapp.config`` (WHATSAPP_TOKEN, ...) and ``bot.twilio`` (TWILIO_ACCOUNT_SID, ...: SMS).
``run`` also deletes expired conversations once a day (``bot.retention``).
A ``--now`` without time zone is Europe/Rome local time.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from collections.abc import Sequence
from datetime import datetime

from bot import json_logs
from bot.reminders.config import ReminderConfig
from bot.reminders.db import make_engine, upgrade
from bot.reminders.dispatcher import Dispatcher, StepHook, no_step
from bot.reminders.senders import Sender, WebSender
from bot.retention import DailyPurge
from bot.settings import load_settings
from bot.twilio import TwilioConfig
from bot.whatsapp.config import WhatsAppConfig

WEB_CHANNELS = ("rest", "socketio")

log = logging.getLogger(__name__)


def build_senders(
    config: ReminderConfig,
    whatsapp: WhatsAppConfig | None = None,
    now: datetime | None = None,
    twilio: TwilioConfig | None = None,
) -> dict[str, Sender]:
    """The senders per channel. ``now`` (``send-due --now``): the time the pass runs at, also
    for WhatsApp's 24-hour window (a reminder due in six months is judged then, not today)."""
    senders: dict[str, Sender] = {channel: WebSender() for channel in WEB_CHANNELS}
    if config.telegram_token:
        from bot.reminders.telegram import TelegramSender

        senders["telegram"] = TelegramSender(config.telegram_token, config.telegram_api_url)
    if whatsapp is not None:
        from bot.reminders.whatsapp import WhatsAppSender
        from bot.whatsapp.inbound_log import InboundLog

        inbound = InboundLog(make_engine(), whatsapp.app_secret)
        if now is None:
            senders["whatsapp"] = WhatsAppSender(whatsapp, inbound)
        else:
            senders["whatsapp"] = WhatsAppSender(whatsapp, inbound, clock=lambda: now)
    if twilio is not None:
        from bot.reminders.sms import SmsSender

        senders["sms"] = SmsSender(twilio)
    return senders


def parse_now(raw: str, config: ReminderConfig) -> datetime:
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"data e ora non valide: {raw!r} (esempio: 2027-03-01T10:00)"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=config.tz)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="promemoria", description="Promemoria degli esami di controllo."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run_p = sub.add_parser("run", help="invia i promemoria in continuo (ferma con Ctrl+C)")
    run_p.add_argument("--interval", type=float, default=60.0, help="secondi tra due passate")
    send_p = sub.add_parser("send-due", help="una sola passata: invia i promemoria dovuti")
    send_p.add_argument("--now", help="data e ora ISO della passata (default: adesso)")
    sub.add_parser("upgrade", help="crea o aggiorna le tabelle dei promemoria")
    return parser


def daily_purge() -> DailyPurge:
    """The conversation purge of ``run`` (CALCINOSI_TRACKER_URL, CALCINOSI_RETENTION_DAYS)."""
    settings = load_settings()
    return DailyPurge(settings.tracker_url, settings.retention_days)


def _dispatcher(
    config: ReminderConfig,
    on_step: StepHook,
    daily: DailyPurge | None = None,
    whatsapp: WhatsAppConfig | None = None,
    now: datetime | None = None,
    twilio: TwilioConfig | None = None,
) -> Dispatcher:
    if not config.telegram_token:
        log.warning(
            "Attenzione: TELEGRAM_TOKEN non impostato, i promemoria Telegram restano in attesa."
        )
    worker = f"{socket.gethostname()}-{os.getpid()}"
    return Dispatcher(
        make_engine(),
        build_senders(config, whatsapp, now, twilio),
        worker_id=worker,
        config=config,
        on_step=on_step,
        daily=daily,
    )


def run(argv: Sequence[str] | None = None, *, on_step: StepHook = no_step) -> int:
    """Run one command; ``on_step`` is passed to the ``Dispatcher`` (see its docstring)."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("CALCINOSI_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        json_lines = json_logs.configure("promemoria")
        config = ReminderConfig.from_env()
        whatsapp = WhatsAppConfig.from_env()
        twilio = TwilioConfig.from_env()
        daily = daily_purge()
    except ValueError as err:
        print(f"Configurazione non valida: {err}", file=sys.stderr)
        return 2
    if args.command == "upgrade":
        upgrade()
        print("Tabelle dei promemoria aggiornate.")
        return 0
    if args.command == "send-due":
        try:
            now = parse_now(args.now, config) if args.now else None
        except argparse.ArgumentTypeError as err:
            print(str(err), file=sys.stderr)
            return 2
        counts = _dispatcher(
            config, on_step, whatsapp=whatsapp, now=now, twilio=twilio
        ).run_once(now)
        print(counts.summary_it())
        return 0
    dispatcher = _dispatcher(config, on_step, daily, whatsapp, twilio=twilio)
    if not json_lines:  # JSON logs: only JSON lines (the dispatcher logs start and stop)
        print("Invio dei promemoria avviato. Per fermarlo: Ctrl+C.", flush=True)
    dispatcher.run_forever(args.interval)
    if not json_lines:
        print("Invio dei promemoria fermato.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(run())
