"""Web Push (RFC 8030, VAPID RFC 8292) for devices registered with platform "web".

pywebpush encrypts each payload for the browser's subscription keys and POSTs it to the push
service with a VAPID signature. The payload is the catalogue title and body and opaque ids, as
on every channel: no health data. A push service that answers 404 or 410 says the subscription
is gone, so the endpoint is disabled (like a dead FCM token); anything else is retried.

Tests replace only the network boundary (`requests.post`): encryption and signing stay real.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from django.conf import settings

from notifications.channels.base import DeliveryError, attempt_each

if TYPE_CHECKING:
    from notifications.channels.push import PushMessage

logger = logging.getLogger(__name__)

GONE = frozenset({404, 410})
TTL_SECONDS = 24 * 60 * 60  # a reminder older than a day is not worth showing


def webpush_payload(title: str, body: str, data: Mapping[str, str]) -> str:
    return json.dumps({"title": title, "body": body, **data}, separators=(",", ":"))


@cache
def _vapid(private_key: str) -> Any:
    """The signing key: a PEM (as `make run` writes) or py-vapid's base64url DER/raw form."""
    from py_vapid import Vapid

    if "BEGIN" in private_key:
        return Vapid.from_pem(private_key.encode())
    return Vapid.from_string(private_key=private_key)


class WebPushTransport:
    """Sends through pywebpush with the deployment's VAPID key."""

    def send_one(self, message: PushMessage) -> None:
        from pywebpush import WebPushException, webpush

        subscription = {"endpoint": message.token, "keys": dict(message.keys or {})}
        try:
            webpush(
                subscription_info=subscription,
                data=webpush_payload(message.title, message.body, message.data),
                vapid_private_key=_vapid(settings.WEBPUSH_VAPID_PRIVATE_KEY),
                vapid_claims={"sub": settings.WEBPUSH_VAPID_SUBJECT},
                ttl=TTL_SECONDS,
                timeout=10,
            )
        except WebPushException as exc:
            code = exc.status_code
            raise DeliveryError(f"webpush: HTTP {code}", permanent=code in GONE) from None
        except Exception as exc:  # network errors, a malformed subscription
            raise DeliveryError(f"webpush: {type(exc).__name__}") from None

    def send_many(self, messages: Sequence[PushMessage]) -> list[DeliveryError | None]:
        return attempt_each(messages, self.send_one)


class LoggingWebPushTransport:
    """No VAPID key configured: records that a web push would go out, and nothing else."""

    def send_many(self, messages: Sequence[PushMessage]) -> list[DeliveryError | None]:
        for message in messages:
            logger.info("web push not configured: notification %s not sent", message.data.get("id"))
        return [None] * len(messages)


def webpush_transport() -> WebPushTransport | LoggingWebPushTransport:
    if getattr(settings, "WEBPUSH_VAPID_PRIVATE_KEY", None):
        return WebPushTransport()
    return LoggingWebPushTransport()
