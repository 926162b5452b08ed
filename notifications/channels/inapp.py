from collections.abc import Sequence
from typing import ClassVar

from notifications.channels.base import Channel, DeliveryError
from notifications.models import Notification


class InAppChannel(Channel):
    """The inbox lists sent in-app rows, so writing the row as `sent` is the delivery:
    `notify` inserts them that way. Rows queued as pending by an older release are marked
    sent here."""

    kind = "inapp"
    respects_quiet_hours: ClassVar[bool] = False
    needs_endpoint: ClassVar[bool] = False

    def send(self, notification: Notification) -> None:
        return None

    def send_many(self, notifications: Sequence[Notification]) -> list[DeliveryError | None]:
        return [None] * len(notifications)
