"""The one interface every channel implements (healthchecks' Transport, adapted)."""

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from notifications.models import Notification


class DeliveryError(Exception):
    """A provider refused a message. Permanent errors disable the endpoint; others retry."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class Channel:
    kind: ClassVar[str]
    # Push and email wait for the end of quiet hours; the inbox never waits.
    respects_quiet_hours: ClassVar[bool] = True
    # Whether the row is addressed to an Endpoint that must exist and be enabled.
    needs_endpoint: ClassVar[bool] = True

    def send(self, notification: "Notification") -> None:
        """Deliver or raise DeliveryError. Returns None on success."""
        raise NotImplementedError
