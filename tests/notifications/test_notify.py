"""notify(): the outbox rows a message becomes, and what gets published after commit."""

import pytest
from django.db import transaction

from notifications.catalogue import MessageInvalid
from notifications.models import Notification
from notifications.services import Message, notify, preference_update
from tests.factories.notifications import DeviceFactory
from tests.notifications.conftest import rows

pytestmark = pytest.mark.django_db


def _checkin(user_id: int, key: str = "checkin:p1:2025-03-01", **kw: object) -> Message:
    return Message(user_id, "checkin_due", key, context={"local_date": "2025-03-01"}, **kw)


def test_it_delivers_a_message_to_the_inbox_end_to_end(
    patient, published, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        created = notify([_checkin(patient.user_id)])
    assert created == 1
    published.deliver_all()
    [row] = rows(recipient=patient.user)
    assert (row.channel, row.status) == ("inapp", Notification.Status.SENT)


def test_it_creates_one_row_per_channel_and_device(patient) -> None:
    DeviceFactory(user=patient.user, platform="ios")
    DeviceFactory(user=patient.user, platform="android")
    preference_update(user_id=patient.user_id, email_enabled=True)
    assert notify([_checkin(patient.user_id)]) == 4
    assert sorted(r.channel for r in rows(recipient=patient.user)) == [
        "email",
        "inapp",
        "push",
        "push",
    ]


def test_it_is_idempotent_per_key(patient, published, django_capture_on_commit_callbacks) -> None:
    DeviceFactory(user=patient.user)
    with django_capture_on_commit_callbacks(execute=True):
        first = notify([_checkin(patient.user_id)])
        again = notify([_checkin(patient.user_id), _checkin(patient.user_id)])
    assert (first, again) == (2, 0)
    assert Notification.objects.count() == 2
    assert published.ids == [str(Notification.objects.get(channel="push").id)]


def test_it_writes_in_app_rows_delivered_and_publishes_only_the_others(
    patient, published, django_capture_on_commit_callbacks
) -> None:
    DeviceFactory(user=patient.user)
    with django_capture_on_commit_callbacks(execute=True):
        notify([_checkin(patient.user_id)])
    inbox, push = rows(recipient=patient.user)
    assert (inbox.channel, inbox.status, inbox.sent_at is not None) == ("inapp", "sent", True)
    assert (push.channel, push.status) == ("push", "pending")
    assert published.ids == [str(push.id)]


def test_it_gives_each_recipient_their_own_row_for_a_shared_key(clinician, coordinator) -> None:
    key = "careteam_flag:flag-1"
    messages = [
        Message(u.id, "careteam_flag", key, context={"flag_id": "flag-1"}, urgent=True)
        for u in (clinician, coordinator)
    ]
    assert notify(messages) == 2


@pytest.mark.parametrize(
    ("switches", "channels"),
    [
        ({}, ["inapp", "push"]),
        ({"push_enabled": False}, ["inapp"]),
        ({"email_enabled": True}, ["email", "inapp", "push"]),
        ({"push_enabled": False, "email_enabled": True}, ["email", "inapp"]),
    ],
)
def test_it_respects_per_channel_switches(patient, switches, channels) -> None:
    DeviceFactory(user=patient.user)
    preference_update(user_id=patient.user_id, **switches)
    notify([_checkin(patient.user_id)])
    assert [r.channel for r in rows(recipient=patient.user)] == channels


def test_it_skips_disabled_devices(patient) -> None:
    DeviceFactory(user=patient.user, disabled=True)
    notify([_checkin(patient.user_id)])
    assert [r.channel for r in rows(recipient=patient.user)] == ["inapp"]


def test_it_publishes_one_task_per_batch_after_commit(
    settings, patient, other_patient, published, django_capture_on_commit_callbacks
) -> None:
    settings.NOTIFICATIONS = {"BATCH_SIZE": 2}
    users = (patient.user_id, other_patient.user_id)
    for uid in users:
        DeviceFactory(user_id=uid)
    messages = [_checkin(uid, key=f"k{i}") for i in range(3) for uid in users]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(messages)
        assert published.batches == []  # nothing leaves before the caller commits
    for callback in callbacks:
        callback()
    assert [len(b) for b in published.batches] == [2, 2, 2]
    assert sorted(published.ids) == sorted(str(r.id) for r in rows(channel="push"))


def test_it_commits_and_rolls_back_with_the_caller(
    patient, published, django_capture_on_commit_callbacks
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify([_checkin(patient.user_id)])
        raise RuntimeError("the caller's own write failed")
    assert Notification.objects.count() == 0
    assert published.batches == []


@pytest.mark.parametrize(
    "message",
    [
        Message(1, "no_such_template", "k"),
        Message(1, "checkin_due", "k", context={"symptom": "fever"}),
        Message(1, "checkin_due", "k", context={"local_date": "fever 39.2 C"}),
        Message(1, "checkin_due", "k", context={"local_date": 1.5}),
        Message(1, "checkin_due", "k", link="https://evil.example/x"),
        Message(1, "checkin_due", "k", link="/patients/Jane Doe/"),
    ],
)
def test_it_refuses_messages_outside_the_catalogue(message) -> None:
    with pytest.raises(MessageInvalid):
        notify([message])
    assert Notification.objects.count() == 0


def test_it_refuses_an_empty_idempotency_key(patient) -> None:
    with pytest.raises(ValueError, match="idempotency_key"):
        notify([Message(patient.user_id, "checkin_due", "")])


def test_it_returns_zero_for_no_messages() -> None:
    assert notify([]) == 0
