"""``python -m bot run --cluster``: the production layout on one machine.

PostgreSQL (database and user created if missing) holds the conversations (Rasa's ``events``
table) and the reminders; Redis holds the per-conversation lock shared by the replicas
(bot/lock_store.py); ``CALCINOSI_RASA_REPLICAS`` Rasa servers (default 2), each with its
action server; the web page; ``CALCINOSI_DISPATCHERS`` reminder dispatchers (default 2, safe
together: bot/reminders/dispatcher.py); nginx in front on ``CALCINOSI_PUBLIC_PORT`` (default
8080) for the page, the REST webhook and the channel webhooks. A process that stops is
started again (bot/runner.py ``supervise``).

Replica *i* (from 1) listens on ``CALCINOSI_RASA_PORT + i - 1`` and its action server on
``CALCINOSI_ACTIONS_PORT + i - 1``.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import sys
from pathlib import Path

from bot.processes import MAX_REQUEST_BYTES, Process, environment, process
from bot.runner import Child, supervise
from bot.settings import MODEL_PATH, Settings, env_value, load_settings, run_dir

DEFAULT_DATABASE_URL = "postgresql+psycopg2://calcinosi@127.0.0.1:5432/calcinosi"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
NGINX_TEMP_KINDS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def cluster_settings() -> Settings:
    """The settings with the cluster's defaults: PostgreSQL for both stores, Redis locks."""
    base = load_settings()
    tracker_url = env_value("CALCINOSI_TRACKER_URL", DEFAULT_DATABASE_URL)
    return dataclasses.replace(
        base,
        tracker_url=tracker_url,
        reminders_db_url=env_value("CALCINOSI_DB_URL", tracker_url),
        redis_url=env_value("CALCINOSI_REDIS_URL", DEFAULT_REDIS_URL),
    )


def ensure_database(url: str, admin_url: str | None = None) -> None:
    """Creates the user and the database of the PostgreSQL ``url`` if they are missing,
    connecting as ``admin_url`` (default: user postgres, database postgres, same server)."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    target = make_url(url)
    if target.get_backend_name() != "postgresql":
        raise ValueError("il cluster usa PostgreSQL: CALCINOSI_TRACKER_URL deve essere postgresql://...")
    user, database = target.username or "postgres", target.database or "calcinosi"
    for name in (user, database):
        if not _IDENTIFIER.match(name):
            raise ValueError(f"nome non valido per PostgreSQL: {name!r} (lettere minuscole, cifre, _)")
    admin = make_url(admin_url) if admin_url else target.set(username="postgres", password=None, database="postgres")
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT", hide_parameters=True)
    try:
        with engine.connect() as conn:
            if not conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": user}).first():
                conn.execute(sa.text(f'CREATE ROLE "{user}" LOGIN'))
                if target.password:
                    conn.execute(sa.text(f'ALTER ROLE "{user}" PASSWORD :p'), {"p": target.password})
                print(f">> PostgreSQL: creato l'utente {user}", flush=True)
            if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": database}).first():
                conn.execute(sa.text(f'CREATE DATABASE "{database}" OWNER "{user}"'))
                print(f">> PostgreSQL: creato il database {database}", flush=True)
    finally:
        engine.dispose()


def check_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


def nginx_config(public_port: int, rasa_ports: list[int], web_port: int, host: str, folder: Path) -> str:
    """nginx in front of the replicas: one public port for the page and the webhooks.

    A request that cannot reach a replica (connection refused: it stopped) goes to the next
    one; a request already sent is never sent twice by nginx (POST), the page resends it
    once (bot/web/server.py). No access log: the webhook paths carry no ids, but the page's
    reminder calendar does.
    """
    servers = "\n".join(f"    server {host}:{port} max_fails=1 fail_timeout=2s;" for port in rasa_ports)
    temp = "\n".join(
        f"  {kind}_temp_path {folder / 'tmp' / kind};" for kind in NGINX_TEMP_KINDS
    )
    proxy = """      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;"""
    return f"""# Written by python -m bot run --cluster (bot/cluster.py); changes are overwritten.
worker_processes 1;
daemon off;
pid {folder / 'nginx.pid'};
error_log stderr warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
{temp}
  client_max_body_size {MAX_REQUEST_BYTES};
  client_body_buffer_size {MAX_REQUEST_BYTES};
  upstream calcinosi_rasa {{
{servers}
    keepalive 32;
  }}
  upstream calcinosi_web {{
    server {host}:{web_port};
    keepalive 8;
  }}
  server {{
    listen {host}:{public_port};
    location /webhooks/ {{
      proxy_pass http://calcinosi_rasa;
      proxy_next_upstream error;
      proxy_read_timeout 60s;
{proxy}
    }}
    location / {{
      proxy_pass http://calcinosi_web;
{proxy}
    }}
  }}
}}
"""


def nginx_process(public_port: int, rasa_ports: list[int], settings: Settings) -> Process:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        raise ValueError("nginx non è installato: make run-cluster lo installa (scripts/install-nginx.sh)")
    folder = run_dir() / "nginx"
    for kind in NGINX_TEMP_KINDS:
        (folder / "tmp" / kind).mkdir(parents=True, exist_ok=True)
    conf = folder / "nginx.conf"
    conf.write_text(nginx_config(public_port, rasa_ports, settings.web_port, settings.host, folder))
    return Process(
        "nginx",
        [binary, "-p", str(folder), "-c", str(conf), "-e", "stderr"],
        f"http://{settings.host}:{public_port}/salute",
        {},
    )


def run() -> int:
    if not MODEL_PATH.exists():
        print("ERRORE: nessun modello addestrato. Esegui prima: python -m bot train", file=sys.stderr)
        return 1
    try:
        settings = cluster_settings()
        replicas = int(env_value("CALCINOSI_RASA_REPLICAS", "2"))
        dispatchers = int(env_value("CALCINOSI_DISPATCHERS", "2"))
        public_port = int(env_value("CALCINOSI_PUBLIC_PORT", "8080"))
        admin_url = env_value("CALCINOSI_PG_ADMIN_URL", "") or None
        for url in dict.fromkeys((settings.tracker_url, settings.reminders_db_url)):
            ensure_database(url, admin_url)
        check_redis(settings.redis_url)
        public_url = f"http://{settings.host}:{public_port}"
        cors_origin = env_value("CALCINOSI_CORS_ORIGIN", public_url)
        replica_settings = [
            dataclasses.replace(
                settings,
                rasa_port=settings.rasa_port + i,
                actions_port=settings.actions_port + i,
                cors_origin=cors_origin,
            )
            for i in range(replicas)
        ]
        nginx = nginx_process(public_port, [s.rasa_port for s in replica_settings], settings)
    except Exception as error:  # noqa: BLE001 (every set-up failure gets one clear line)
        print(f"ERRORE: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    from bot.reminders.db import upgrade

    upgrade(settings.reminders_db_url)
    env = environment(settings, rasa_url=public_url)
    env.setdefault("CALCINOSI_LOG_FORMAT", "json")
    # The first replica starts alone: it creates Rasa's tables, which two at once would race on.
    first: list[Child] = []
    later: list[Child] = []
    for i, replica in enumerate(replica_settings, start=1):
        (first if i == 1 else later).append(Child(process("azioni", replica), f"azioni-{i}", env))
        (first if i == 1 else later).append(Child(process("rasa", replica), f"rasa-{i}", env))
    later += [Child(process("web", settings), "web", env), Child(nginx, "nginx", env)]
    later += [Child(process("promemoria", settings), f"promemoria-{i}", env) for i in range(1, dispatchers + 1)]
    return supervise(
        [first, later],
        [f"Chat: {public_url}/", f"REST: {public_url}/webhooks/rest/webhook",
         f"Repliche di Rasa: {replicas}, dispatcher: {dispatchers} (PostgreSQL, Redis, nginx)"],
        restart=True,
    )
