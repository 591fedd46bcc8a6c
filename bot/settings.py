"""Configuration from environment variables, with defaults that run on localhost."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from bot import ROOT

VAR_DIR = ROOT / "var"
MODEL_PATH = ROOT / "models" / "calcinosi.tar.gz"
# Days a conversation is kept after its last message (the privacy text says 90): bot/retention.py
DEFAULT_RETENTION_DAYS = 90
# Days a backup set is kept (the privacy text says 7): bot/backup.py
DEFAULT_BACKUP_DAYS = 7


def env_value(name: str, default: str) -> str:
    """The variable ``name``, stripped; ``default`` when it is unset or blank."""
    value = os.environ.get(name, "").strip()
    return value or default


def run_dir() -> Path:
    """Where the configuration written at start-up goes (endpoints, credentials, nginx)."""
    return Path(env_value("CALCINOSI_RUN_DIR", str(VAR_DIR)))


@dataclass(frozen=True)
class Settings:
    host: str
    rasa_port: int
    actions_port: int
    web_port: int
    tracker_url: str
    reminders_db_url: str
    api_token: str
    cors_origin: str
    retention_days: int = DEFAULT_RETENTION_DAYS
    backup_days: int = DEFAULT_BACKUP_DAYS
    # Several Rasa replicas (bot/cluster.py): the conversation lock lives in Redis.
    redis_url: str = ""

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://{self.host}:{self.actions_port}/webhook"

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}/"


def load_settings() -> Settings:
    host = env_value("CALCINOSI_HOST", "127.0.0.1")
    web_port = int(env_value("CALCINOSI_WEB_PORT", "8000"))
    return Settings(
        host=host,
        rasa_port=int(env_value("CALCINOSI_RASA_PORT", "5005")),
        actions_port=int(env_value("CALCINOSI_ACTIONS_PORT", "5055")),
        web_port=web_port,
        tracker_url=env_value("CALCINOSI_TRACKER_URL", f"sqlite:///{VAR_DIR / 'tracker.db'}"),
        reminders_db_url=env_value("CALCINOSI_DB_URL", f"sqlite:///{VAR_DIR / 'calcinosi.db'}"),
        # The Rasa HTTP API never runs without a token: a random one when none is given.
        api_token=env_value("CALCINOSI_API_TOKEN", secrets.token_hex(24)),
        cors_origin=env_value("CALCINOSI_CORS_ORIGIN", f"http://{host}:{web_port}"),
        retention_days=_days("CALCINOSI_RETENTION_DAYS", DEFAULT_RETENTION_DAYS),
        backup_days=_days("CALCINOSI_BACKUP_DAYS", DEFAULT_BACKUP_DAYS),
        redis_url=env_value("CALCINOSI_REDIS_URL", ""),
    )


def _days(name: str, default: int) -> int:
    raw = env_value(name, str(default))
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name} non valido: {raw!r} (un numero di giorni, almeno 1)")
    return int(raw)


def tracker_store_config(url: str, shared: bool = False) -> dict[str, object]:
    """The endpoints.yml ``tracker_store`` section for a SQLAlchemy URL; ``shared`` when
    several Rasa replicas use the database (bot/tracker_store.py)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    dialect = parsed.get_backend_name()
    config: dict[str, object] = {
        "type": "bot.tracker_store.CachedSQLTrackerStore",
        "dialect": dialect,
        "db": parsed.database or "",
    }
    if shared:
        config["shared"] = True
    # Unset: the store's own defaults (bot/tracker_store.py).
    for key, name in (("cache_size", "CALCINOSI_TRACKER_CACHE"), ("max_events", "CALCINOSI_TRACKER_MAX_EVENTS")):
        if os.environ.get(name, "").strip():
            config[key] = int(os.environ[name])
    if dialect != "sqlite":
        # Rasa passes the ``url`` of a custom tracker store to it as ``host``.
        for key, value in (
            ("url", parsed.host),
            ("port", parsed.port),
            ("username", parsed.username),
            ("password", parsed.password),
        ):
            if value:
                config[key] = value
        if parsed.query:
            config["query"] = dict(parsed.query)
    return config


def lock_store_config(redis_url: str) -> dict[str, object]:
    """In memory for one Rasa server; in Redis, shared by the replicas, when a URL is given."""
    if not redis_url:
        return {"type": "bot.lock_store.PromptInMemoryLockStore"}
    return {
        "type": "bot.lock_store.RedisQueueLockStore",
        "url": redis_url,
        "key_prefix": env_value("CALCINOSI_REDIS_PREFIX", "calcinosi"),
    }


def write_endpoints(settings: Settings, path: Path | None = None) -> Path:
    import yaml

    path = path or run_dir() / "endpoints.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    endpoints = {
        "action_endpoint": {"url": settings.actions_url},
        "tracker_store": tracker_store_config(settings.tracker_url, shared=bool(settings.redis_url)),
        "lock_store": lock_store_config(settings.redis_url),
    }
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
    return path


def child_environment() -> dict[str, str]:
    """Environment for the processes we start: quiet TensorFlow, no telemetry."""
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("PYTHONWARNINGS", "ignore")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def write_credentials(settings: Settings, path: Path | None = None) -> Path:
    """credentials.yml, plus the Telegram channel when TELEGRAM_TOKEN is set, the WhatsApp
    channel when WHATSAPP_TOKEN is and the SMS (Twilio) channel when TWILIO_ACCOUNT_SID is
    (ValueError if their other variables are missing)."""
    import yaml

    from bot.twilio import TwilioConfig
    from bot.whatsapp.config import WhatsAppConfig

    base = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8")) or {}
    token = os.environ.get("TELEGRAM_TOKEN", "").strip()
    if token:
        base["bot.channels.telegram.TelegramInput"] = {
            "access_token": token,
            "verify": env_value("TELEGRAM_BOT_NAME", "calcinosi_bot"),
            "webhook_url": env_value(
                "TELEGRAM_WEBHOOK_URL", f"{settings.rasa_url}/webhooks/telegram/webhook"
            ),
            "api_url": env_value("TELEGRAM_API_URL", "https://api.telegram.org"),
            "secret_token": os.environ.get("TELEGRAM_WEBHOOK_SECRET", "").strip() or None,
        }
    whatsapp = WhatsAppConfig.from_env()
    if whatsapp is not None:
        base["bot.channels.whatsapp.WhatsAppInput"] = {
            **whatsapp.as_credentials(),
            "db_url": settings.reminders_db_url,  # the received-message log
        }
    twilio = TwilioConfig.from_env(
        default_webhook_url=f"{settings.rasa_url}/webhooks/twilio/webhook"
    )
    if twilio is not None:
        base["bot.channels.twilio_sms.TwilioSmsInput"] = {
            **twilio.as_credentials(),
            "db_url": settings.reminders_db_url,  # the SMS subscriptions STOP deletes
        }
    path = path or run_dir() / "credentials.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(base, sort_keys=False), encoding="utf-8")
    return path
