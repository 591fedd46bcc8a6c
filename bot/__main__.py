"""The one command line: ``python -m bot <comando>``.

  setup               prepara var/ e la pipeline spaCy italiana vuota
  train [--force]     addestra il modello se config.yml, domain.yml o data/ sono cambiati
  run [--no-train]    addestra se serve e avvia tutto su localhost
  web                 solo la pagina web della chat
  content check       controlla i contenuti in content/it/ (per lo staff della clinica)
  reminders ...       promemoria: run | send-due --now <ISO> | upgrade
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


def _setup() -> int:
    import spacy

    from bot.settings import VAR_DIR

    target = VAR_DIR / "spacy-it"
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    if not (target / "config.cfg").exists():
        spacy.blank("it").to_disk(target)
        print(f">> Pipeline spaCy italiana (solo tokenizzatore) salvata in {target}")
    return 0


def _web() -> int:
    from bot.settings import load_settings
    from bot.web.server import run as run_web

    settings = load_settings()
    run_web(settings.host, settings.web_port, settings.rasa_url, settings.reminders_db_url)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "reminders":
        from bot.reminders.cli import run as reminders_cli

        return int(reminders_cli(argv[1:]) or 0)

    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("setup")
    train = sub.add_parser("train")
    train.add_argument("--force", action="store_true")
    run = sub.add_parser("run")
    run.add_argument("--no-train", action="store_true")
    sub.add_parser("web")
    content = sub.add_parser("content")
    content.add_argument("action", choices=["check"])
    args = parser.parse_args(argv)

    if args.command == "setup":
        return _setup()
    if args.command == "train":
        from bot.training import train as do_train

        _setup()
        do_train(force=args.force)
        return 0
    if args.command == "run":
        from bot.runner import run as run_all
        from bot.training import train as do_train

        _setup()
        if not args.no_train:
            do_train()
        return run_all()
    if args.command == "web":
        return _web()
    if args.command == "content":
        from bot.content_check import main as check_main

        return check_main()
    return 2


if __name__ == "__main__":
    sys.exit(main())
