"""Channel registry: kind -> dotted path, imported on first use (healthchecks' TRANSPORTS).

The models module never imports a provider SDK; firebase-admin loads only when a push is sent.
"""

from functools import cache

from django.utils.module_loading import import_string

from notifications.channels.base import Channel, DeliveryError

CHANNELS: dict[str, str] = {
    "inapp": "notifications.channels.inapp.InAppChannel",
    "push": "notifications.channels.push.PushChannel",
    "email": "notifications.channels.email.EmailChannel",
}


@cache
def _channel_class(kind: str) -> type[Channel]:
    return import_string(CHANNELS[kind])  # an unknown kind fails loudly (KeyError)


def channel_for(kind: str) -> Channel:
    return _channel_class(kind)()


__all__ = ["CHANNELS", "Channel", "DeliveryError", "channel_for"]
