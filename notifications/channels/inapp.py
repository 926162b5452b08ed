from typing import ClassVar

from notifications.channels.base import Channel
from notifications.models import Notification


class InAppChannel(Channel):
    """Delivery is marking the row `sent`: the inbox lists sent in-app rows."""

    kind = "inapp"
    respects_quiet_hours: ClassVar[bool] = False
    needs_endpoint: ClassVar[bool] = False

    def send(self, notification: Notification) -> None:
        return None
