"""WhatsApp configuration from environment variables (on when WHATSAPP_TOKEN is set).

* ``WHATSAPP_TOKEN``            - Graph API access token (Bearer)
* ``WHATSAPP_PHONE_NUMBER_ID``  - the business phone number id messages are sent from
* ``WHATSAPP_APP_SECRET``       - app secret: webhook signatures (X-Hub-Signature-256)
* ``WHATSAPP_VERIFY_TOKEN``     - the token Meta echoes when the webhook is verified
* ``WHATSAPP_API_URL``          - Graph API base URL (``https://graph.facebook.com/v21.0``)
* ``WHATSAPP_TEMPLATE_6M``, ``WHATSAPP_TEMPLATE_12M`` - approved reminder templates
  (``promemoria_esami_6m``, ``promemoria_esami_12m``), one body parameter: the due date
* ``WHATSAPP_TEMPLATE_LANG``    - their language code (``it``)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

DEFAULT_API_URL = "https://graph.facebook.com/v21.0"
REQUIRED = ("WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN")


@dataclass(frozen=True)
class WhatsAppConfig:
    token: str = field(repr=False)
    phone_number_id: str
    app_secret: str = field(repr=False)
    verify_token: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    template_6m: str = "promemoria_esami_6m"
    template_12m: str = "promemoria_esami_12m"
    template_lang: str = "it"

    @property
    def messages_url(self) -> str:
        return f"{self.api_url.rstrip('/')}/{self.phone_number_id}/messages"

    def template_for(self, kind: str) -> str:
        """The template of a reminder kind (bot.reminders.schedule.KINDS)."""
        return {"fosfato_6m": self.template_6m, "completo_12m": self.template_12m}[kind]

    def as_credentials(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_credentials(cls, values: Mapping[str, Any]) -> WhatsAppConfig:
        known = {name: str(values[name]) for name in cls.__dataclass_fields__ if values.get(name)}
        return cls(**known)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WhatsAppConfig | None:
        """None without WHATSAPP_TOKEN; ValueError when a required variable is missing."""
        env = os.environ if env is None else env

        def get(name: str) -> str:
            return env.get(name, "").strip()

        if not get("WHATSAPP_TOKEN"):
            return None
        missing = [name for name in REQUIRED if not get(name)]
        if missing:
            raise ValueError("WhatsApp attivo (WHATSAPP_TOKEN) ma mancano: " + ", ".join(missing))
        optional = {
            "api_url": get("WHATSAPP_API_URL").rstrip("/"),
            "template_6m": get("WHATSAPP_TEMPLATE_6M"),
            "template_12m": get("WHATSAPP_TEMPLATE_12M"),
            "template_lang": get("WHATSAPP_TEMPLATE_LANG"),
        }
        return cls(
            token=get("WHATSAPP_TOKEN"),
            phone_number_id=get("WHATSAPP_PHONE_NUMBER_ID"),
            app_secret=get("WHATSAPP_APP_SECRET"),
            verify_token=get("WHATSAPP_VERIFY_TOKEN"),
            **{key: value for key, value in optional.items() if value},
        )
