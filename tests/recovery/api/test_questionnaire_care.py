"""GET /api/v1/care/patients/{id}/questionnaires/ and the instrument system check."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from recovery import checks, instruments
from recovery.models import AccessEvent, QuestionnaireResponse
from tests.factories.questionnaires import QuestionnaireResponseFactory, record_scores

pytestmark = pytest.mark.django_db

TIMEPOINTS = ["baseline", "6w", "3m", "6m", "12m", "24m"]


def url(patient) -> str:
    return f"/api/v1/care/patients/{patient.id}/questionnaires/"


def test_it_lists_the_patients_answers_and_scores(api, clinician, patient, other_patient):
    record_scores(patient, {"baseline": {"odi": 40, "back": 6, "leg": 3}})
    QuestionnaireResponseFactory(patient=other_patient)
    response = api(clinician).get(url(patient))
    assert response.status_code == 200
    rows = {row["instrument"]: row for row in response.data["results"]}
    assert set(rows) == {"odi", "nrs_pain"}
    assert (rows["odi"]["score"], rows["odi"]["details"]["band"]) == (40.0, "moderate")
    assert rows["nrs_pain"]["scores"] == {"back": 6.0, "leg": 3.0}


def test_it_audits_the_listing(api, clinician, patient):
    api(clinician).get(url(patient))
    event = AccessEvent.objects.get(object_type="questionnaire_response")
    assert (event.actor, event.patient, event.action) == (clinician, patient, "list")


@pytest.mark.parametrize("size", [1, 6, 12])
def test_it_lists_in_constant_queries(api, clinician, patient, size, django_assert_max_num_queries):
    slots = [(i, tp) for i in ("odi", "nrs_pain") for tp in TIMEPOINTS][:size]
    for instrument, timepoint in slots:
        answers = [1] * 10 if instrument == "odi" else {"back": 1, "leg": 1}
        QuestionnaireResponseFactory(
            patient=patient, instrument=instrument, timepoint=timepoint, answers=answers
        )
    with django_assert_max_num_queries(5):
        response = api(clinician).get(url(patient))
    assert len(response.data["results"]) == size


def test_it_hides_another_teams_patient(api, outsider_clinician, patient):
    QuestionnaireResponseFactory(patient=patient)
    assert api(outsider_clinician).get(url(patient)).status_code == 404


def test_it_is_for_the_care_team_only(api, patient):
    assert api(patient.user).get(url(patient)).status_code == 403
    assert api().get(url(patient)).status_code == 401


def test_it_keeps_one_answer_per_patient_instrument_and_timepoint(patient):
    QuestionnaireResponseFactory(patient=patient)
    with pytest.raises(IntegrityError):
        QuestionnaireResponseFactory(patient=patient)


def test_it_names_timepoints_as_the_schedule_does():
    codes = instruments.load_schedule().timepoint_codes
    assert tuple(QuestionnaireResponse.Timepoint.values) == codes


def test_it_passes_the_instrument_check_with_the_shipped_data():
    assert checks.check_instruments() == []


def test_it_reports_broken_instrument_data_as_e003(monkeypatch):
    def broken():
        raise instruments.InstrumentError(["thresholds.yaml: measures: field required"])

    monkeypatch.setattr(instruments, "load_thresholds", broken)
    [error] = checks.check_instruments()
    assert error.id == "recovery.E003"
    assert "thresholds.yaml" in error.hint


def test_it_reports_a_mismatched_wording_file_as_e003(settings, tmp_path):
    (tmp_path / "odi.yaml").write_text("instrument: odi\nversion: '9.9'\nitems: {}\n")
    settings.INSTRUMENT_WORDING_DIR = str(tmp_path)
    [error] = checks.check_instruments()
    assert error.id == "recovery.E003"
    assert "odi.yaml" in error.hint
