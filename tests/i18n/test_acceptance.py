"""issue 19's acceptance, end to end through the public API: a patient enrolled in Spanish, an
English patient unchanged, and a switch by PATCH that changes the next responses and the next
notifications. The language is read from one place (notifications' Preference)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User

from notifications.catalogue import TEMPLATES, template_render
from notifications.channels import push
from notifications.dispatch import notification_deliver
from notifications.models import Notification
from notifications.services import Message, notify
from recovery.models import Patient
from tests.factories.checkins import checkin_payload
from tests.factories.notifications import DeviceFactory
from tests.notifications.conftest import RecordingTransport
from tests.recovery.api.test_api_enrollment import URL as ENROLL_URL
from tests.recovery.api.test_api_enrollment import _body

pytestmark = pytest.mark.django_db

CHECKINS = "/api/v1/me/check-ins/"
PREFERENCES = "/api/v1/me/preferences/"
# 12:00 in New York (the enrolment body's zone), outside quiet hours.
MIDDAY = datetime(2027, 1, 15, 17, 0, tzinfo=UTC)
ES_REMINDER = "Es hora del registro de recuperación de hoy"
EN_REMINDER = "Time for today's recovery check-in"


@pytest.fixture
def pushed(monkeypatch: pytest.MonkeyPatch) -> RecordingTransport:
    """The push provider, recording what it was given."""
    fake = RecordingTransport()
    monkeypatch.setattr(push, "transport", lambda: fake)
    return fake


def _enroll(api, clinician, **body) -> User:
    response = api(clinician).post(ENROLL_URL, _body(**body), format="json")
    assert response.status_code == 201
    return Patient.objects.get(id=response.data["patient"]["id"]).user


def _fresh(user: User) -> User:
    # force_authenticate reuses one User instance, whose cached preferences would be stale.
    return User.objects.get(id=user.id)


def _reminder_pushed(user: User, pushed, key: str) -> tuple[str, str]:
    DeviceFactory(user=user, token=f"tok-{key}")
    notify([Message(user.id, "checkin_due", f"checkin:{key}")])
    notification_deliver(Notification.objects.get(recipient=user, channel="push").id)
    sent = pushed.sent[-1]
    return sent["title"], sent["body"]


def test_it_gives_a_patient_enrolled_in_spanish_emergency_advice_in_spanish(
    api, clinician, settings
) -> None:
    settings.EMERGENCY_NUMBER = "911"
    user = _enroll(api, clinician, language="es")
    response = api(user).post(CHECKINS, checkin_payload(chest_pain=True), format="json")
    [flag] = response.json()["flags"]
    assert "emergencia" in flag["advice"] and "911" in flag["advice"]


def test_it_gives_a_patient_enrolled_in_spanish_validation_messages_in_spanish(
    api, clinician
) -> None:
    user = _enroll(api, clinician, language="es")
    response = api(user).post(CHECKINS, checkin_payload(leg_pain=12), format="json")
    assert response.json()["rejected"]["leg_pain"] == ["Escriba un número entero del 0 al 10."]


def test_it_pushes_a_patient_enrolled_in_spanish_the_reminder_in_spanish(
    api, clinician, pushed
) -> None:
    with time_machine.travel(MIDDAY - timedelta(days=1), tick=False):
        user = _enroll(api, clinician, language="es")
    with time_machine.travel(MIDDAY, tick=False):
        title, body = _reminder_pushed(user, pushed, "es")
    assert (title, body) == (ES_REMINDER, template_render("checkin_due", "es")[1])


def test_it_pushes_an_english_patient_the_reminder_unchanged(api, clinician, pushed) -> None:
    with time_machine.travel(MIDDAY - timedelta(days=1), tick=False):
        user = _enroll(api, clinician)
    with time_machine.travel(MIDDAY, tick=False):
        title, _ = _reminder_pushed(user, pushed, "en")
    assert title == EN_REMINDER


def test_it_pushes_the_next_reminder_in_the_language_chosen_by_patch(
    api, clinician, pushed
) -> None:
    with time_machine.travel(MIDDAY - timedelta(days=1), tick=False):
        user = _enroll(api, clinician)
        api(_fresh(user)).patch(PREFERENCES, {"language": "es"}, format="json")
    with time_machine.travel(MIDDAY, tick=False):
        title, _ = _reminder_pushed(user, pushed, "patch")
    assert title == ES_REMINDER


def test_it_answers_the_next_request_in_the_language_chosen_by_patch(api, clinician) -> None:
    user = _enroll(api, clinician)
    api(_fresh(user)).patch(PREFERENCES, {"language": "es"}, format="json")
    response = api(_fresh(user)).post(CHECKINS, checkin_payload(leg_pain=12), format="json")
    assert response.json()["rejected"]["leg_pain"] == ["Escriba un número entero del 0 al 10."]


def test_it_shows_the_language_chosen_by_patch_on_me(api, clinician) -> None:
    user = _enroll(api, clinician, language="es")
    api(_fresh(user)).patch(PREFERENCES, {"language": "en"}, format="json")
    assert api(_fresh(user)).get("/api/v1/me/").json()["language"] == "en"


@pytest.mark.parametrize("code", sorted(TEMPLATES))
@pytest.mark.parametrize("language", ["en", "es"])
def test_it_writes_no_date_into_a_notification_so_none_is_in_the_wrong_locale(
    code, language
) -> None:
    # Dates in the patient's locale (item 5): notification text names no date or number at
    # all (a date reaches the app only as an opaque `context` value it formats itself).
    title, body = template_render(code, language)
    assert not re.search(r"\d", f"{title} {body}")
