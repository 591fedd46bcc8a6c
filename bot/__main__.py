"""The one command line: ``python -m bot <comando>``.

  setup               prepara var/ e la pipeline spaCy italiana vuota
  train [--force]     addestra il modello se config.yml, domain.yml o data/ sono cambiati
  run [--no-train] [--cluster]
                      addestra se serve e avvia tutto su localhost (--cluster: PostgreSQL,
                      Redis, 2 repliche di Rasa e 2 dispatcher dietro nginx)
  service NOME        diventa un solo processo (azioni | rasa | web | promemoria), per systemd
  web                 solo la pagina web della chat
  content check       controlla i contenuti in content/it/ (per lo staff della clinica)
  content review-pack [--out PATH]
                      pacchetto HTML da stampare e firmare (default var/review-pack.html)
  reminders ...       promemoria: run | send-due --now <ISO> | upgrade
  privacy purge [--days N] [--now ISO]
                      cancella le conversazioni più vecchie del periodo di conservazione
  report [--out PATH] [--weeks N]
                      rapporto HTML per lo staff della clinica (default var/report.html)
  backup [--out DIR]  copia dei database di promemoria e conversazioni (default var/backups/);
                      cancella i backup più vecchi del periodo di conservazione
  restore PATH --yes  ripristina un backup al posto dei dati attuali, poi cancella le
                      conversazioni scadute
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


def _setup() -> int:
    from bot.settings import VAR_DIR

    target = VAR_DIR / "spacy-it"
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    if not (target / "config.cfg").exists():
        import spacy  # only when needed: it costs the caller ~500 MB for its whole life

        spacy.blank("it").to_disk(target)
        print(f">> Pipeline spaCy italiana (solo tokenizzatore) salvata in {target}")
    return 0


def _web() -> int:
    from bot.settings import env_value, load_settings
    from bot.web.server import run as run_web

    settings = load_settings()
    # In the cluster the page talks to the replicas through nginx (bot/cluster.py).
    rasa_url = env_value("CALCINOSI_RASA_URL", settings.rasa_url)
    run_web(settings.host, settings.web_port, rasa_url, settings.reminders_db_url)
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
    run.add_argument("--cluster", action="store_true")
    service = sub.add_parser("service")
    from bot.processes import NAMES

    service.add_argument("name", choices=NAMES)
    sub.add_parser("web")
    content = sub.add_parser("content")
    content.add_argument("action", choices=["check", "review-pack"])
    content.add_argument("--out", help="review-pack: file HTML (default var/review-pack.html)")
    privacy = sub.add_parser("privacy")
    privacy.add_argument("action", choices=["purge"])
    privacy.add_argument(
        "--days", type=int, help="giorni di conservazione (default CALCINOSI_RETENTION_DAYS o 90)"
    )
    privacy.add_argument("--now", help="data e ora ISO del taglio (default: adesso)")
    report = sub.add_parser("report")
    report.add_argument("--out", help="file HTML (default var/report.html)")
    report.add_argument("--weeks", type=int, help="settimane mostrate (default 12)")
    backup = sub.add_parser("backup")
    backup.add_argument("--out", help="cartella dei backup (default var/backups/)")
    restore = sub.add_parser("restore")
    restore.add_argument("path", help="la cartella del backup (o il suo manifest.json)")
    restore.add_argument("--yes", action="store_true", help="conferma: sostituisce i dati attuali")
    args = parser.parse_args(argv)

    if args.command == "setup":
        return _setup()
    if args.command == "train":
        from bot.training import train as do_train

        _setup()
        do_train(force=args.force)
        return 0
    if args.command == "run":
        from bot.training import train as do_train

        _setup()
        if not args.no_train:
            do_train()
        if args.cluster:
            from bot.cluster import run as run_cluster

            return run_cluster()
        from bot.runner import run as run_all

        return run_all()
    if args.command == "service":
        from bot.processes import serve

        return serve(args.name)
    if args.command == "web":
        return _web()
    if args.command == "content" and args.action == "review-pack":
        from bot.review_pack import main as review_pack_main

        return review_pack_main(args.out)
    if args.command == "content":
        from bot.content_check import main as check_main

        return check_main()
    if args.command == "privacy":
        from bot.retention import purge_command

        return purge_command(args.days, args.now)
    if args.command == "report":
        from bot.report import report_command

        return report_command(args.out, args.weeks)
    if args.command == "backup":
        from bot.backup import backup_command

        return backup_command(args.out)
    if args.command == "restore":
        from bot.backup import restore_command

        return restore_command(args.path, args.yes)
    return 2


if __name__ == "__main__":
    sys.exit(main())
