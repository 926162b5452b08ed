import pytest

from recovery.models import AccessEvent

pytestmark = pytest.mark.django_db


def _url(patient) -> str:
    return f"/dashboard/patients/{patient.id}/"


def test_it_shows_the_surgery_header(web, clinician, patient):
    response = web(clinician).get(_url(patient))

    assert response.status_code == 200
    page = response.content.decode()
    for text in ("L3-L4", "Open", "TLIF (open)", "Day 10", patient.last_name):
        assert text in page


def test_it_lists_recorded_risk_factors_with_sources(web, clinician, patient):
    patient.smoking_status = "current"
    patient.diabetes = True
    patient.hba1c = 7.4
    patient.save()

    page = web(clinician).get(_url(patient)).content.decode()

    assert "Smokes" in page
    assert "HbA1c 7.4% (raised)" in page
    assert "R19" in page


def test_it_records_one_view_event(web, clinician, patient):
    web(clinician).get(_url(patient))

    (event,) = AccessEvent.objects.filter(patient=patient)
    assert (event.actor, event.action, event.object_type) == (clinician, "view", "patient")


def test_it_answers_404_for_another_teams_patient_and_records_nothing(
    web, outsider_clinician, patient
):
    response = web(outsider_clinician).get(_url(patient))

    assert response.status_code == 404
    assert not AccessEvent.objects.filter(patient=patient).exists()


def test_it_answers_404_for_an_unknown_patient(web, clinician):
    response = web(clinician).get("/dashboard/patients/00000000-0000-0000-0000-000000000000/")

    assert response.status_code == 404
