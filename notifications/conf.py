"""Settings this app reads, with defaults (DRF's `api_settings` idea, kept small).

Everything lives in one optional `NOTIFICATIONS = {...}` dict in Django settings; unknown keys
raise so a typo is caught at the first read, not at the first lost reminder. Two project-wide
settings are read as well: PUSH_ENABLED (choose FCM or the logging transport) and
CELERY_TASK_TIME_LIMIT (a row stuck in `sending` longer than this lost its worker).
"""

from dataclasses import dataclass, fields

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class NotificationSettings:
    # Dotted path of the PushTransport class; "" means FCM when PUSH_ENABLED, else logging.
    PUSH_TRANSPORT: str = ""
    # Transient failures are retried this many times after the first attempt.
    MAX_RETRIES: int = 5
    RETRY_BACKOFF_BASE_SECONDS: int = 30
    RETRY_BACKOFF_MAX_SECONDS: int = 900
    # Ids per deliver_batch task, and batches a single sweep may publish. A task's statements
    # are fixed whatever its size, so a reminder fan-out wants large batches.
    BATCH_SIZE: int = 1000
    # Rows per provider call, each chunk recorded as soon as its call returns (FCM's
    # send_each takes up to 500). A worker killed inside a call may repeat that one chunk.
    DELIVERY_CHUNK: int = 500
    SWEEP_MAX_BATCHES: int = 50
    # A pending row nobody picked up within this window is re-driven by the sweep.
    SWEEP_GRACE_SECONDS: int = 60
    DEFAULT_TIMEZONE: str = "UTC"


_KNOWN = {f.name for f in fields(NotificationSettings)}


def conf() -> NotificationSettings:
    raw = getattr(settings, "NOTIFICATIONS", {}) or {}
    unknown = set(raw) - _KNOWN
    if unknown:
        raise ImproperlyConfigured(f"Unknown NOTIFICATIONS keys: {sorted(unknown)}")
    return NotificationSettings(**raw)


def push_transport_path() -> str:
    if path := conf().PUSH_TRANSPORT:
        return path
    if getattr(settings, "PUSH_ENABLED", False):
        return "notifications.channels.push.FcmTransport"
    return "notifications.channels.push.LoggingTransport"


def task_time_limit_seconds() -> int:
    return int(getattr(settings, "CELERY_TASK_TIME_LIMIT", 60) or 60)
