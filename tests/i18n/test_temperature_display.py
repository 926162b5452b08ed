"""issue 19, units: a temperature is shown to the patient in their unit and their locale.

The numeric fields stay as they were (Celsius), and input still accepts either unit; only the
added `temperature_display` follows the patient's `temperature_unit` preference.
"""

import pytest
from django.contrib.auth.models import User

from notifications.services import preference_update
from recovery.temperature import temperature_display
from tests.factories.checkins import CheckInFactory, checkin_payload

pytestmark = pytest.mark.django_db

CHECKINS = "/api/v1/me/check-ins/"


def _prefer(patient, **preferences) -> None:
    preference_update(user_id=patient.user_id, **preferences)


@pytest.mark.parametrize(
    ("celsius", "unit", "shown"),
    [
        (37.2, "c", "37.2 °C"),
        (37.0, "f", "98.6 °F"),
        (38.0, "f", "100.4 °F"),
        (None, "f", None),
    ],
)
def test_it_formats_a_reading_in_the_unit(celsius, unit, shown) -> None:
    assert temperature_display(celsius, unit) == shown


def test_it_shows_an_english_patient_celsius_by_default(api, patient) -> None:
    body = api(patient.user).post(CHECKINS, checkin_payload(temperature_c=37.2)).json()
    assert body["temperature_display"] == "37.2 °C"


def test_it_shows_the_reading_in_fahrenheit_when_the_patient_prefers_it(api, patient) -> None:
    _prefer(patient, temperature_unit="f")
    body = api(patient.user).post(CHECKINS, checkin_payload(temperature_c=37.0)).json()
    assert body["temperature_display"] == "98.6 °F"


def test_it_keeps_the_numeric_field_in_celsius_whatever_the_unit(api, patient) -> None:
    _prefer(patient, temperature_unit="f")
    body = api(patient.user).post(CHECKINS, checkin_payload(temperature_f=98.6)).json()
    assert body["temperature_c"] == 37.0


def test_it_still_accepts_celsius_from_a_fahrenheit_patient(api, patient) -> None:
    _prefer(patient, temperature_unit="f")
    body = api(patient.user).post(CHECKINS, checkin_payload(temperature_c=38.0)).json()
    assert (body["temperature_c"], body["rejected"]) == (38.0, {})


def test_it_writes_a_spanish_patients_decimal_comma(api, patient) -> None:
    _prefer(patient, language="es")
    body = api(patient.user).post(CHECKINS, checkin_payload(temperature_c=37.2)).json()
    assert body["temperature_display"] == "37,2 °C"


def test_it_shows_null_without_a_reading(api, patient) -> None:
    body = api(patient.user).post(CHECKINS, checkin_payload(back_pain=2)).json()
    assert body["temperature_display"] is None


def test_it_lists_the_check_ins_in_the_patients_unit(api, patient) -> None:
    _prefer(patient, temperature_unit="f")
    CheckInFactory(patient=patient, temperature_c=38.5)
    [row] = api(patient.user).get(CHECKINS).json()["results"]
    assert (row["temperature_c"], row["temperature_display"]) == (38.5, "101.3 °F")


def test_it_shows_a_batch_in_the_patients_unit(api, patient) -> None:
    _prefer(patient, temperature_unit="f")
    body = {"check_ins": [checkin_payload(temperature_c=37.0)]}
    [result] = api(patient.user).post(f"{CHECKINS}batch/", body, format="json").json()["results"]
    assert result["check_in"]["temperature_display"] == "98.6 °F"


def test_it_follows_a_unit_changed_by_patch(api, patient) -> None:
    CheckInFactory(patient=patient, temperature_c=37.0)
    api(patient.user).patch("/api/v1/me/preferences/", {"temperature_unit": "f"}, format="json")
    # A fresh User: force_authenticate reuses one instance, whose cached preferences are stale.
    [row] = api(User.objects.get(id=patient.user_id)).get(CHECKINS).json()["results"]
    assert row["temperature_display"] == "98.6 °F"


@pytest.mark.parametrize("size", [1, 10, 40])
def test_it_lists_in_the_patients_unit_in_constant_queries(
    api, patient, size, django_assert_max_num_queries
) -> None:
    _prefer(patient, temperature_unit="f", language="es")
    CheckInFactory.create_batch(size, patient=patient, temperature_c=37.0)
    client = api(patient.user)
    # The patient with their preference row (language, unit) joined, then the page.
    with django_assert_max_num_queries(2):
        rows = client.get(CHECKINS).json()["results"]
    assert {row["temperature_display"] for row in rows} == {"98,6 °F"}
