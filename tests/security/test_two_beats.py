"""Two beat schedulers started by mistake: every periodic job runs twice, at the same moment.

Each test starts two threads (each with its own PostgreSQL connection, as two processes would
have) behind a barrier so they hit the same due rows together, then checks the outbox: one row
per idempotency key, recipient, channel and target, and one send per row.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from notifications.channels import push
from notifications.dispatch import notification_deliver
from notifications.models import Endpoint, Notification
from notifications.services import Message, notify
from notifications.sweep import outbox_sweep
from tests.clock import NOON
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

RECIPIENTS = 12
DAYS = 5  # reminders per recipient (one per local date)
JOIN_TIMEOUT = 60.0


class LockedRecorder:
    """The push seam, shared by both "processes": records every token it was handed."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent: list[tuple[str, str]] = []

    def send(self, token: str, title: str, body: str, data: Mapping[str, str]) -> None:
        with self.lock:
            self.sent.append((token, data.get("id", "")))


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> LockedRecorder:
    fake = LockedRecorder()
    monkeypatch.setattr(push, "transport", lambda: fake)
    return fake


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[str]]]:
    """What each sweep publishes, recorded after its commit instead of going to Redis."""
    import core.queue

    batches: list[list[str]] = []
    lock = threading.Lock()

    def _record(task: Any, **kwargs: Any) -> None:
        def _after_commit() -> None:
            with lock:
                batches.append(list(kwargs["notification_ids"]))

        transaction.on_commit(_after_commit)

    monkeypatch.setattr(core.queue, "enqueue_on_commit", _record)
    yield batches


def _twice(job: Callable[[], Any]) -> list[Any]:
    """Run `job` in two threads released together; each closes its own connection."""
    barrier = threading.Barrier(2, timeout=JOIN_TIMEOUT)
    results: list[Any] = []
    errors: list[BaseException] = []

    def _run() -> None:
        try:
            barrier.wait()
            results.append(job())
        except BaseException as exc:  # surfaced in the test thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a beat thread hung"
    assert not errors, errors
    return results


def _reminders(users: list[Any]) -> list[Message]:
    today = timezone.localdate()
    return [
        Message(user.id, "checkin_due", f"checkin:{user.id}:{today + timedelta(days=d)}")
        for user in users
        for d in range(DAYS)
    ]


@pytest.fixture
def users(db: None) -> list[Any]:
    people = [UserFactory() for _ in range(RECIPIENTS)]
    for person in people:
        Endpoint.objects.create(
            user=person, kind="push", platform="android", token=f"token-{person.id}"
        )
    return people


def _duplicates() -> list[dict[str, Any]]:
    return list(
        Notification.objects.values("idempotency_key", "recipient", "channel", "target")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )


def test_it_creates_one_outbox_row_per_key_when_two_beats_enqueue_the_same_reminders(
    users, published
) -> None:
    messages = _reminders(users)
    created = _twice(lambda: notify(messages))

    assert sum(created) == len(messages) * 2  # in-app + one device each, created once in all
    assert Notification.objects.count() == len(messages) * 2
    assert not _duplicates()
    # Only the new rows are published (push: in-app rows are written delivered), so the
    # losing beat publishes nothing twice.
    ids = [i for batch in published for i in batch]
    pushes = Notification.objects.filter(channel="push").values_list("id", flat=True)
    assert sorted(ids) == sorted(str(i) for i in pushes)


@pytest.mark.clock(NOON)  # delivery waits out quiet hours (21:00-08:00)
def test_it_sends_each_row_once_when_two_beats_sweep_and_two_workers_deliver(
    users, published, recorder, settings
) -> None:
    settings.NOTIFICATIONS = {"BATCH_SIZE": 7}  # many small batches: the sweeps interleave
    with transaction.atomic():
        notify(_reminders(users))
    published.clear()  # the on-commit publishes were "lost": only the sweeps may drive the rows
    later = timezone.now() + timedelta(minutes=5)

    swept = _twice(lambda: outbox_sweep(now=later))

    rows = Notification.objects.filter(channel="push").count()  # in-app rows are written sent
    ids = [i for batch in published for i in batch]
    assert sum(swept) == rows and len(ids) == rows and len(set(ids)) == rows
    # Two workers each run every published batch (a redelivery storm): one send per row.
    outcomes = _twice(lambda: [notification_deliver(i) for batch in published for i in batch])
    sent_by_worker = [sum(1 for o in worker if o == "sent") for worker in outcomes]
    assert sum(sent_by_worker) == rows
    assert Notification.objects.exclude(status="sent").count() == 0
    pushes = Notification.objects.filter(channel="push").count()
    assert len(recorder.sent) == pushes == len(set(recorder.sent))
    # A third sweep, minutes later, finds nothing to re-drive.
    assert outbox_sweep(now=later + timedelta(minutes=5)) == 0


# 2026-06-10 13:00 UTC is 09:00 in New York: every patient's morning run is due.
NY_MORNING = datetime(2026, 6, 10, 13, 0, tzinfo=UTC)


@pytest.mark.clock
def test_it_reminds_each_patient_once_when_two_beats_run_the_reminder_sweep(published) -> None:
    from recovery.reminders.schedule import reminder_schedules_sync
    from recovery.reminders.sweep import reminders_send_due
    from tests.factories.plans import planned_patient

    setup_at = NY_MORNING - timedelta(hours=6)
    with time_machine.travel(setup_at, tick=False):
        patients = [
            planned_patient(postop_day=10, timezone="America/New_York") for _ in range(RECIPIENTS)
        ]
        for patient in patients:
            reminder_schedules_sync(patient=patient, now=setup_at)

    with time_machine.travel(NY_MORNING, tick=False):
        results = _twice(lambda: reminders_send_due(now=NY_MORNING))
        # A beat that lags a minute behind finds the rows already moved to tomorrow.
        late = _twice(lambda: reminders_send_due(now=NY_MORNING + timedelta(minutes=1)))

    assert sum(r.runs for r in results) == len(patients)  # each due row claimed by one beat
    assert sum(r.runs for r in late) == 0
    assert not _duplicates()
    for patient in patients:
        keys = list(
            Notification.objects.filter(recipient=patient.user, template="checkin_due").values_list(
                "idempotency_key", flat=True
            )
        )
        assert keys == [f"checkin:{patient.id}:2026-06-10"]
    ids = [i for batch in published for i in batch]
    assert len(ids) == len(set(ids)) == Notification.objects.exclude(channel="inapp").count()
