"""notification_deliver(): claim, preferences, quiet hours, provider errors, retries."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection

from notifications.channels.base import DeliveryError
from notifications.conf import conf
from notifications.dispatch import Outcome, notification_deliver, retry_delay
from notifications.models import Endpoint, Notification
from notifications.services import Message, notify, preference_update
from tests.factories.notifications import DeviceFactory
from tests.notifications.conftest import rows

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # time is injected or frozen

S = Notification.Status
# 23:30 in New York (EST, UTC-5) on a winter evening: inside the default 21:00-08:00 quiet hours.
LATE_EVENING = datetime(2025, 1, 15, 4, 30, tzinfo=UTC)
QUIET_ENDS = datetime(2025, 1, 15, 13, 0, tzinfo=UTC)  # 08:00 EST
MIDDAY = datetime(2025, 1, 15, 17, 0, tzinfo=UTC)  # 12:00 EST


@pytest.fixture
def device(patient) -> Endpoint:
    preference_update(user_id=patient.user_id, timezone="America/New_York")
    return DeviceFactory(user=patient.user, token="tok-patient")


def _push_row(user_id: int, **kw: object) -> Notification:
    notify([Message(user_id, "checkin_due", "checkin:p:1", **kw)])
    return Notification.objects.get(channel="push")


def _reload(n: Notification) -> Notification:
    n.refresh_from_db()
    return n


@time_machine.travel(MIDDAY, tick=False)
def test_it_sends_a_push_with_catalogue_text_and_opaque_ids(
    patient, device, push_transport
) -> None:
    row = _push_row(patient.user_id, link="/app/checkin/")
    assert notification_deliver(row.id) == Outcome.SENT
    assert push_transport.sent == [
        {
            "token": "tok-patient",
            "title": "Time for today's recovery check-in",
            "body": "Open the app to record today's check-in.",
            "data": {"id": str(row.id), "template": "checkin_due", "link": "/app/checkin/"},
        }
    ]
    row = _reload(row)
    assert (row.status, row.attempts, row.sent_at) == (S.SENT, 1, MIDDAY)
    device.refresh_from_db()
    assert device.last_delivery_at == MIDDAY


@time_machine.travel(LATE_EVENING, tick=False)
def test_it_defers_non_urgent_push_to_the_end_of_quiet_hours(
    patient, device, push_transport
) -> None:
    row = _push_row(patient.user_id)
    assert notification_deliver(row.id) == Outcome.DEFERRED
    row = _reload(row)
    assert (row.status, row.next_attempt_at, row.attempts) == (S.PENDING, QUIET_ENDS, 0)
    assert push_transport.sent == []


@time_machine.travel(LATE_EVENING, tick=False)
def test_it_sends_urgent_push_during_quiet_hours(patient, device, push_transport) -> None:
    row = _push_row(patient.user_id, urgent=True)
    assert notification_deliver(row.id) == Outcome.SENT
    assert len(push_transport.sent) == 1


@time_machine.travel(LATE_EVENING, tick=False)
def test_it_never_defers_the_inbox(patient, device) -> None:
    notify([Message(patient.user_id, "checkin_due", "checkin:p:1")])
    inbox = Notification.objects.get(channel="inapp")
    assert (inbox.status, inbox.sent_at) == (S.SENT, LATE_EVENING)


def test_it_sends_a_deferred_push_once_quiet_hours_end(
    patient, device, push_transport, sweep
) -> None:
    with time_machine.travel(LATE_EVENING, tick=False):
        row = _push_row(patient.user_id)
        notification_deliver(row.id)
    with time_machine.travel(QUIET_ENDS - timedelta(minutes=1), tick=False):
        assert sweep() == 0  # the push waits for the morning
        assert push_transport.sent == []
    with time_machine.travel(QUIET_ENDS, tick=False):
        assert sweep() == 1
    assert _reload(row).status == S.SENT
    assert len(push_transport.sent) == 1


@time_machine.travel(MIDDAY, tick=False)
def test_it_skips_push_the_user_turned_off_after_it_was_queued(
    patient, device, push_transport
) -> None:
    row = _push_row(patient.user_id)
    preference_update(user_id=patient.user_id, push_enabled=False)
    assert notification_deliver(row.id) == Outcome.SKIPPED
    assert (_reload(row).last_error, push_transport.sent) == ("push turned off", [])


@time_machine.travel(MIDDAY, tick=False)
def test_it_skips_a_device_that_moved_to_another_user(
    patient, other_patient, device, push_transport, api
) -> None:
    row = _push_row(patient.user_id)
    api(other_patient.user).post("/api/v1/me/devices/", {"platform": "ios", "token": device.token})
    assert notification_deliver(row.id) == Outcome.SKIPPED
    assert push_transport.sent == []


@time_machine.travel(MIDDAY, tick=False)
def test_it_skips_a_device_that_was_unregistered(patient, device, push_transport) -> None:
    row = _push_row(patient.user_id)
    device.delete()
    assert notification_deliver(row.id) == Outcome.SKIPPED
    assert _reload(row).last_error == "endpoint removed"


@time_machine.travel(MIDDAY, tick=False)
def test_a_permanent_error_fails_the_row_and_disables_the_device(
    patient, device, push_transport
) -> None:
    push_transport.fail_with = [DeliveryError("fcm: UnregisteredError", permanent=True)]
    row = _push_row(patient.user_id)
    assert notification_deliver(row.id) == Outcome.FAILED
    device.refresh_from_db()
    assert (device.disabled, device.disabled_reason) == (True, "fcm: UnregisteredError")
    assert (_reload(row).status, row.last_error) == (S.FAILED, "fcm: UnregisteredError")


@time_machine.travel(MIDDAY, tick=False)
def test_a_transient_error_schedules_a_retry_with_backoff(patient, device, push_transport) -> None:
    push_transport.fail_with = [DeliveryError("fcm: UnavailableError")]
    row = _push_row(patient.user_id)
    assert notification_deliver(row.id) == Outcome.RETRY
    row = _reload(row)
    base = timedelta(seconds=conf().RETRY_BACKOFF_BASE_SECONDS)
    assert (row.status, row.attempts) == (S.PENDING, 1)
    assert MIDDAY + base / 2 <= row.next_attempt_at <= MIDDAY + base
    device.refresh_from_db()
    assert (device.disabled, device.last_error) == (False, "fcm: UnavailableError")


def test_retries_are_bounded_and_the_final_failure_is_recorded(
    patient, device, push_transport, sweep
) -> None:
    push_transport.fail_with = [DeliveryError("fcm: InternalError")] * 50
    now = MIDDAY
    with time_machine.travel(now, tick=False):
        row = _push_row(patient.user_id)
    for _ in range(20):  # far more sweeps than the retry budget
        with time_machine.travel(now, tick=False):
            sweep()
        now += timedelta(seconds=conf().RETRY_BACKOFF_MAX_SECONDS)
    row = _reload(row)
    assert (row.status, row.attempts) == (S.FAILED, conf().MAX_RETRIES + 1)
    assert len(push_transport.fail_with) == 50 - (conf().MAX_RETRIES + 1)


def test_an_unexpected_error_counts_as_a_transient_failure(patient, device, push_transport) -> None:
    def _boom() -> None:
        raise KeyError("bug")

    push_transport.on_send = _boom
    with time_machine.travel(MIDDAY, tick=False):
        row = _push_row(patient.user_id)
        assert notification_deliver(row.id) == Outcome.RETRY
    assert _reload(row).last_error == "error: KeyError"


@pytest.mark.parametrize("attempts", range(1, 9))
def test_backoff_grows_exponentially_with_jitter_and_a_cap(attempts) -> None:
    c = conf()
    ceiling = min(c.RETRY_BACKOFF_MAX_SECONDS, c.RETRY_BACKOFF_BASE_SECONDS * 2 ** (attempts - 1))
    delays = {retry_delay(attempts).total_seconds() for _ in range(20)}
    assert all(ceiling / 2 <= d <= ceiling for d in delays)
    assert len(delays) > 1  # jittered


@time_machine.travel(MIDDAY, tick=False)
def test_a_second_deliver_of_the_same_row_sends_nothing(patient, device, push_transport) -> None:
    row = _push_row(patient.user_id)
    outcomes = [notification_deliver(row.id), notification_deliver(row.id)]
    assert outcomes == [Outcome.SENT, Outcome.NOT_PENDING]
    assert len(push_transport.sent) == 1


@pytest.mark.django_db(transaction=True)
@time_machine.travel(MIDDAY)
def test_two_workers_racing_send_once(patient, device, push_transport) -> None:
    row = _push_row(patient.user_id)
    first_is_sending, second_done = threading.Event(), threading.Event()
    outcomes: dict[str, Outcome] = {}

    def _hold_the_send() -> None:
        first_is_sending.set()
        assert second_done.wait(timeout=10), "the second worker never tried"

    push_transport.on_send = _hold_the_send

    def _worker(name: str) -> None:
        try:
            outcomes[name] = notification_deliver(row.id)
        finally:
            connection.close()

    first = threading.Thread(target=_worker, args=("first",))
    first.start()
    assert first_is_sending.wait(timeout=10)
    second = threading.Thread(target=_worker, args=("second",))
    second.start()
    second.join(timeout=10)
    second_done.set()
    first.join(timeout=10)
    assert outcomes == {"first": Outcome.SENT, "second": Outcome.NOT_PENDING}
    assert len(push_transport.sent) == 1


@time_machine.travel(MIDDAY, tick=False)
def test_it_sends_email_with_catalogue_text_and_an_app_link(patient, settings) -> None:
    settings.PUBLIC_BASE_URL = "https://recovery.example"
    preference_update(user_id=patient.user_id, email_enabled=True)
    notify([Message(patient.user_id, "checklist_nudge", "nudge:1", link="/app/checklist/")])
    row = Notification.objects.get(channel="email")
    assert notification_deliver(row.id) == Outcome.SENT
    [email] = mail.outbox
    assert email.to == [patient.user.email]
    assert email.subject == "Your recovery checklist is waiting"
    assert email.body.endswith("https://recovery.example/app/checklist/")


@time_machine.travel(MIDDAY, tick=False)
def test_an_invalid_email_address_disables_the_email_endpoint(patient) -> None:
    patient.user.email = "not-an-address"
    patient.user.save()
    preference_update(user_id=patient.user_id, email_enabled=True)
    notify([Message(patient.user_id, "checklist_nudge", "nudge:1")])
    row = Notification.objects.get(channel="email")
    assert notification_deliver(row.id) == Outcome.FAILED
    assert row.endpoint is not None
    row.endpoint.refresh_from_db()
    assert row.endpoint.disabled
    assert mail.outbox == []


def test_it_delivers_an_in_app_row_an_older_release_left_pending(patient) -> None:
    notify([Message(patient.user_id, "checkin_due", "checkin:p:1")])
    [row] = rows(channel="inapp")
    Notification.objects.filter(id=row.id).update(status=S.PENDING, sent_at=None, attempts=0)
    assert notification_deliver(row.id) == Outcome.SENT
    assert _reload(row).status == S.SENT
