"""issue 19: notifications are rendered in the recipient's language at send time."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail
from django.utils import translation

from notifications.dispatch import Outcome, notification_deliver
from notifications.models import Notification
from notifications.services import Message, notify, preference_update
from tests.factories.notifications import DeviceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

MIDDAY = datetime(2025, 1, 15, 17, 0, tzinfo=UTC)  # 12:00 in New York, outside quiet hours
ES_TITLE = "Es hora del registro de recuperación de hoy"
ES_BODY = "Abra la aplicación para hacer el registro de hoy."


@pytest.fixture
def device(patient):
    preference_update(user_id=patient.user_id, timezone="America/New_York")
    return DeviceFactory(user=patient.user, token="tok-patient")


def _queue_reminder(user_id: int) -> Notification:
    notify([Message(user_id, "checkin_due", "checkin:p:1")])
    return Notification.objects.get(channel="push")


@time_machine.travel(MIDDAY, tick=False)
def test_it_sends_a_spanish_patient_the_reminder_push_in_spanish(
    patient, device, push_transport
) -> None:
    preference_update(user_id=patient.user_id, language="es")
    row = _queue_reminder(patient.user_id)
    assert notification_deliver(row.id) == Outcome.SENT
    [sent] = push_transport.sent
    assert (sent["title"], sent["body"]) == (ES_TITLE, ES_BODY)


@time_machine.travel(MIDDAY, tick=False)
def test_it_renders_at_send_time_from_the_recipients_language(
    patient, device, push_transport
) -> None:
    with translation.override("en"):
        row = _queue_reminder(patient.user_id)  # queued while the patient read English
    preference_update(user_id=patient.user_id, language="es")  # switched before the worker ran
    with translation.override("en"):  # whatever the worker's own language
        notification_deliver(row.id)
    assert push_transport.sent[0]["title"] == ES_TITLE


@time_machine.travel(MIDDAY, tick=False)
def test_it_ignores_the_language_of_the_request_that_queued_it(
    patient, device, push_transport
) -> None:
    with translation.override("es"):
        row = _queue_reminder(patient.user_id)
        notification_deliver(row.id)
    assert push_transport.sent[0]["title"] == "Time for today's recovery check-in"


@time_machine.travel(MIDDAY, tick=False)
def test_it_emails_a_spanish_patient_in_spanish(patient, published) -> None:
    patient.user.email = "ana@example.org"
    patient.user.save()
    preference_update(
        user_id=patient.user_id, language="es", email_enabled=True, timezone="America/New_York"
    )
    notify([Message(patient.user_id, "checkin_due", "checkin:p:1")])
    row = Notification.objects.get(channel="email")
    notification_deliver(row.id)
    [email] = mail.outbox
    assert (email.subject, email.body) == (ES_TITLE, ES_BODY)


def test_it_shows_the_inbox_in_the_recipients_language(api, patient) -> None:
    preference_update(user_id=patient.user_id, language="es")
    notify([Message(patient.user_id, "checkin_due", "checkin:p:1")])
    [item] = api(patient.user).get("/api/v1/me/notifications/").data["results"]
    assert (item["title"], item["body"]) == (ES_TITLE, ES_BODY)


def test_it_keeps_an_english_recipients_inbox_in_english(api, patient) -> None:
    notify([Message(patient.user_id, "checkin_due", "checkin:p:1")])
    [item] = api(patient.user).get("/api/v1/me/notifications/").data["results"]
    assert item["title"] == "Time for today's recovery check-in"
