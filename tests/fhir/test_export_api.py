"""GET /api/v1/care/patients/{id}/fhir/ and GET /api/v1/me/fhir/."""

import pytest

from recovery.models import AccessEvent
from tests.fhir.fhir_checks import assert_valid_r4, by_type, read_stream

pytestmark = pytest.mark.django_db


def _care_url(patient) -> str:
    return f"/api/v1/care/patients/{patient.id}/fhir/"


def test_it_streams_a_valid_bundle_to_the_care_team(api, operated_patient, clinician) -> None:
    response = api(clinician).get(_care_url(operated_patient))

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("application/fhir+json")
    assert f'filename="patient-{operated_patient.id}-fhir.json"' in response["Content-Disposition"]
    bundle = read_stream(response.streaming_content)
    assert_valid_r4(bundle)
    assert [p["id"] for p in by_type(bundle, "Patient")] == [str(operated_patient.id)]


def test_it_records_the_export_in_the_audit_trail(api, operated_patient, clinician) -> None:
    response = api(clinician).get(_care_url(operated_patient))
    bundle = read_stream(response.streaming_content)

    event = AccessEvent.objects.get(action=AccessEvent.Action.EXPORT)
    assert (event.actor, event.patient, event.object_type, event.object_id) == (
        clinician,
        operated_patient,
        "fhir_bundle",
        bundle["id"],
    )


def test_it_hides_another_teams_patient(api, operated_patient, outsider_clinician) -> None:
    response = api(outsider_clinician).get(_care_url(operated_patient))

    assert response.status_code == 404
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT).exists()


def test_it_answers_an_fhir_json_client_with_the_error_shape_too(
    api, operated_patient, outsider_clinician
) -> None:
    response = api(outsider_clinician).get(
        _care_url(operated_patient), HTTP_ACCEPT="application/fhir+json"
    )

    assert response.status_code == 404
    assert set(response.json()) >= {"message", "code"}


def test_it_serves_an_fhir_json_client(api, operated_patient, clinician) -> None:
    response = api(clinician).get(_care_url(operated_patient), HTTP_ACCEPT="application/fhir+json")

    assert response.status_code == 200
    assert read_stream(response.streaming_content)["resourceType"] == "Bundle"


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 401), ("the patient", 403), ("staff", 403)]
)
def test_it_keeps_the_care_export_for_clinicians(api, patient, staff, who, status) -> None:
    user = {"anonymous": None, "the patient": patient.user, "staff": staff}[who]

    assert api(user).get(_care_url(patient)).status_code == status


def test_it_lets_a_patient_download_their_own_record(api, operated_patient, other_patient) -> None:
    response = api(operated_patient.user).get("/api/v1/me/fhir/")

    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    assert str(other_patient.id) not in text
    bundle = read_stream([text])
    assert_valid_r4(bundle)
    assert [p["id"] for p in by_type(bundle, "Patient")] == [str(operated_patient.id)]


def test_it_audits_a_patients_own_download(api, operated_patient) -> None:
    response = api(operated_patient.user).get("/api/v1/me/fhir/")
    read_stream(response.streaming_content)

    event = AccessEvent.objects.get(action=AccessEvent.Action.EXPORT)
    assert (event.actor, event.patient) == (operated_patient.user, operated_patient)


@pytest.mark.parametrize(("who", "status"), [("anonymous", 401), ("clinician", 403)])
def test_it_keeps_the_own_download_for_patients(api, clinician, who, status) -> None:
    user = {"anonymous": None, "clinician": clinician}[who]

    assert api(user).get("/api/v1/me/fhir/").status_code == status
