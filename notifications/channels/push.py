"""Push through a PushTransport: FCM (firebase-admin) in production, a logging no-op otherwise.

The transport is the one seam tests replace (healthchecks' `curl` seam): the channel logic,
payload building and error mapping stay real. `_handoff_many` is the single place payloads
leave for a provider; the suite's privacy guard taps it.
"""

import logging
import threading
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from notifications.catalogue import template_render
from notifications.channels.base import Channel, DeliveryError, attempt_each
from notifications.conf import push_transport_path
from notifications.models import Notification

logger = logging.getLogger(__name__)

FCM_BATCH_LIMIT = 500  # messaging.send_each refuses more


@dataclass(frozen=True)
class PushMessage:
    token: str
    title: str
    body: str
    data: Mapping[str, str]
    # Web push (issue 20): the subscription's keys; `token` is then its endpoint URL.
    keys: Mapping[str, str] | None = None


class PushTransport(Protocol):
    def send(self, token: str, title: str, body: str, data: Mapping[str, str]) -> None:
        """Hand one message to the provider; raise DeliveryError(message, permanent=...)."""


class BatchPushTransport(PushTransport, Protocol):
    def send_many(self, messages: Sequence[PushMessage]) -> list[DeliveryError | None]:
        """Hand several messages to the provider in one call; one result per message."""


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

    @staticmethod
    def _message(token: str, title: str, body: str, data: Mapping[str, str]) -> object:
        from firebase_admin import messaging

        # A message re-sent after a worker died mid-call replaces the first on the phone
        # instead of showing twice: Android's notification tag and APNs' collapse id.
        collapse = str(data.get("id", ""))[:64]
        with warnings.catch_warnings():
            # firebase-admin 7.7 deprecates `token` in favour of installation ids (`fid`), but
            # FCM's v1 API still takes registration tokens, which is what the apps register.
            warnings.simplefilter("ignore", DeprecationWarning)
            return messaging.Message(
                token=token,
                notification=messaging.Notification(title=title, body=body),
                data=dict(data),
                android=messaging.AndroidConfig(
                    notification=messaging.AndroidNotification(tag=collapse or None)
                ),
                apns=messaging.APNSConfig(
                    headers={"apns-collapse-id": collapse} if collapse else None
                ),
            )

    @staticmethod
    def _error(exc: Exception) -> DeliveryError:
        from firebase_admin import exceptions, messaging

        if isinstance(
            exc,
            messaging.UnregisteredError
            | messaging.SenderIdMismatchError
            | exceptions.InvalidArgumentError,
        ):
            # The token is dead or belongs to another sender: retrying cannot help.
            return DeliveryError(f"fcm: {type(exc).__name__}", permanent=True)
        # Unavailable, internal, quota exceeded, deadline, network (requests/httpx errors
        # surface as their own types): try again later.
        return DeliveryError(f"fcm: {type(exc).__name__}")

    def send(self, token: str, title: str, body: str, data: Mapping[str, str]) -> None:
        from firebase_admin import messaging

        try:
            messaging.send(self._message(token, title, body, data), app=self._firebase_app())
        except Exception as exc:
            raise self._error(exc) from None

    def send_many(self, messages: Sequence[PushMessage]) -> list[DeliveryError | None]:
        """messaging.send_each: up to 500 messages per call, sent concurrently by the SDK."""
        from firebase_admin import messaging

        results: list[DeliveryError | None] = []
        for start in range(0, len(messages), FCM_BATCH_LIMIT):
            part = messages[start : start + FCM_BATCH_LIMIT]
            built = [self._message(m.token, m.title, m.body, m.data) for m in part]
            try:
                batch = messaging.send_each(built, app=self._firebase_app())
            except Exception as exc:  # the whole call failed: every message in it
                results.extend([self._error(exc)] * len(part))
                continue
            results.extend(
                None if r.success else self._error(r.exception or RuntimeError("no id"))
                for r in batch.responses
            )
        return results


@cache
def _transport_for(path: str) -> PushTransport:
    return import_string(path)()


def transport() -> PushTransport:
    return _transport_for(push_transport_path())


Texts = dict[tuple[str, str], tuple[str, str]]


def push_payload(
    notification: Notification, texts: Texts | None = None
) -> tuple[str, str, dict[str, str]]:
    """Title, body and data: catalogue text and opaque ids only (FCM data values are strings).

    `texts` caches the rendered text per (template, language) across a batch (issue 23: a
    fan-out of 1,000 rows shares a handful of pairs, and rendering each one cost ~0.1 ms).
    """
    key = (notification.template, notification.render_language)
    if texts is None or key not in texts:
        rendered = template_render(*key)
        if texts is None:
            texts = {}
        texts[key] = rendered
    title, body = texts[key]
    data = {"id": str(notification.id), "template": notification.template}
    if notification.link:
        data["link"] = notification.link
    for key, value in notification.context.items():
        data[key] = str(value)
    return title, body, data


def _handoff_many(messages: Sequence[PushMessage]) -> list[DeliveryError | None]:
    """Give messages to the transport: in one call when it has `send_many`, else one by one.

    Web push subscriptions (messages with `keys`) go to the web push transport instead.
    """
    if any(m.keys is not None for m in messages):
        from notifications.channels.webpush import webpush_transport

        results: list[DeliveryError | None] = [None] * len(messages)
        web = [i for i, m in enumerate(messages) if m.keys is not None]
        other = [i for i, m in enumerate(messages) if m.keys is None]
        for index, result in zip(
            web, webpush_transport().send_many([messages[i] for i in web]), strict=True
        ):
            results[index] = result
        if other:
            for index, result in zip(
                other, _handoff_many([messages[i] for i in other]), strict=True
            ):
                results[index] = result
        return results
    current = transport()
    if hasattr(current, "send_many"):
        return list(current.send_many(messages))
    return attempt_each(messages, lambda m: current.send(m.token, m.title, m.body, m.data))


def _handoff(token: str, title: str, body: str, data: Mapping[str, str]) -> None:
    [error] = _handoff_many([PushMessage(token, title, body, data)])
    if error is not None:
        raise error


def _message_for(notification: Notification, texts: Texts | None = None) -> PushMessage:
    assert notification.endpoint is not None
    title, body, data = push_payload(notification, texts)
    endpoint = notification.endpoint
    # A browser subscription (Web Push) has keys; an FCM web token has none.
    keys = endpoint.subscription_keys or None
    return PushMessage(endpoint.token, title, body, data, keys=keys)


class PushChannel(Channel):
    kind = "push"

    def send(self, notification: Notification) -> None:
        [error] = self.send_many([notification])
        if error is not None:
            raise error

    def send_many(self, notifications: Sequence[Notification]) -> list[DeliveryError | None]:
        texts: Texts = {}
        return _handoff_many([_message_for(n, texts) for n in notifications])
