import pytest

from notifications.models import Notification
from notifications.services import Message, notify
from tests.notifications.conftest import rows

pytestmark = pytest.mark.django_db


def test_it_delivers_a_message_to_the_inbox_end_to_end(
    patient, published, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        created = notify([Message(patient.user_id, "checkin_due", "checkin:p1:2025-03-01")])
    assert created == 1
    published.deliver_all()
    [row] = rows(recipient=patient.user)
    assert (row.channel, row.status) == ("inapp", Notification.Status.SENT)
