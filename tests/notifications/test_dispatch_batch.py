"""notifications_deliver(): a whole batch in a fixed number of statements, each row its outcome."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
import time_machine

from notifications.channels import push
from notifications.channels.base import DeliveryError
from notifications.dispatch import Outcome, notifications_deliver
from notifications.models import Endpoint, Notification
from notifications.services import Message, notify, preference_update
from tests.factories import UserFactory
from tests.factories.notifications import DeviceFactory

pytestmark = pytest.mark.django_db

S = Notification.Status
MIDDAY_NEW_YORK = datetime(2025, 1, 15, 17, 0, tzinfo=UTC)  # 01:00 in Sydney: quiet hours there


@dataclass
class BatchTransport:
    """A provider with a batch call; `errors` maps a token to the error its message gets."""

    calls: list[list[str]] = field(default_factory=list)
    errors: dict[str, DeliveryError] = field(default_factory=dict)

    def send(self, token: str, title: str, body: str, data: Mapping[str, str]) -> None:
        raise AssertionError("a transport with send_many is called in batches")

    def send_many(self, messages: Sequence[push.PushMessage]) -> list[DeliveryError | None]:
        self.calls.append([m.token for m in messages])
        return [self.errors.get(m.token) for m in messages]


@pytest.fixture
def batch_transport(monkeypatch: pytest.MonkeyPatch) -> BatchTransport:
    fake = BatchTransport()
    monkeypatch.setattr(push, "transport", lambda: fake)
    return fake


def _users_with_devices(count: int, tz: str = "America/New_York") -> list[int]:
    ids = []
    for i in range(count):
        user = UserFactory()
        preference_update(user_id=user.id, timezone=tz)
        DeviceFactory(user=user, token=f"tok-{tz}-{i}")
        ids.append(user.id)
    return ids


def _push_ids(user_ids: list[int], key: str = "checkin:batch") -> list[str]:
    notify([Message(uid, "checkin_due", key) for uid in user_ids])
    by_user = dict(
        Notification.objects.filter(channel="push", recipient_id__in=user_ids).values_list(
            "recipient_id", "id"
        )
    )
    return [str(by_user[uid]) for uid in user_ids]


@time_machine.travel(MIDDAY_NEW_YORK, tick=False)
@pytest.mark.parametrize("rows", [3, 60])
def test_a_batch_costs_the_same_statements_whatever_its_size(
    rows, batch_transport, django_assert_max_num_queries
) -> None:
    ids = _push_ids(_users_with_devices(rows))
    # claim, read rows, read preferences, record the sent chunk, touch the endpoints
    with django_assert_max_num_queries(5):
        outcomes = notifications_deliver(ids)
    assert outcomes == [Outcome.SENT] * rows
    assert Notification.objects.filter(channel="push", status=S.SENT).count() == rows


@time_machine.travel(MIDDAY_NEW_YORK, tick=False)
def test_each_row_of_a_mixed_batch_gets_its_own_outcome(batch_transport) -> None:
    sent, off, dead, flaky = _users_with_devices(4)
    [asleep] = _users_with_devices(1, tz="Australia/Sydney")
    ids = _push_ids([sent, off, dead, flaky, asleep])
    preference_update(user_id=off, push_enabled=False)  # after the rows were queued
    batch_transport.errors = {
        "tok-America/New_York-2": DeliveryError("fcm: UnregisteredError", permanent=True),
        "tok-America/New_York-3": DeliveryError("fcm: UnavailableError"),
    }
    assert notifications_deliver(ids) == [
        Outcome.SENT,
        Outcome.SKIPPED,
        Outcome.FAILED,
        Outcome.RETRY,
        Outcome.DEFERRED,
    ]
    statuses = dict(
        Notification.objects.filter(channel="push").values_list("recipient_id", "status")
    )
    assert [statuses[u] for u in (sent, off, dead, flaky, asleep)] == [
        S.SENT,
        S.SKIPPED,
        S.FAILED,
        S.PENDING,
        S.PENDING,
    ]
    assert Endpoint.objects.get(user_id=dead).disabled
    assert not Endpoint.objects.get(user_id=flaky).disabled


@time_machine.travel(MIDDAY_NEW_YORK, tick=False)
def test_it_calls_the_provider_once_per_chunk(settings, batch_transport) -> None:
    settings.NOTIFICATIONS = {"DELIVERY_CHUNK": 2}
    ids = _push_ids(_users_with_devices(5))
    notifications_deliver(ids)
    assert [len(call) for call in batch_transport.calls] == [2, 2, 1]


@time_machine.travel(MIDDAY_NEW_YORK, tick=False)
def test_a_chunk_is_recorded_before_the_next_is_sent(settings, batch_transport) -> None:
    settings.NOTIFICATIONS = {"DELIVERY_CHUNK": 2}
    ids = _push_ids(_users_with_devices(4))
    recorded_before_second_call: list[int] = []
    original = batch_transport.send_many

    def _send_many(messages: Sequence[push.PushMessage]) -> list[DeliveryError | None]:
        recorded_before_second_call.append(
            Notification.objects.filter(status=S.SENT, channel="push").count()
        )
        return original(messages)

    batch_transport.send_many = _send_many  # type: ignore[method-assign]
    notifications_deliver(ids)
    assert recorded_before_second_call == [0, 2]


@time_machine.travel(MIDDAY_NEW_YORK, tick=False)
def test_a_batch_call_that_blows_up_leaves_its_rows_to_retry(batch_transport) -> None:
    def _broken(messages: Sequence[push.PushMessage]) -> list[DeliveryError | None]:
        raise RuntimeError("bug in a provider library")

    batch_transport.send_many = _broken  # type: ignore[method-assign]
    ids = _push_ids(_users_with_devices(2))
    assert notifications_deliver(ids) == [Outcome.RETRY, Outcome.RETRY]
    assert set(Notification.objects.filter(channel="push").values_list("status", "last_error")) == {
        (S.PENDING, "error: RuntimeError")
    }


def test_ids_that_are_not_pending_or_not_ids_are_left_alone(batch_transport) -> None:
    with time_machine.travel(MIDDAY_NEW_YORK, tick=False):
        [row_id] = _push_ids(_users_with_devices(1))
        assert notifications_deliver([row_id]) == [Outcome.SENT]
        assert notifications_deliver([row_id, "not-a-uuid"]) == [Outcome.NOT_PENDING]
    assert len(batch_transport.calls) == 1
