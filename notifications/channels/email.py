import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email

from notifications.catalogue import template_render
from notifications.channels.base import Channel, DeliveryError
from notifications.models import Notification


class EmailChannel(Channel):
    """Django's email backend. The body is catalogue text plus an app link behind login."""

    kind = "email"

    def send(self, notification: Notification) -> None:
        assert notification.endpoint is not None
        address = notification.endpoint.token
        try:
            validate_email(address)
        except ValidationError:
            raise DeliveryError("invalid email address", permanent=True) from None
        title, body = template_render(notification.template, notification.render_language)
        if notification.link:
            body += f"\n\n{settings.PUBLIC_BASE_URL.rstrip('/')}{notification.link}"
        try:
            send_mail(
                title,
                body,
                settings.DEFAULT_FROM_EMAIL,
                [address],
                fail_silently=False,
            )
        except smtplib.SMTPRecipientsRefused:
            raise DeliveryError("recipient refused", permanent=True) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"smtp: {type(exc).__name__}") from None
