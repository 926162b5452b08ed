"""Push through a PushTransport: FCM (firebase-admin) in production, a logging no-op otherwise.

The transport is the one seam tests replace (healthchecks' `curl` seam): the channel logic,
payload building and error mapping stay real. `_handoff` is the single place a payload leaves
for a provider; the suite's privacy guard taps it.
"""

import logging
import threading
import warnings
from collections.abc import Mapping
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from notifications.catalogue import template_get
from notifications.channels.base import Channel, DeliveryError
from notifications.conf import push_transport_path
from notifications.models import Notification

logger = logging.getLogger(__name__)


class PushTransport(Protocol):
    def send(self, token: str, title: str, body: str, data: Mapping[str, str]) -> None:
        """Hand one message to the provider; raise DeliveryError(message, permanent=...)."""


class LoggingTransport:
    """Used when PUSH_ENABLED is false: records that a push would go out, and nothing else."""

    def send(self, token: str, title: str, body: str, data: Mapping[str, str]) -> None:
        logger.info("push disabled: notification %s not sent", data.get("id", "?"))


class FcmTransport:
    """Firebase Cloud Messaging (Android, iOS through APNs, web) via firebase-admin."""

    _lock = threading.Lock()
    _app: object | None = None

    @classmethod
    def _firebase_app(cls) -> object:
        with cls._lock:
            if cls._app is None:
                import firebase_admin
                from firebase_admin import credentials

                path = getattr(settings, "FCM_CREDENTIALS_FILE", None)
                cred = credentials.Certificate(path) if path else None
                cls._app = firebase_admin.initialize_app(cred, name="notifications")
            return cls._app

    def send(self, token: str, title: str, body: str, data: Mapping[str, str]) -> None:
        from firebase_admin import exceptions, messaging

        with warnings.catch_warnings():
            # firebase-admin 7.7 deprecates `token` in favour of installation ids (`fid`), but
            # FCM's v1 API still takes registration tokens, which is what the apps register.
            warnings.simplefilter("ignore", DeprecationWarning)
            message = messaging.Message(
                token=token,
                notification=messaging.Notification(title=title, body=body),
                data=dict(data),
            )
        try:
            messaging.send(message, app=self._firebase_app())
        except (
            messaging.UnregisteredError,
            messaging.SenderIdMismatchError,
            exceptions.InvalidArgumentError,
        ) as exc:
            # The token is dead or belongs to another sender: retrying cannot help.
            raise DeliveryError(f"fcm: {type(exc).__name__}", permanent=True) from None
        except (exceptions.FirebaseError, OSError) as exc:
            # Unavailable, internal, quota exceeded, deadline, network: try again later.
            raise DeliveryError(f"fcm: {type(exc).__name__}") from None
        except Exception as exc:  # requests/httpx errors surface as their own types
            raise DeliveryError(f"fcm: {type(exc).__name__}") from None


@cache
def _transport_for(path: str) -> PushTransport:
    return import_string(path)()


def transport() -> PushTransport:
    return _transport_for(push_transport_path())


def push_payload(notification: Notification) -> tuple[str, str, dict[str, str]]:
    """Title, body and data: catalogue text and opaque ids only (FCM data values are strings)."""
    template = template_get(notification.template)
    data = {"id": str(notification.id), "template": notification.template}
    if notification.link:
        data["link"] = notification.link
    for key, value in notification.context.items():
        data[key] = str(value)
    return template.title, template.body, data


def _handoff(token: str, title: str, body: str, data: Mapping[str, str]) -> None:
    transport().send(token, title, body, data)


class PushChannel(Channel):
    kind = "push"

    def send(self, notification: Notification) -> None:
        assert notification.endpoint is not None
        title, body, data = push_payload(notification)
        _handoff(notification.endpoint.token, title, body, data)
