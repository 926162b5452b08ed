"""Deliver outbox rows in batches: claim, respect preferences and quiet hours, send, record.

Exactly-once rests on the claim: one conditional UPDATE moves the batch's rows pending ->
sending and returns the ids it moved (healthchecks' sendalerts, for many rows at once). Only
the caller that moved a row may send it; redelivered tasks, repeated sweeps and racing workers
find it no longer pending and do nothing.

The statements per batch are fixed whatever its size (claim, read rows, read preferences, one
update per outcome group, one per send chunk), so a fan-out of 100,000 reminders costs a few
statements per thousand rather than several per row. Sends go out in chunks of DELIVERY_CHUNK
and each chunk is recorded as soon as its provider call returns: a worker killed inside a
provider call can repeat that one chunk (at-least-once, as every push provider is; the payload
carries the notification id so the app can drop a duplicate), never a recorded one.

Id lists travel as one array parameter (`= ANY(%s)`) bound on the server (core.sql), not as
1,000 quoted literals (issue 23).
"""

import logging
import random
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection
from django.db.models import F
from django.utils import timezone

from core.sql import array_placeholder, server_side_binding
from notifications.channels import channel_for
from notifications.channels.base import DeliveryError
from notifications.conf import conf
from notifications.models import Endpoint, Notification, Preference
from notifications.quiet_hours import quiet_until

logger = logging.getLogger(__name__)

S = Notification.Status
DELIVERY_COLUMNS = (
    "id",
    "recipient_id",
    "channel",
    "template",
    "context",
    "link",
    "urgent",
    "attempts",
    "endpoint",
    "endpoint__id",
    "endpoint__user_id",
    "endpoint__token",
    "endpoint__disabled",
    "endpoint__subscription_keys",  # web push encrypts with them (issue 20)
)
PREFERENCE_COLUMNS = (
    "user_id",
    "language",
    "timezone",
    "quiet_hours_start",
    "quiet_hours_end",
    "push_enabled",
    "email_enabled",
)


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


def _uuids(ids: Iterable[Any]) -> list[uuid.UUID]:
    parsed = []
    for value in ids:
        try:
            parsed.append(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
        except ValueError:
            logger.warning("deliver: ignoring a malformed notification id")
    return parsed


def _claim(ids: Sequence[uuid.UUID], now: datetime) -> list[uuid.UUID]:
    """UPDATE ... WHERE status = 'pending' RETURNING id: the rows this caller now owns.

    The ORM's update() says how many rows changed, not which; RETURNING (PostgreSQL, and
    SQLite >= 3.35 for `make run`) says which in the same statement.
    """
    if not ids:
        return []
    meta = Notification._meta
    qn = connection.ops.quote_name
    pk = meta.pk
    claimed_at = meta.get_field("claimed_at").get_db_prep_value(now, connection)
    params: list[Any] = [S.SENDING, claimed_at, S.PENDING]
    values = [pk.get_db_prep_value(i, connection) for i in ids]
    if connection.vendor == "postgresql":
        match = f"{qn(pk.column)} = ANY({array_placeholder(connection)})"
        params = [*params, values]
    else:
        match, params = f"{qn(pk.column)} IN ({', '.join(['%s'] * len(ids))})", params + values
    sql = (
        f"UPDATE {qn(meta.db_table)} SET {qn('status')} = %s, "  # noqa: S608 (names, not data)
        f"{qn('attempts')} = {qn('attempts')} + 1, {qn('claimed_at')} = %s "
        f"WHERE {qn('status')} = %s AND {match} RETURNING {qn(pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [pk.to_python(row[0]) for row in cursor.fetchall()]


def _load(claimed: list[uuid.UUID]) -> tuple[list[Notification], dict[int, Preference]]:
    """The claimed rows with their endpoints, and their recipients' preferences (2 queries)."""
    if not claimed:
        return [], {}
    # Only the columns delivery reads: a fan-out loads a thousand rows per batch, and
    # building model instances with every timestamp column dominated its time.
    rows = list(
        Notification.objects.filter(id__any=claimed)
        .select_related("endpoint")
        .only(*DELIVERY_COLUMNS)
    )
    users = {n.recipient_id for n in rows}
    prefs = {
        p.user_id: p
        for p in Preference.objects.filter(user_id__any=users).only(*PREFERENCE_COLUMNS)
    }
    return rows, prefs


_NOTIFICATION_FIELDS = [f for f in DELIVERY_COLUMNS if "__" not in f and f != "endpoint"]
_ENDPOINT_FIELDS = ["user_id", "token", "disabled", "subscription_keys"]


def _claim_and_load(
    ids: Sequence[uuid.UUID], now: datetime
) -> tuple[list[Notification], dict[int, Preference]]:
    """PostgreSQL: claim, read the rows, their endpoints and preferences in ONE statement.

    The claim is the same conditional UPDATE ... RETURNING as `_claim` (only rows still
    pending move, so a redelivered task or a racing worker gets nothing); the SELECT around
    it joins what delivery reads. A fan-out pays one statement per batch instead of three.
    """
    if not ids:
        return [], {}
    qn = connection.ops.quote_name
    n_meta, e_meta, p_meta = Notification._meta, Endpoint._meta, Preference._meta
    n_columns = [_column(n_meta, f) for f in _NOTIFICATION_FIELDS] + ["endpoint_id"]
    e_columns = ["id"] + [_column(e_meta, f) for f in _ENDPOINT_FIELDS]
    p_fields = [f for f in PREFERENCE_COLUMNS if f != "user_id"]
    p_columns = ["user_id"] + [_column(p_meta, f) for f in p_fields]
    select = (
        [f"c.{qn(c)}" for c in n_columns]
        + [f"e.{qn(c)}" for c in e_columns]
        + [f"p.{qn(c)}" for c in p_columns]
    )
    sql = (
        f"WITH c AS (UPDATE {qn(n_meta.db_table)} SET {qn('status')} = %s, "  # noqa: S608
        f"{qn('attempts')} = {qn('attempts')} + 1, {qn('claimed_at')} = %s "
        f"WHERE {qn('status')} = %s AND {qn('id')} = ANY({array_placeholder(connection)}) "
        f"RETURNING {', '.join(qn(c) for c in n_columns)}) "
        f"SELECT {', '.join(select)} FROM c "
        f"LEFT JOIN {qn(e_meta.db_table)} e ON e.{qn('id')} = c.{qn('endpoint_id')} "
        f"LEFT JOIN {qn(p_meta.db_table)} p ON p.{qn('user_id')} = c.{qn('recipient_id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [S.SENDING, now, S.PENDING, list(ids)])
        fetched = cursor.fetchall()
    json_fields = {
        name: model._meta.get_field(name)
        for model, name in ((Notification, "context"), (Endpoint, "subscription_keys"))
    }
    n_count, e_count = len(n_columns), len(e_columns)
    rows: list[Notification] = []
    prefs: dict[int, Preference] = {}
    for values in fetched:
        n_values, e_values = values[:n_count], values[n_count : n_count + e_count]
        p_values = values[n_count + e_count :]
        fields = dict(zip([*_NOTIFICATION_FIELDS, "endpoint_id"], n_values, strict=True))
        fields["context"] = _json(json_fields["context"], fields["context"])
        notification = Notification(**fields)
        if e_values[0] is not None:
            endpoint = Endpoint(
                id=e_values[0], **dict(zip(_ENDPOINT_FIELDS, e_values[1:], strict=True))
            )
            endpoint.subscription_keys = _json(
                json_fields["subscription_keys"], endpoint.subscription_keys
            )
            notification.endpoint = endpoint
        rows.append(notification)
        if p_values[0] is not None and p_values[0] not in prefs:
            prefs[p_values[0]] = Preference(
                user_id=p_values[0], **dict(zip(p_fields, p_values[1:], strict=True))
            )
    return rows, prefs


def _column(meta: Any, name: str) -> str:
    return str(meta.get_field(name).column)


def _json(field: Any, value: Any) -> Any:
    """A jsonb column read by a raw cursor, as the ORM would return it."""
    return field.from_db_value(value, None, connection) if isinstance(value, str) else value


def _finish(ids: Iterable[Any], **changes: Any) -> None:
    """Record an outcome for claimed rows; a row someone else released is left alone."""
    ids = list(ids)
    if ids:
        Notification.objects.filter(id__any=ids, status=S.SENDING).update(**changes)


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
        _finish([n.id], status=S.FAILED, last_error=message, claimed_at=None)
        if n.endpoint_id:
            Endpoint.objects.filter(id=n.endpoint_id).update(
                disabled=True, disabled_reason=message, last_error=message, updated_at=now
            )
        logger.warning("notification %s failed permanently; endpoint disabled", n.id)
        return Outcome.FAILED
    if n.endpoint_id:
        Endpoint.objects.filter(id=n.endpoint_id).update(last_error=message, updated_at=now)
    if n.attempts > conf().MAX_RETRIES:  # read after the claim, which counted this one
        _finish([n.id], status=S.FAILED, last_error=message, claimed_at=None)
        logger.warning("notification %s failed after %d attempts", n.id, n.attempts)
        return Outcome.FAILED
    _finish(
        [n.id],
        status=S.PENDING,
        last_error=message,
        claimed_at=None,
        next_attempt_at=now + retry_delay(n.attempts),
    )
    return Outcome.RETRY


class _QuietHours:
    """quiet_until per distinct (zone, window): a batch shares a handful of them."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._seen: dict[tuple[str, time, time], datetime | None] = {}

    def until(self, pref: Preference) -> datetime | None:
        key = (pref.timezone, pref.quiet_hours_start, pref.quiet_hours_end)
        if key not in self._seen:
            self._seen[key] = quiet_until(now=self.now, tz=key[0], start=key[1], end=key[2])
        return self._seen[key]


def _chunks(rows: list[Notification], size: int) -> Iterable[list[Notification]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _send(kind: str, rows: list[Notification], now: datetime, outcomes: dict[Any, Outcome]) -> None:
    """Send one channel's rows chunk by chunk, recording each chunk when its call returns."""
    channel = channel_for(kind)
    for chunk in _chunks(rows, conf().DELIVERY_CHUNK):
        try:
            errors = channel.send_many(chunk)
        except SoftTimeLimitExceeded:
            # Out of time: give the unrecorded rows back at once rather than wait for the sweep.
            unrecorded = [n.id for n in rows if n.id not in outcomes]
            _finish(unrecorded, status=S.PENDING, claimed_at=None, next_attempt_at=now)
            raise
        except Exception as exc:
            # A bug in a batch call must not wedge its rows: a transient failure for each.
            logger.exception("%s channel: unexpected delivery error", kind)
            errors = [DeliveryError(f"error: {type(exc).__name__}")] * len(chunk)
        sent = [n for n, error in zip(chunk, errors, strict=True) if error is None]
        _finish(
            [n.id for n in sent],
            status=S.SENT,
            sent_at=timezone.now(),
            last_error="",
            claimed_at=None,
        )
        outcomes.update((n.id, Outcome.SENT) for n in sent)
        for n, error in zip(chunk, errors, strict=True):
            if error is not None:
                outcomes[n.id] = _record_error(n, error, now)


def notifications_deliver(ids: Iterable[Any], *, now: datetime | None = None) -> list[Outcome]:
    """Deliver the given outbox rows; one outcome per id, in order."""
    with server_side_binding():
        return _deliver(ids, now=now)


def _deliver(ids: Iterable[Any], *, now: datetime | None) -> list[Outcome]:
    now = now or timezone.now()
    requested = _uuids(ids)
    if connection.vendor == "postgresql":
        rows, prefs = _claim_and_load(requested, now)
    else:
        rows, prefs = _load(_claim(requested, now))
    outcomes: dict[Any, Outcome] = {}
    if rows:
        quiet = _QuietHours(now)
        skipped: dict[str, list[Any]] = defaultdict(list)
        deferred: dict[datetime, list[Any]] = defaultdict(list)
        to_send: dict[str, list[Notification]] = defaultdict(list)
        for n in rows:
            pref = prefs.get(n.recipient_id) or Preference(user_id=n.recipient_id)
            n.render_language = pref.language
            if reason := _skip_reason(n, pref):
                skipped[reason].append(n.id)
            elif (
                channel_for(n.channel).respects_quiet_hours
                and not n.urgent
                and (until := quiet.until(pref))
            ):
                deferred[until].append(n.id)
            else:
                to_send[n.channel].append(n)
        for reason, group in skipped.items():
            _finish(group, status=S.SKIPPED, last_error=reason, claimed_at=None)
            outcomes.update(dict.fromkeys(group, Outcome.SKIPPED))
        for until, group in deferred.items():
            # Not an attempt: hand the rows back to the sweep for the end of quiet hours.
            _finish(
                group,
                status=S.PENDING,
                attempts=F("attempts") - 1,
                claimed_at=None,
                next_attempt_at=until,
            )
            outcomes.update(dict.fromkeys(group, Outcome.DEFERRED))
        for kind, group in to_send.items():
            _send(kind, group, now, outcomes)
        delivered_to = {
            n.endpoint_id for n in rows if n.endpoint_id and outcomes[n.id] == Outcome.SENT
        }
        if delivered_to:
            Endpoint.objects.filter(id__any=delivered_to).update(
                last_delivery_at=timezone.now(), last_error=""
            )
    return [outcomes.get(i, Outcome.NOT_PENDING) for i in requested]


def notification_deliver(notification_id: Any, *, now: datetime | None = None) -> Outcome:
    """Deliver one row (a batch of one)."""
    [outcome] = notifications_deliver([notification_id], now=now) or [Outcome.NOT_PENDING]
    return outcome


def outcome_counts(outcomes: Iterable[Outcome]) -> dict[str, int]:
    return dict(Counter(str(o) for o in outcomes))
