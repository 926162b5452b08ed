import pytest

from recovery.models import AccessEvent

pytestmark = pytest.mark.django_db


def test_the_care_team_lists_a_patients_access_history(api, clinician, patient) -> None:
    api(clinician).get(f"/api/v1/care/patients/{patient.id}/")
    response = api(clinician).get(f"/api/v1/care/patients/{patient.id}/access-log/")
    assert response.status_code == 200
    [event] = response.data["results"]
    assert (event["actor"], event["action"]) == (clinician.username, "view")


def test_another_team_cannot_read_the_access_history(api, outsider_clinician, patient) -> None:
    url = f"/api/v1/care/patients/{patient.id}/access-log/"
    assert api(outsider_clinician).get(url).status_code == 404


def test_a_patient_sees_who_viewed_their_record(api, clinician, patient) -> None:
    clinician.first_name, clinician.last_name = "Nora", "Nurse"
    clinician.save()
    api(clinician).get(f"/api/v1/care/patients/{patient.id}/")
    response = api(patient.user).get("/api/v1/me/access-log/")
    [event] = response.data["results"]
    assert (event["viewer"], event["role"], event["action"]) == ("Nora Nurse", "nurse", "view")
    assert "ip_address" not in event


def test_a_patient_never_sees_another_patients_access_history(
    api, clinician, outsider_clinician, patient, other_patient
) -> None:
    api(outsider_clinician).get(f"/api/v1/care/patients/{other_patient.id}/")
    assert api(patient.user).get("/api/v1/me/access-log/").data["results"] == []


def test_the_access_log_lists_in_constant_queries(
    api, clinician, patient, django_assert_max_num_queries
) -> None:
    for _ in range(20):
        AccessEvent.objects.create(actor=clinician, patient=patient, action="view", object_type="p")
    with django_assert_max_num_queries(6):
        response = api(patient.user).get("/api/v1/me/access-log/")
    assert len(response.data["results"]) == 20
