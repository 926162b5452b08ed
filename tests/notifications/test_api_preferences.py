import pytest

from notifications.models import Preference

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/preferences/"


def test_it_shows_defaults_before_anything_is_saved(api, clinician) -> None:
    # A clinician: enrollment always stores a patient's preferences (their time zone).
    response = api(clinician).get(URL)
    assert response.status_code == 200
    assert response.data == {
        "timezone": "UTC",
        "checkin_reminder_time": "09:00",
        "quiet_hours_start": "21:00",
        "quiet_hours_end": "08:00",
        "push_enabled": True,
        "email_enabled": False,
        "language": "en",
        "temperature_unit": "c",
    }
    assert not Preference.objects.filter(user=clinician).exists()


def test_it_updates_only_the_fields_sent(api, patient) -> None:
    client = api(patient.user)
    client.patch(URL, {"timezone": "Europe/London", "email_enabled": True})
    response = client.patch(URL, {"checkin_reminder_time": "18:30", "quiet_hours_start": "22:15"})
    assert response.status_code == 200
    assert response.data["timezone"] == "Europe/London"
    assert response.data["email_enabled"] is True
    assert response.data["checkin_reminder_time"] == "18:30"
    assert response.data["quiet_hours_start"] == "22:15"
    assert api(patient.user).get(URL).data == response.data


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"checkin_reminder_time": "25:00"}, "checkin_reminder_time"),
        ({"checkin_reminder_time": "9am"}, "checkin_reminder_time"),
        ({"quiet_hours_start": "21:60"}, "quiet_hours_start"),
        ({"quiet_hours_end": ""}, "quiet_hours_end"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": "america/new_york"}, "timezone"),
        ({"push_enabled": "maybe"}, "push_enabled"),
    ],
)
def test_it_rejects_bad_values_with_field_messages(api, patient, body, field) -> None:
    response = api(patient.user).patch(URL, body)
    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert response.data["extra"]["fields"][field]


def test_each_user_sees_only_their_own_preferences(api, patient, clinician) -> None:
    api(clinician).patch(URL, {"timezone": "Australia/Sydney"})
    assert api(patient.user).get(URL).data["timezone"] == "America/New_York"
    assert api(clinician).get(URL).data["timezone"] == "Australia/Sydney"


@pytest.mark.parametrize("method", ["get", "patch"])
def test_anonymous_callers_are_refused(api, method) -> None:
    assert getattr(api(), method)(URL).status_code == 401


def test_the_timezone_service_validates_iana_names(patient) -> None:
    from notifications.services import preference_for, preference_set_timezone

    preference_set_timezone(user_id=patient.user_id, timezone="America/Chicago")
    assert preference_for(patient.user_id).timezone == "America/Chicago"
    with pytest.raises(ValueError, match="IANA"):
        preference_set_timezone(user_id=patient.user_id, timezone="Nowhere/Land")
