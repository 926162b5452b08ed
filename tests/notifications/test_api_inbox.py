from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from notifications.models import Notification
from notifications.services import Message, notify
from tests.factories.notifications import DeviceFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/notifications/"
T0 = datetime(2025, 6, 2, 16, 0, tzinfo=UTC)


def _deliver_inbox(user_id: int, count: int, *, start: datetime = T0) -> list[Notification]:
    delivered = []
    for i in range(count):
        with time_machine.travel(start + timedelta(minutes=i), tick=False):
            notify([Message(user_id, "checkin_due", f"checkin:{user_id}:{i}")])
            delivered.append(Notification.objects.get(idempotency_key=f"checkin:{user_id}:{i}"))
    return delivered


def test_it_lists_the_callers_notifications_newest_first_with_an_unread_count(api, patient) -> None:
    rows = _deliver_inbox(patient.user_id, 3)
    response = api(patient.user).get(URL)
    assert response.status_code == 200
    assert [n["id"] for n in response.data["results"]] == [str(r.id) for r in reversed(rows)]
    assert response["X-Unread-Count"] == "3"
    first = response.data["results"][0]
    assert first["title"] == "Time for today's recovery check-in"
    assert (first["read"], first["template"]) == (False, "checkin_due")
    assert set(response.data) >= {"next", "previous", "results"}


def test_an_in_app_message_is_in_the_inbox_as_soon_as_it_is_committed(api, patient) -> None:
    notify([Message(patient.user_id, "checkin_due", "checkin:now")])  # no worker has run
    [shown] = api(patient.user).get(URL).data["results"]
    assert shown["template"] == "checkin_due"


def test_it_hides_undelivered_and_other_channel_rows(api, patient) -> None:
    DeviceFactory(user=patient.user)
    notify([Message(patient.user_id, "checkin_due", "pending-one")])
    Notification.objects.filter(channel="inapp").update(
        status="pending"
    )  # queued by an old release
    assert Notification.objects.filter(channel="push", status="pending").exists()
    assert api(patient.user).get(URL).data["results"] == []


def test_it_shows_nobody_elses_notifications(api, patient, other_patient, clinician) -> None:
    _deliver_inbox(other_patient.user_id, 2)
    _deliver_inbox(clinician.id, 1)
    response = api(patient.user).get(URL)
    assert (response.data["results"], response["X-Unread-Count"]) == ([], "0")


def test_it_pages_with_a_cursor(api, patient) -> None:
    _deliver_inbox(patient.user_id, 5)
    client = api(patient.user)
    first = client.get(URL, {"page_size": 2})
    second = client.get(first.data["next"])
    assert len(first.data["results"]) == len(second.data["results"]) == 2
    assert not {n["id"] for n in first.data["results"]} & {n["id"] for n in second.data["results"]}


def test_it_marks_one_read(api, patient) -> None:
    [row, _] = _deliver_inbox(patient.user_id, 2)
    client = api(patient.user)
    response = client.post(f"{URL}{row.id}/read/")
    assert (response.status_code, response.data["read"]) == (200, True)
    assert client.get(f"{URL}unread-count/").data == {"unread_count": 1}


def test_marking_read_twice_keeps_the_first_read_time(api, patient) -> None:
    [row] = _deliver_inbox(patient.user_id, 1)
    client = api(patient.user)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        first = client.post(f"{URL}{row.id}/read/").data["read_at"]
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        assert client.post(f"{URL}{row.id}/read/").data["read_at"] == first


def test_another_users_notification_is_not_found(api, patient, other_patient) -> None:
    [theirs] = _deliver_inbox(other_patient.user_id, 1)
    assert api(patient.user).post(f"{URL}{theirs.id}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_push_row_is_not_an_inbox_item(api, patient) -> None:
    from tests.factories.notifications import DeviceFactory

    DeviceFactory(user=patient.user)
    notify([Message(patient.user_id, "checkin_due", "k")])
    push = Notification.objects.get(channel="push")
    assert api(patient.user).post(f"{URL}{push.id}/read/").status_code == 404


def test_it_marks_all_read_for_the_caller_only(api, patient, other_patient) -> None:
    _deliver_inbox(patient.user_id, 3)
    _deliver_inbox(other_patient.user_id, 2)
    response = api(patient.user).post(f"{URL}read-all/")
    assert response.data == {"marked": 3, "unread_count": 0}
    assert api(other_patient.user).get(f"{URL}unread-count/").data == {"unread_count": 2}


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", URL), ("get", f"{URL}unread-count/"), ("post", f"{URL}read-all/")],
)
def test_anonymous_callers_are_refused(api, method, path) -> None:
    assert getattr(api(), method)(path).status_code == 401


@pytest.mark.parametrize("size", [1, 10, 30])
def test_the_inbox_list_has_a_fixed_query_budget(
    api, patient, size, django_assert_max_num_queries
) -> None:
    _deliver_inbox(patient.user_id, size)
    with django_assert_max_num_queries(2):  # the page, the unread count
        response = api(patient.user).get(URL)
    assert len(response.data["results"]) == size
