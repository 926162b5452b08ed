"""Delivery plumbing: where a user can be reached, what was sent there, and how they like it.

No clinical data lives here. A Notification row names a catalogue template and carries opaque
ids in `context`; the text is generic (see catalogue.py).
"""

import uuid
from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q


class Endpoint(models.Model):
    """A place a user can be reached: a push device or an email address (healthchecks' Channel).

    The in-app inbox needs no endpoint: it is always on.
    """

    class Kind(models.TextChoices):
        PUSH = "push"
        EMAIL = "email"

    class Platform(models.TextChoices):
        IOS = "ios"
        ANDROID = "android"
        WEB = "web"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_endpoints"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    platform = models.CharField(max_length=8, choices=Platform.choices, blank=True)
    # A push registration token or an email address.
    token = models.CharField(max_length=512)
    # Web push (platform "web"): the subscription's keys {"p256dh", "auth"}; `token` holds its
    # endpoint URL. Empty for every other endpoint.
    subscription_keys = models.JSONField(default=dict, blank=True)
    disabled = models.BooleanField(default=False)
    disabled_reason = models.CharField(max_length=200, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    last_delivery_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # A device token identifies one device: re-registering moves it, never duplicates it.
            models.UniqueConstraint(
                fields=["kind", "token"],
                condition=Q(kind="push"),
                name="notif_endpoint_push_token_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "token"], name="notif_endpoint_user_kind_token_unique"
            ),
            models.CheckConstraint(
                condition=~Q(kind="push") | ~Q(platform=""), name="notif_endpoint_push_platform"
            ),
        ]
        indexes = [models.Index(fields=["user", "kind"], name="notif_endpoint_user_kind")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.platform or '-'}:{self.id}"


class Notification(models.Model):
    """The outbox: one row per recipient x channel x endpoint for one logical message.

    `next_attempt_at` is when the sweep should drive the row if nobody else has: a grace period
    after creation (the on-commit task normally gets there first), the end of quiet hours for a
    deferred row, or the backoff time after a transient failure.
    """

    # Not a column (issue 19): the recipient's language, set by delivery from their preferences
    # just before a channel renders the text, so a push sent later follows the recipient's
    # language at send time, never the language of the request that queued it.
    render_language: str = ""

    class Channel(models.TextChoices):
        INAPP = "inapp"
        PUSH = "push"
        EMAIL = "email"

    class Status(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"
        SKIPPED = "skipped"

    INAPP_TARGET = "inapp"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    endpoint = models.ForeignKey(
        Endpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    # The endpoint id (or "inapp") copied at creation: the uniqueness key survives an
    # unregistered device, which sets `endpoint` to NULL.
    target = models.CharField(max_length=64)
    template = models.CharField(max_length=64)
    context = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=200, blank=True)
    urgent = models.BooleanField(default=False)
    idempotency_key = models.CharField(max_length=200)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key", "recipient", "channel", "target"],
                name="notif_one_per_key_recipient_channel_target",
            ),
        ]
        indexes = [
            # The sweep reads only the (few) due pending rows and the rows lost mid-send.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="notif_pending_due",
            ),
            models.Index(
                fields=["claimed_at"], condition=Q(status="sending"), name="notif_sending_claimed"
            ),
            # The inbox: a user's visible in-app rows, newest first, and its unread count.
            models.Index(
                fields=["recipient", "-created_at"],
                condition=Q(channel="inapp", status="sent"),
                name="notif_inbox",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template}:{self.channel}:{self.status}"


def _default_timezone() -> str:
    from notifications.conf import conf

    return conf().DEFAULT_TIMEZONE


def _default_checkin_time() -> time:
    return time(9, 0)


def _default_quiet_start() -> time:
    return time(21, 0)


def _default_quiet_end() -> time:
    return time(8, 0)


class TemperatureUnit(models.TextChoices):
    CELSIUS = "c", "°C"
    FAHRENHEIT = "f", "°F"


class Preference(models.Model):
    """How a user likes to be reached. In-app is always on; quiet hours hold push and email."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    timezone = models.CharField(max_length=64, default=_default_timezone)
    checkin_reminder_time = models.TimeField(default=_default_checkin_time)
    quiet_hours_start = models.TimeField(default=_default_quiet_start)
    quiet_hours_end = models.TimeField(default=_default_quiet_end)
    push_enabled = models.BooleanField(default=True)
    # Opt-in: an inbox and push reach a patient without putting reminders in a shared mailbox.
    email_enabled = models.BooleanField(default=False)
    # issue 19: the language every notification to this user is rendered in, at send time
    # ("" = the deployment's LANGUAGE_CODE), and the temperature unit the app shows.
    language = models.CharField(max_length=16, blank=True, default="")
    temperature_unit = models.CharField(
        max_length=1, choices=TemperatureUnit.choices, default=TemperatureUnit.CELSIUS
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"preferences of user {self.user_id}"
