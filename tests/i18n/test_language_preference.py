"""issue 19: where a patient's language is set and shown, and what an unsupported code gets."""

import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import override_settings

from notifications.models import Preference
from recovery.models import Patient
from tests.recovery.api.test_api_enrollment import URL as ENROLL_URL
from tests.recovery.api.test_api_enrollment import _body

pytestmark = pytest.mark.django_db

PREFERENCES = "/api/v1/me/preferences/"
ME = "/api/v1/me/"


def _fresh(patient: Patient) -> User:
    # force_authenticate reuses one User instance, whose cached .patient would be stale.
    return User.objects.get(id=patient.user_id)


def test_it_enrolls_a_patient_in_their_language(api, clinician) -> None:
    response = api(clinician).post(ENROLL_URL, _body(language="es"), format="json")
    assert response.status_code == 201
    patient = Patient.objects.get(id=response.data["id"])
    assert patient.language == "es"
    assert Preference.objects.get(user=patient.user).language == "es"
    assert api(patient.user).get(ME).data["language"] == "es"


def test_it_enrolls_in_english_when_no_language_is_given(api, clinician) -> None:
    response = api(clinician).post(ENROLL_URL, _body(), format="json")
    assert response.data["patient"]["language"] == "en"


@pytest.mark.parametrize("code", ["fr", "EN-GB", "", "español"])
def test_it_refuses_an_unsupported_language_at_enrollment(api, clinician, code) -> None:
    before = Patient.objects.count()
    response = api(clinician).post(ENROLL_URL, _body(language=code), format="json")
    assert response.status_code == 400
    [message] = response.data["extra"]["fields"]["language"]
    assert "en, es" in message
    assert Patient.objects.count() == before


def test_it_switches_the_language_by_patch(api, patient) -> None:
    response = api(patient.user).patch(PREFERENCES, {"language": "es"}, format="json")
    assert response.status_code == 200
    assert response.data["language"] == "es"
    patient.refresh_from_db()
    assert patient.language == "es"
    assert api(_fresh(patient)).get(ME).data["language"] == "es"


def test_it_switches_back_to_english(api, patient) -> None:
    api(patient.user).patch(PREFERENCES, {"language": "es"}, format="json")
    api(_fresh(patient)).patch(PREFERENCES, {"language": "en"}, format="json")
    assert api(_fresh(patient)).get(ME).data["language"] == "en"


def test_it_refuses_an_unsupported_language_by_patch_listing_the_supported(api, patient) -> None:
    response = api(patient.user).patch(PREFERENCES, {"language": "fr"}, format="json")
    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    [message] = response.data["extra"]["fields"]["language"]
    assert "'fr'" in message
    assert "en, es" in message
    patient.refresh_from_db()
    assert patient.language == "en"


@override_settings(LANGUAGES=[("en", "English"), ("es", "Español"), ("pt", "Português")])
def test_it_takes_its_list_of_languages_from_one_setting(api, patient) -> None:
    response = api(patient.user).patch(PREFERENCES, {"language": "pt"}, format="json")
    assert response.status_code == 200
    assert api(patient.user).patch(PREFERENCES, {"language": "fr"}, format="json").data["extra"][
        "fields"
    ]["language"] == ["'fr' is not a supported language. Supported: en, es, pt."]


def test_it_keeps_a_clinicians_language_out_of_patient_records(api, clinician) -> None:
    response = api(clinician).patch(PREFERENCES, {"language": "es"}, format="json")
    assert response.status_code == 200
    assert Preference.objects.get(user=clinician).language == "es"


def test_it_offers_the_temperature_unit_as_a_preference(api, patient) -> None:
    response = api(patient.user).patch(PREFERENCES, {"temperature_unit": "f"}, format="json")
    assert response.data["temperature_unit"] == "f"
    bad = api(patient.user).patch(PREFERENCES, {"temperature_unit": "k"}, format="json")
    assert bad.status_code == 400


def test_it_refuses_a_spanish_patients_bad_preference_in_spanish(api, patient) -> None:
    api(patient.user).patch(PREFERENCES, {"language": "es"}, format="json")
    response = api(_fresh(patient)).patch(PREFERENCES, {"language": "fr"}, format="json")
    assert response.json()["extra"]["fields"]["language"] == [
        "'fr' no es un idioma disponible. Disponibles: en, es."
    ]


def test_it_keeps_the_language_in_the_patients_subject_access_export(patient, staff) -> None:
    """Stored on the preferences since issue 19, not on the patient row the export walks."""
    Preference.objects.filter(user=patient.user).update(language="es")
    out = io.StringIO()
    call_command("export_patient", str(patient.id), "--actor", staff.username, stdout=out)
    [preference] = json.loads(out.getvalue())["records"]["notifications.Preference"]
    assert preference["language"] == "es"
