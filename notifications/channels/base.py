"""The one interface every channel implements (healthchecks' Transport, adapted)."""

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar, TypeVar

from celery.exceptions import SoftTimeLimitExceeded

if TYPE_CHECKING:
    from notifications.models import Notification

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A provider refused a message. Permanent errors disable the endpoint; others retry."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


T = TypeVar("T")


def attempt_each(items: Sequence[T], send_one: Callable[[T], None]) -> list[DeliveryError | None]:
    """Send one at a time; one result per item (None: sent). A bug or an unmapped provider
    error must not wedge a row: it becomes a transient failure, retried a bounded number of
    times and then failed. The task's time limit still stops the loop."""
    results: list[DeliveryError | None] = []
    for item in items:
        try:
            send_one(item)
        except DeliveryError as error:
            results.append(error)
        except SoftTimeLimitExceeded:
            raise
        except Exception as exc:
            logger.exception("unexpected delivery error")
            results.append(DeliveryError(f"error: {type(exc).__name__}"))
        else:
            results.append(None)
    return results


class Channel:
    kind: ClassVar[str]
    # Push and email wait for the end of quiet hours; the inbox never waits.
    respects_quiet_hours: ClassVar[bool] = True
    # Whether the row is addressed to an Endpoint that must exist and be enabled.
    needs_endpoint: ClassVar[bool] = True

    def send(self, notification: "Notification") -> None:
        """Deliver or raise DeliveryError. Returns None on success."""
        raise NotImplementedError

    def send_many(self, notifications: Sequence["Notification"]) -> list[DeliveryError | None]:
        """Deliver several; one result per row, in order (None: sent). Channels whose provider
        has a batch call override this; the default sends one at a time."""
        return attempt_each(notifications, self.send)
