"""System checks with stable ids: misconfiguration shows at startup, not at the first alert."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def check_time_zone(app_configs: Any, **kwargs: Any) -> list[Error]:
    if settings.TIME_ZONE != "UTC" or not settings.USE_TZ:
        return [
            Error(
                "TIME_ZONE must be 'UTC' with USE_TZ = True; patient wall clocks come from "
                "their notification Preference.timezone.",
                id="backend.E001",
            )
        ]
    return []


@register()
def check_push_credentials(app_configs: Any, **kwargs: Any) -> list[Error]:
    if settings.PUSH_ENABLED and not settings.FCM_CREDENTIALS_FILE:
        return [
            Error(
                "PUSH_ENABLED is true but FCM_CREDENTIALS_FILE is not set.",
                hint="Point FCM_CREDENTIALS_FILE at the Firebase service-account JSON.",
                id="backend.E002",
            )
        ]
    return []


@register()
def check_email_settings(app_configs: Any, **kwargs: Any) -> list[Error]:
    if settings.EMAIL_ENABLED and not settings.EMAIL_HOST:
        return [Error("EMAIL_ENABLED is true but EMAIL_HOST is empty.", id="backend.E003")]
    return []


@register(deploy=True)
def check_broker_in_production(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if not settings.DEBUG and settings.CELERY_BROKER_URL.startswith("filesystem://"):
        return [
            Warning(
                "The filesystem Celery broker is for single-machine development.",
                hint="Set CELERY_BROKER_URL to a Redis URL in production.",
                id="backend.W001",
            )
        ]
    return []
