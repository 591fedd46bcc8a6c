"""Delivery channels: the ``Sender`` protocol, ``ChannelError``, ``WebSender`` and the one
HTTP call every provider's sender makes (:func:`post`)."""

from __future__ import annotations

from typing import Any, Protocol

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from bot.reminders.models import READY, SENT

__all__ = ["READY", "SENT", "ChannelError", "Sender", "WebSender", "post"]


class ChannelError(Exception):
    """A delivery failed.

    * ``retryable``: worth another attempt later (5xx, 429, connection refused).
    * ``maybe_delivered``: the request may have reached the channel (read timeout,
      connection lost after sending): the dispatcher does not resend it unless the
      sender is idempotent.
    * ``retry_after``: seconds the channel asked us to wait (Telegram 429).
    * ``throttled``: refused because we sent too fast (HTTP 429, which is the default
      for code ``http_429``; WhatsApp Graph errors 130429/131048/131056): not delivered,
      and the dispatcher pauses the whole channel (``retry_after``, else 1 min).

    ``code`` is short and never contains message text, tokens or user ids.
    """

    def __init__(
        self,
        code: str,
        *,
        retryable: bool,
        maybe_delivered: bool = False,
        retry_after: float | None = None,
        throttled: bool | None = None,
    ) -> None:
        super().__init__(code)
        self.code = code[:32]
        self.retryable = retryable
        self.maybe_delivered = maybe_delivered
        self.retry_after = retry_after
        self.throttled = code == "http_429" if throttled is None else throttled


class Sender(Protocol):
    #: True if sending the same idempotency key twice delivers at most one message.
    idempotent: bool

    def send(self, chat_id: str, text: str, *, idempotency_key: str) -> str:
        """Deliver ``text``; return the final state (``"sent"`` or ``"ready"``)."""
        ...


class WebSender:
    """Channels that cannot push (``rest``, ``socketio``).

    Nothing goes over the network: the delivery becomes ``ready`` and is shown
    when the user comes back (``ReminderStore.pending_notices``). Idempotent.
    """

    idempotent = True

    def send(self, chat_id: str, text: str, *, idempotency_key: str) -> str:
        return READY


def connection_never_made(exc: requests.ConnectionError) -> bool:
    """True if the TCP connection failed, so the request was surely not sent."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def post(session: requests.Session, url: str, **kwargs: Any) -> requests.Response:
    """``session.post(url, **kwargs)``, with a failed request as a :class:`ChannelError`:
    retryable, and "maybe delivered" unless the connection was never made."""
    try:
        return session.post(url, **kwargs)
    except requests.ConnectionError as exc:
        if connection_never_made(exc):
            raise ChannelError("connect", retryable=True) from None
        raise ChannelError("connection_lost", retryable=True, maybe_delivered=True) from None
    except requests.Timeout:
        raise ChannelError("timeout", retryable=True, maybe_delivered=True) from None
    except requests.RequestException:
        raise ChannelError("request_error", retryable=True, maybe_delivered=True) from None
