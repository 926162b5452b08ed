"""Public services: what other apps (recovery) and the API call. Keyword-only where they write.

`notify` is the outbox: rows commit with the caller's transaction, and delivery is published
only after that commit, ids only.
"""

import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.sql import server_side_binding
from notifications.catalogue import context_validate, link_validate, template_get
from notifications.conf import conf
from notifications.models import Endpoint, Notification, Preference
from notifications.outbox import insert_ignoring_conflicts
from notifications.selectors import inbox_queryset, notification_get_for_user
from notifications.signals import preference_changed

__all__ = [
    "Message",
    "device_register",
    "device_unregister",
    "notification_mark_read",
    "notifications_mark_all_read",
    "notify",
    "preference_for",
    "preference_set_timezone",
    "preference_update",
]


@dataclass(frozen=True)
class Message:
    recipient_id: int  # auth user id
    template: str  # a code from notifications.catalogue
    idempotency_key: str  # one logical message, e.g. "checkin:<patient>:<local date>"
    context: Mapping[str, str | int] = field(default_factory=dict)  # opaque ids/codes only
    urgent: bool = False  # urgent care-team alerts ignore quiet hours
    link: str = ""  # an opaque app path resolved behind login


# ---------------------------------------------------------------------------------------------
# Outbox
# ---------------------------------------------------------------------------------------------


def _validated(message: Message) -> tuple[Message, dict[str, str | int]]:
    template = template_get(message.template)
    if not message.idempotency_key or len(message.idempotency_key) > 200:
        raise ValueError("idempotency_key must be 1-200 characters")
    link_validate(message.link)
    return message, context_validate(template, message.context)


def _email_endpoints(users: dict[int, str], wanted: set[int]) -> dict[int, Endpoint]:
    """The enabled email endpoint of each user in `wanted` for their current address."""
    addresses = {uid: users[uid].strip().lower() for uid in wanted if users.get(uid)}
    if not addresses:
        return {}
    Endpoint.objects.bulk_create(
        [Endpoint(user_id=uid, kind=Endpoint.Kind.EMAIL, token=a) for uid, a in addresses.items()],
        ignore_conflicts=True,
    )
    found = Endpoint.objects.filter(
        kind=Endpoint.Kind.EMAIL, user_id__in=addresses, disabled=False
    ).only("id", "user_id", "token")
    return {e.user_id: e for e in found if addresses.get(e.user_id) == e.token}


def notify(messages: Iterable[Message]) -> int:
    """Create outbox rows (in-app always; push per enabled device; email when opted in),
    ignore rows that already exist for the same (idempotency key, recipient, channel, target),
    and publish one delivery task per batch of new rows after commit. Returns the new rows.

    An in-app row is delivered by being written: it is inserted `sent` and shows in the inbox
    when the caller commits, broker or no broker. Push and email rows wait for a worker.
    """
    from core.queue import enqueue_on_commit
    from notifications.tasks import deliver_batch

    batch = [_validated(m) for m in messages]  # a refused message raises before any write
    if not batch:
        return 0
    # No savepoint inside a caller's transaction (a reminder batch's): nothing recovers from a
    # failed insert and carries on, and a savepoint pair is two statements a batch (issue 23).
    with transaction.atomic(savepoint=False):
        return _notify(batch, enqueue_on_commit, deliver_batch)


def _notify(
    batch: list[tuple[Message, dict[str, str | int]]], enqueue_on_commit: Any, deliver_batch: Any
) -> int:
    recipient_ids = {m.recipient_id for m, _ in batch}
    # Plain tuples, arrays bound on the server (issue 23): a reminder batch asks for 5,000
    # users, and model instances and client-side quoting of the ids dominated these reads.
    with server_side_binding():
        switches = {
            uid: (push, email)
            for uid, push, email in Preference.objects.filter(user_id__any=recipient_ids)
            .order_by()
            .values_list("user_id", "push_enabled", "email_enabled")
        }
        unsaved = Preference()  # what a user without a preference row gets
        default = (unsaved.push_enabled, unsaved.email_enabled)
        push_users = [uid for uid in recipient_ids if switches.get(uid, default)[0]]
        devices: dict[int, list[UUID]] = {}
        push_devices = Endpoint.objects.filter(
            kind=Endpoint.Kind.PUSH, user_id__any=push_users, disabled=False
        )
        for device_id, uid in push_devices.order_by().values_list("id", "user_id"):
            devices.setdefault(uid, []).append(device_id)
    email_users = {uid for uid in recipient_ids if switches.get(uid, default)[1]}
    emails = _email_endpoints(
        dict(get_user_model().objects.filter(id__in=email_users).values_list("id", "email")),
        email_users,
    )

    now = timezone.now()
    sweep_at = now + timedelta(seconds=conf().SWEEP_GRACE_SECONDS)
    rows: list[dict[str, Any]] = []
    for message, context in batch:
        uid = message.recipient_id
        targets: list[tuple[str, UUID | None]] = [(Notification.Channel.INAPP, None)]
        targets += [(Notification.Channel.PUSH, d) for d in devices.get(uid, [])]
        if uid in emails:
            targets.append((Notification.Channel.EMAIL, emails[uid].id))
        for channel, endpoint_id in targets:
            inapp = channel == Notification.Channel.INAPP
            rows.append(
                {
                    "recipient_id": uid,
                    "channel": channel,
                    "endpoint_id": endpoint_id,
                    "target": str(endpoint_id) if endpoint_id else Notification.INAPP_TARGET,
                    "template": message.template,
                    "context": context,
                    "link": message.link,
                    "urgent": message.urgent,
                    "idempotency_key": message.idempotency_key,
                    "status": Notification.Status.SENT if inapp else Notification.Status.PENDING,
                    "attempts": 1 if inapp else 0,
                    "sent_at": now if inapp else None,
                    "next_attempt_at": sweep_at,
                    "created_at": now,
                }
            )
    new = insert_ignoring_conflicts(rows)
    to_deliver = [pk for pk, channel in new if channel != Notification.Channel.INAPP]
    size = conf().BATCH_SIZE
    for start in range(0, len(to_deliver), size):
        enqueue_on_commit(deliver_batch, notification_ids=to_deliver[start : start + size])
    return len(new)


# ---------------------------------------------------------------------------------------------
# Preferences
# ---------------------------------------------------------------------------------------------


def preference_for(user_id: int) -> Preference:
    """The user's preferences, or unsaved defaults when they never set any."""
    return Preference.objects.filter(user_id=user_id).first() or Preference(user_id=user_id)


def _timezone_check(tz: str) -> str:
    if tz not in zoneinfo.available_timezones():
        raise ValueError(f"{tz!r} is not an IANA time zone")
    return tz


def preference_set_timezone(*, user_id: int, timezone: str, language: str | None = None) -> None:
    """Enrollment: the patient's own clock (and language, issue 19) for delivery."""
    _timezone_check(timezone)
    defaults = {"timezone": timezone} | ({"language": language} if language else {})
    Preference.objects.update_or_create(user_id=user_id, defaults=defaults)


@transaction.atomic
def preference_update(
    *,
    user_id: int,
    timezone: str | None = None,
    checkin_reminder_time: time | None = None,
    quiet_hours_start: time | None = None,
    quiet_hours_end: time | None = None,
    push_enabled: bool | None = None,
    email_enabled: bool | None = None,
    language: str | None = None,
    temperature_unit: str | None = None,
) -> Preference:
    if timezone is not None:
        _timezone_check(timezone)
    pref, _ = Preference.objects.select_for_update().get_or_create(user_id=user_id)
    changes = {
        "timezone": timezone,
        "checkin_reminder_time": checkin_reminder_time,
        "quiet_hours_start": quiet_hours_start,
        "quiet_hours_end": quiet_hours_end,
        "push_enabled": push_enabled,
        "email_enabled": email_enabled,
        "language": language,
        "temperature_unit": temperature_unit,
    }
    changed = [name for name, value in changes.items() if value is not None]
    for name in changed:
        setattr(pref, name, changes[name])
    if changed:
        pref.save(update_fields=[*changed, "updated_at"])
        # recovery re-times the patient's reminders (and clock) when these change.
        preference_changed.send(
            sender=Preference, user_id=user_id, changed=changed, preference=pref
        )
    return pref


# ---------------------------------------------------------------------------------------------
# Devices
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def device_register(
    *, user_id: int, platform: str, token: str, subscription_keys: dict[str, str] | None = None
) -> tuple[Endpoint, bool]:
    """Register a push token for the caller. Returns (endpoint, created).

    The same token again is a no-op; a token last registered by someone else (a shared or
    resold phone) moves to the caller and is re-enabled. For web push the token is the
    subscription's endpoint URL and `subscription_keys` its encryption keys.
    """
    keys = subscription_keys or {}
    existing = (
        Endpoint.objects.select_for_update().filter(kind=Endpoint.Kind.PUSH, token=token).first()
    )
    if existing is None:
        try:
            with transaction.atomic():
                endpoint = Endpoint.objects.create(
                    user_id=user_id,
                    kind=Endpoint.Kind.PUSH,
                    platform=platform,
                    token=token,
                    subscription_keys=keys,
                )
            return endpoint, True
        except IntegrityError:
            # Two registrations of a new token raced; the other one created it.
            existing = Endpoint.objects.select_for_update().get(
                kind=Endpoint.Kind.PUSH, token=token
            )
    existing.user_id = user_id
    existing.platform = platform
    existing.disabled = False
    existing.disabled_reason = ""
    existing.subscription_keys = keys
    existing.save(
        update_fields=[
            "user",
            "platform",
            "disabled",
            "disabled_reason",
            "subscription_keys",
            "updated_at",
        ]
    )
    return existing, False


def device_unregister(*, user_id: int, endpoint_id: Any) -> None:
    """Delete one of the caller's devices; another user's device is a 404 (Http404)."""
    from django.http import Http404

    deleted, _ = Endpoint.objects.filter(
        id=endpoint_id, user_id=user_id, kind=Endpoint.Kind.PUSH
    ).delete()
    if not deleted:
        raise Http404


# ---------------------------------------------------------------------------------------------
# Inbox
# ---------------------------------------------------------------------------------------------


def notification_mark_read(*, user_id: int, notification_id: Any) -> Notification:
    notification = notification_get_for_user(user_id=user_id, notification_id=notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(id=notification.id, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_all_read(*, user_id: int, now: datetime | None = None) -> int:
    return (
        inbox_queryset(user_id=user_id)
        .filter(read_at__isnull=True)
        .update(read_at=now or timezone.now())
    )
