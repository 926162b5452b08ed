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


class DeviceRegisterInputSerializer(serializers.Serializer):
    platform = serializers.ChoiceField(choices=Endpoint.Platform.choices)
    token = serializers.CharField(max_length=512, trim_whitespace=True)


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


class InboxNotificationOutputSerializer(serializers.ModelSerializer):
    """Catalogue text and opaque ids; the app fetches any detail behind login."""

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
