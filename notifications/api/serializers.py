"""Serializers for the /me/ notification endpoints (names unique project-wide)."""

import zoneinfo
from functools import cache
from typing import Any

from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.i18n import LanguageField, language_or_default
from notifications.models import Endpoint, Notification, Preference, TemperatureUnit


@extend_schema_field(
    {"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "09:00"}
)
class HourMinuteField(serializers.TimeField):
    """A local wall-clock time as "HH:MM" (24-hour), in and out."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"invalid": "Use 24-hour HH:MM, e.g. '09:00'."})
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class WebPushKeysInputSerializer(serializers.Serializer):
    p256dh = serializers.RegexField(r"^[A-Za-z0-9_-]{40,200}={0,2}$", max_length=200)
    auth = serializers.RegexField(r"^[A-Za-z0-9_-]{8,64}={0,2}$", max_length=64)


class WebPushSubscriptionInputSerializer(serializers.Serializer):
    """The browser's PushSubscription.toJSON() (issue 20)."""

    endpoint = serializers.URLField(max_length=512)
    keys = WebPushKeysInputSerializer()

    def validate_endpoint(self, value: str) -> str:
        if not value.startswith("https://"):
            raise serializers.ValidationError("A push service endpoint is an https URL.")
        return value


class DeviceRegisterInputSerializer(serializers.Serializer):
    platform = serializers.ChoiceField(choices=Endpoint.Platform.choices)
    token = serializers.CharField(
        max_length=512,
        trim_whitespace=True,
        required=False,
        help_text="The FCM registration token. Not sent with `subscription`.",
    )
    subscription = WebPushSubscriptionInputSerializer(
        required=False,
        help_text="Platform web only: the browser's PushSubscription, for Web Push (VAPID).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # platform web: `subscription` for Web Push (VAPID, issue 20), or an FCM web `token`.
        subscription = attrs.pop("subscription", None)
        if subscription is not None:
            if attrs["platform"] != Endpoint.Platform.WEB:
                raise serializers.ValidationError(
                    {"subscription": ["Only for platform web; send `token` instead."]}
                )
            attrs["token"] = subscription["endpoint"]
            attrs["subscription_keys"] = dict(subscription["keys"])
        elif not attrs.get("token"):
            field = "subscription" if attrs["platform"] == Endpoint.Platform.WEB else "token"
            raise serializers.ValidationError({field: ["This field is required."]})
        return attrs


class DeviceOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Endpoint
        fields = ["id", "platform", "disabled", "last_delivery_at", "created_at"]


class PreferenceOutputSerializer(serializers.ModelSerializer):
    checkin_reminder_time = HourMinuteField()
    quiet_hours_start = HourMinuteField()
    quiet_hours_end = HourMinuteField()

    class Meta:
        model = Preference
        fields = [
            "timezone",
            "checkin_reminder_time",
            "quiet_hours_start",
            "quiet_hours_end",
            "push_enabled",
            "email_enabled",
            "language",
            "temperature_unit",
        ]

    def to_representation(self, instance: Preference) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["language"] = language_or_default(instance.language)
        return data


class PreferenceUpdateInputSerializer(serializers.Serializer):
    timezone = serializers.CharField(max_length=64, required=False)
    checkin_reminder_time = HourMinuteField(required=False)
    quiet_hours_start = HourMinuteField(required=False)
    quiet_hours_end = HourMinuteField(required=False)
    push_enabled = serializers.BooleanField(required=False)
    email_enabled = serializers.BooleanField(required=False)
    language = LanguageField(required=False)
    temperature_unit = serializers.ChoiceField(choices=TemperatureUnit.choices, required=False)

    def validate_timezone(self, value: str) -> str:
        if value not in _zones():
            raise serializers.ValidationError("Use an IANA time zone such as 'America/New_York'.")
        return value


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "description": "Opaque ids and codes the template names (e.g. flag_id, local_date).",
    }
)
class NotificationContextField(serializers.JSONField):
    """The catalogue allows only string and integer values (notifications.catalogue)."""


class InboxNotificationOutputSerializer(serializers.ModelSerializer):
    """Catalogue text and opaque ids; the app fetches any detail behind login."""

    # A field named `context` shadows Serializer.context in the stubs; DRF pops declared fields
    # off the class, so the serializer's own context is untouched.
    context = NotificationContextField()  # type: ignore[assignment]

    title = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "template",
            "title",
            "body",
            "context",
            "link",
            "urgent",
            "read",
            "read_at",
            "created_at",
        ]

    def _rendered(self, n: Notification) -> tuple[str, str]:
        from notifications.catalogue import template_render

        # The recipient's language (the inbox query annotates it); else the request's, which
        # for the inbox is the recipient's own request.
        language = getattr(n, "recipient_language", None)
        return template_render(n.template, language or get_language())

    def get_title(self, n: Notification) -> str:
        return self._rendered(n)[0]

    def get_body(self, n: Notification) -> str:
        return self._rendered(n)[1]

    def get_read(self, n: Notification) -> bool:
        return n.read_at is not None


class UnreadCountOutputSerializer(serializers.Serializer):
    unread_count = serializers.IntegerField()


class MarkAllReadOutputSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
    unread_count = serializers.IntegerField()
