"""Shared fixtures: a recording push transport (the one provider seam) and captured publishes."""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from notifications.channels import push
from notifications.channels.base import DeliveryError
from notifications.dispatch import notifications_deliver
from notifications.models import Notification
from tests.privacy_guard import privacy_guard  # noqa: F401  (the guard, until conftest registers it)


@dataclass
class RecordingTransport:
    """Stands in for FCM at the transport boundary; `fail_with` makes the next sends raise."""

    sent: list[dict] = field(default_factory=list)
    fail_with: list[DeliveryError] = field(default_factory=list)
    on_send: Callable[[], None] | None = None

    def send(self, token: str, title: str, body: str, data: Mapping[str, str]) -> None:
        if self.on_send:
            self.on_send()
        if self.fail_with:
            raise self.fail_with.pop(0)
        self.sent.append({"token": token, "title": title, "body": body, "data": dict(data)})


@pytest.fixture(autouse=True)
def push_transport(monkeypatch: pytest.MonkeyPatch) -> RecordingTransport:
    fake = RecordingTransport()
    monkeypatch.setattr(push, "transport", lambda: fake)
    return fake


@dataclass
class Published:
    batches: list[list[str]] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return [i for batch in self.batches for i in batch]

    def deliver_all(self) -> None:
        """Run what was published, as a worker would: one batch per task."""
        for batch in self.batches:
            notifications_deliver(batch)


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> Iterator[Published]:
    """Capture deliver_batch publishes (after commit) instead of sending them to Redis."""
    from notifications.tasks import deliver_batch

    record = Published()

    def _apply_async(*, kwargs: dict, **options: object) -> None:
        record.batches.append(list(kwargs["notification_ids"]))

    monkeypatch.setattr(deliver_batch, "apply_async", _apply_async)
    yield record


@pytest.fixture
def sweep(published: Published, django_capture_on_commit_callbacks: Any) -> Callable[..., int]:
    """Run the outbox sweep as beat would, then (by default) the tasks it published."""
    from notifications.sweep import outbox_sweep

    def _sweep(*, deliver: bool = True) -> int:
        published.batches.clear()
        with django_capture_on_commit_callbacks(execute=True):
            count = outbox_sweep()
        if deliver:
            published.deliver_all()
        return count

    return _sweep


def rows(**filters: object) -> list[Notification]:
    return list(Notification.objects.filter(**filters).order_by("channel", "created_at"))
