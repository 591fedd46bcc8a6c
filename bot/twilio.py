"""Twilio (SMS) configuration from environment variables, and webhook signatures.

On when ``TWILIO_ACCOUNT_SID`` is set:

* ``TWILIO_AUTH_TOKEN``             - API password (basic auth) and webhook signature key
* ``TWILIO_FROM``                   - the registered sender (number or alphanumeric id), or
* ``TWILIO_MESSAGING_SERVICE_SID``  - a Messaging Service that picks the sender
* ``TWILIO_API_URL``                - API base URL (``https://api.twilio.com``; the tests' fake)
* ``TWILIO_WEBHOOK_URL``            - the public URL Twilio posts incoming SMS to, as
  configured on the number (default: the local ``/webhooks/twilio/webhook``): the
  signature is computed on it
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

DEFAULT_API_URL = "https://api.twilio.com"
SIGNATURE_HEADER = "X-Twilio-Signature"


@dataclass(frozen=True)
class TwilioConfig:
    account_sid: str
    auth_token: str = field(repr=False)
    sender: str = ""  # TWILIO_FROM
    messaging_service_sid: str = ""
    api_url: str = DEFAULT_API_URL
    webhook_url: str = ""

    @property
    def messages_url(self) -> str:
        return f"{self.api_url.rstrip('/')}/2010-04-01/Accounts/{self.account_sid}/Messages.json"

    def sender_fields(self) -> dict[str, str]:
        """``From`` or, without it, ``MessagingServiceSid``."""
        if self.sender:
            return {"From": self.sender}
        return {"MessagingServiceSid": self.messaging_service_sid}

    def as_credentials(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_credentials(cls, values: Mapping[str, Any]) -> TwilioConfig:
        known = {name: str(values[name]) for name in cls.__dataclass_fields__ if values.get(name)}
        return cls(**known)

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, default_webhook_url: str = ""
    ) -> TwilioConfig | None:
        """None without TWILIO_ACCOUNT_SID; ValueError (Italian) when a companion is missing."""
        env = os.environ if env is None else env

        def get(name: str) -> str:
            return env.get(name, "").strip()

        if not get("TWILIO_ACCOUNT_SID"):
            return None
        missing = [] if get("TWILIO_AUTH_TOKEN") else ["TWILIO_AUTH_TOKEN"]
        if not (get("TWILIO_FROM") or get("TWILIO_MESSAGING_SERVICE_SID")):
            missing.append("TWILIO_FROM (oppure TWILIO_MESSAGING_SERVICE_SID)")
        if missing:
            raise ValueError("SMS attivi (TWILIO_ACCOUNT_SID) ma mancano: " + ", ".join(missing))
        return cls(
            account_sid=get("TWILIO_ACCOUNT_SID"),
            auth_token=get("TWILIO_AUTH_TOKEN"),
            sender=get("TWILIO_FROM"),
            messaging_service_sid=get("TWILIO_MESSAGING_SERVICE_SID"),
            api_url=get("TWILIO_API_URL").rstrip("/") or DEFAULT_API_URL,
            webhook_url=get("TWILIO_WEBHOOK_URL") or default_webhook_url,
        )


def signature(url: str, params: Mapping[str, str], auth_token: str) -> str:
    """Twilio's request signature: base64 HMAC-SHA1 of the full URL followed by every POST
    parameter name and value, sorted by name, keyed with the auth token."""
    payload = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def valid_signature(url: str, params: Mapping[str, str], auth_token: str, given: str) -> bool:
    """Constant-time comparison of ``given`` with the expected signature."""
    expected = signature(url, params, auth_token)
    return hmac.compare_digest(expected.encode(), (given or "").encode())
