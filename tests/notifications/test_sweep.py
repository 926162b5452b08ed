"""The per-minute sweep re-drives lost work and never causes a second send."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from notifications.conf import conf, task_time_limit_seconds
from notifications.models import Notification
from notifications.services import Message, notify
from tests.factories.notifications import DeviceFactory

pytestmark = pytest.mark.django_db

S = Notification.Status
T0 = datetime(2025, 6, 2, 16, 0, tzinfo=UTC)  # midday in New York: outside quiet hours


@pytest.fixture
def lost_publish(patient) -> Notification:
    """A committed push row whose on-commit publish never reached the broker."""
    DeviceFactory(user=patient.user)
    with time_machine.travel(T0, tick=False):
        notify([Message(patient.user_id, "checkin_due", "checkin:p:1", urgent=True)])
    return Notification.objects.get(channel="push")


def test_it_leaves_fresh_rows_to_their_own_task(lost_publish, sweep) -> None:
    with time_machine.travel(T0 + timedelta(seconds=conf().SWEEP_GRACE_SECONDS - 1)):
        assert sweep() == 0


def test_it_re_drives_a_row_whose_publish_was_lost(lost_publish, sweep, push_transport) -> None:
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        assert sweep() == 1
    lost_publish.refresh_from_db()
    assert lost_publish.status == S.SENT
    assert len(push_transport.sent) == 1


def test_repeated_sweeps_and_redelivered_tasks_never_double_send(
    lost_publish, sweep, published, push_transport
) -> None:
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        assert sweep(deliver=False) == 1
        assert sweep(deliver=False) == 0  # the first sweep leased the row
    first = list(published.batches)
    with time_machine.travel(T0 + timedelta(minutes=4), tick=False):
        assert sweep(deliver=False) == 1  # the lease ran out: publish again (a lost task)
        published.batches += first  # ...and the first task turns up after all
        published.deliver_all()
        published.deliver_all()  # redelivered by the broker
        assert sweep() == 0
    assert len(push_transport.sent) == 1


def test_it_publishes_due_rows_in_batches(settings, patient, sweep, published) -> None:
    settings.NOTIFICATIONS = {"BATCH_SIZE": 3}
    DeviceFactory(user=patient.user)
    with time_machine.travel(T0, tick=False):
        notify([Message(patient.user_id, "checkin_due", f"k{i}") for i in range(7)])
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        assert sweep(deliver=False) == 7
    assert [len(b) for b in published.batches] == [3, 3, 1]


@pytest.mark.parametrize(
    ("claimed_ago", "released"),
    [(timedelta(seconds=30), False), (timedelta(minutes=10), True)],
)
def test_it_releases_rows_stuck_in_sending_past_the_time_limit(
    lost_publish, sweep, push_transport, claimed_ago, released
) -> None:
    now = T0 + timedelta(hours=1)
    Notification.objects.filter(id=lost_publish.id).update(
        status=S.SENDING, attempts=1, claimed_at=now - claimed_ago
    )
    with time_machine.travel(now, tick=False):
        sweep()
    lost_publish.refresh_from_db()
    assert lost_publish.status == (S.SENT if released else S.SENDING)
    assert len(push_transport.sent) == (1 if released else 0)


def test_it_fails_a_row_that_keeps_losing_its_worker(lost_publish, sweep) -> None:
    now = T0 + timedelta(hours=1)
    stale = now - timedelta(seconds=task_time_limit_seconds() + conf().SWEEP_GRACE_SECONDS + 1)
    Notification.objects.filter(id=lost_publish.id).update(
        status=S.SENDING, attempts=conf().MAX_RETRIES + 1, claimed_at=stale
    )
    with time_machine.travel(now, tick=False):
        sweep()
    lost_publish.refresh_from_db()
    assert (lost_publish.status, lost_publish.last_error) == (S.FAILED, "worker lost")


def test_the_sweep_task_is_on_the_beat_schedule_every_minute() -> None:
    from celery.schedules import crontab

    from backend.celery import app

    entry = app.conf.beat_schedule["notifications-sweep-outbox"]
    assert entry["task"] == "notifications.tasks.sweep_outbox"
    assert entry["schedule"] == crontab()


def test_deliver_batch_is_idempotent_and_reports_outcomes(lost_publish) -> None:
    from notifications.tasks import deliver_batch

    assert deliver_batch.acks_late and deliver_batch.reject_on_worker_lost
    assert deliver_batch.run([str(lost_publish.id)]) == {"sent": 1}
    assert deliver_batch.run([str(lost_publish.id)]) == {"not-pending": 1}
