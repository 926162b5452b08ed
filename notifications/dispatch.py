"""Deliver one outbox row: claim it, respect preferences and quiet hours, send, record.

Exactly-once rests on the claim: a conditional UPDATE moves the row pending -> sending, and only
the caller that changed one row may send (healthchecks' sendalerts). Redelivered tasks, repeated
sweeps and racing workers all find the row no longer pending and do nothing.
"""

import logging
import random
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.db.models import F
from django.utils import timezone

from notifications.channels import channel_for
from notifications.channels.base import DeliveryError
from notifications.conf import conf
from notifications.models import Endpoint, Notification, Preference
from notifications.quiet_hours import quiet_until

logger = logging.getLogger(__name__)

S = Notification.Status


class Outcome(StrEnum):
    NOT_PENDING = "not-pending"
    SENT = "sent"
    SKIPPED = "skipped"
    DEFERRED = "deferred"
    RETRY = "retry"
    FAILED = "failed"


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter, bounded: base * 2^(n-1), capped, then 50-100% of it."""
    c = conf()
    ceiling = min(c.RETRY_BACKOFF_MAX_SECONDS, c.RETRY_BACKOFF_BASE_SECONDS * 2 ** (attempts - 1))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def _claim(notification_id: Any, now: datetime) -> bool:
    claimed = Notification.objects.filter(id=notification_id, status=S.PENDING).update(
        status=S.SENDING, attempts=F("attempts") + 1, claimed_at=now
    )
    return claimed == 1


def _finish(notification: Notification, **changes: Any) -> None:
    Notification.objects.filter(id=notification.id, status=S.SENDING).update(**changes)


def _skip_reason(n: Notification, pref: Preference) -> str:
    channel = channel_for(n.channel)
    if not channel.needs_endpoint:
        return ""
    if n.endpoint is None:
        return "endpoint removed"
    if n.endpoint.disabled:
        return "endpoint disabled"
    if n.endpoint.user_id != n.recipient_id:
        return "endpoint moved to another user"  # a re-registered (shared or resold) device
    if n.channel == Notification.Channel.PUSH and not pref.push_enabled:
        return "push turned off"
    if n.channel == Notification.Channel.EMAIL and not pref.email_enabled:
        return "email turned off"
    return ""


def _record_error(n: Notification, error: DeliveryError, now: datetime) -> Outcome:
    message = error.message[:200]
    if error.permanent:
        _finish(n, status=S.FAILED, last_error=message, claimed_at=None)
        if n.endpoint_id:
            Endpoint.objects.filter(id=n.endpoint_id).update(
                disabled=True, disabled_reason=message, last_error=message, updated_at=now
            )
        logger.warning("notification %s failed permanently; endpoint disabled", n.id)
        return Outcome.FAILED
    if n.endpoint_id:
        Endpoint.objects.filter(id=n.endpoint_id).update(last_error=message, updated_at=now)
    if n.attempts > conf().MAX_RETRIES:
        _finish(n, status=S.FAILED, last_error=message, claimed_at=None)
        logger.warning("notification %s failed after %d attempts", n.id, n.attempts)
        return Outcome.FAILED
    _finish(
        n,
        status=S.PENDING,
        last_error=message,
        claimed_at=None,
        next_attempt_at=now + retry_delay(n.attempts),
    )
    return Outcome.RETRY


def notification_deliver(notification_id: Any, *, now: datetime | None = None) -> Outcome:
    now = now or timezone.now()
    if not _claim(notification_id, now):
        return Outcome.NOT_PENDING
    n = Notification.objects.select_related("endpoint").get(id=notification_id)
    pref = Preference.objects.filter(user_id=n.recipient_id).first() or Preference(
        user_id=n.recipient_id
    )
    if reason := _skip_reason(n, pref):
        _finish(n, status=S.SKIPPED, last_error=reason, claimed_at=None)
        return Outcome.SKIPPED
    channel = channel_for(n.channel)
    if channel.respects_quiet_hours and not n.urgent:
        until = quiet_until(
            now=now, tz=pref.timezone, start=pref.quiet_hours_start, end=pref.quiet_hours_end
        )
        if until is not None:
            # Not an attempt: hand the row back to the sweep for the end of quiet hours.
            _finish(
                n,
                status=S.PENDING,
                attempts=F("attempts") - 1,
                claimed_at=None,
                next_attempt_at=until,
            )
            return Outcome.DEFERRED
    try:
        channel.send(n)
    except DeliveryError as error:
        return _record_error(n, error, now)
    except SoftTimeLimitExceeded:
        # Out of time mid-batch: give the row back at once rather than wait for the sweep.
        _finish(n, status=S.PENDING, claimed_at=None, next_attempt_at=now)
        raise
    except Exception as exc:
        # A bug or an unexpected provider error must not wedge the row: count it as a
        # transient failure so it is retried a bounded number of times, then failed.
        logger.exception("notification %s: unexpected delivery error", n.id)
        return _record_error(n, DeliveryError(f"error: {type(exc).__name__}"), now)
    sent_at = timezone.now()
    _finish(n, status=S.SENT, sent_at=sent_at, last_error="", claimed_at=None)
    if n.endpoint_id:
        Endpoint.objects.filter(id=n.endpoint_id).update(last_delivery_at=sent_at, last_error="")
    return Outcome.SENT
