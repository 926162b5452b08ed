"""issue 19: error and validation messages in the patient's language (or Accept-Language)."""

import pytest

from notifications.services import preference_update
from tests.factories.checkins import checkin_payload

pytestmark = pytest.mark.django_db

CHECKINS = "/api/v1/me/check-ins/"


@pytest.fixture
def spanish_patient(patient):
    preference_update(user_id=patient.user_id, language="es")  # stored once (issue 19)
    return patient


def test_it_gives_a_spanish_patient_validation_messages_in_spanish(api, spanish_patient) -> None:
    response = api(spanish_patient.user).post(
        CHECKINS, checkin_payload(back_pain=11), format="json"
    )
    assert response.json()["rejected"]["back_pain"] == ["Escriba un número entero del 0 al 10."]


def test_it_gives_a_spanish_patient_refusals_in_spanish(api, spanish_patient) -> None:
    response = api(spanish_patient.user).post(f"{CHECKINS}batch/", {"check_ins": []}, format="json")
    assert response.status_code == 400
    assert response.json()["message"] == "Datos no válidos."
    assert response.json()["extra"]["fields"]["check_ins"] == ["Envíe al menos un registro."]


def test_it_answers_the_patient_in_their_language_whatever_the_phone_asks(
    api, spanish_patient
) -> None:
    response = api(spanish_patient.user).post(
        f"{CHECKINS}batch/", {"check_ins": []}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.json()["message"] == "Datos no válidos."


def test_it_leaves_an_english_patients_messages_unchanged(api, patient) -> None:
    response = api(patient.user).post(CHECKINS, checkin_payload(back_pain=11), format="json")
    assert response.json()["rejected"]["back_pain"] == ["Enter a whole number from 0 to 10."]


def test_it_answers_an_anonymous_activation_in_the_accept_language(api) -> None:
    response = api().post(
        "/api/v1/auth/activate/",
        {"activation_code": "WRONG-CODE-1234", "username": "ana", "password": "x" * 20},
        format="json",
        HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9",
    )
    assert response.status_code == 400
    assert response.json()["message"] == (
        "Este código de activación no es válido, ya se usó o ha caducado."
    )


def test_it_answers_an_anonymous_request_in_english_by_default(api) -> None:
    response = api().post(
        "/api/v1/auth/activate/",
        {"activation_code": "WRONG-CODE-1234", "username": "ana", "password": "x" * 20},
        format="json",
    )
    assert response.json()["message"].startswith("This activation code is invalid")


def test_it_shows_the_care_team_which_language_the_advice_was_given_in(
    api, spanish_patient, clinician
) -> None:
    api(spanish_patient.user).post(CHECKINS, checkin_payload(chest_pain=True), format="json")
    response = api(spanish_patient.user).get(CHECKINS)
    [checkin] = response.json()["results"]
    assert checkin["flags"][0]["language"] == "es"


def test_it_shows_the_care_team_the_language_of_the_advice_in_english(
    api, spanish_patient, clinician
) -> None:
    api(spanish_patient.user).post(CHECKINS, checkin_payload(chest_pain=True), format="json")
    [flag] = api(clinician).get("/api/v1/care/flags/").json()["results"]
    assert flag["advice_language"] == "es"
    assert "emergency" in flag["advice"].lower()
