"""Per-patient outcome: /me/outcomes/ in plain words, /care/patients/{id}/outcomes/ in numbers."""

from __future__ import annotations

import pytest

from recovery.instruments import classify_change, load_thresholds
from recovery.models import AccessEvent
from recovery.services.outcomes import NO_BASELINE
from tests.factories.questionnaires import record_scores

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/outcomes/"


def care_url(patient) -> str:
    return f"/api/v1/care/patients/{patient.id}/outcomes/"


def by_measure(results: list[dict]) -> dict[str, dict]:
    return {row["measure"]: row for row in results}


@pytest.fixture
def recovering(patient):
    record_scores(
        patient,
        {
            "baseline": {"odi": 40, "back": 7, "leg": 2},
            "6w": {"odi": 34, "back": 5, "leg": 2},
            "3m": {"odi": 28, "back": 8, "leg": 1},
        },
    )
    return patient


def test_it_classifies_each_follow_up_against_baseline_for_the_care_team(
    api, clinician, recovering
):
    response = api(clinician).get(care_url(recovering))
    assert response.status_code == 200
    odi = by_measure(response.data["results"])["odi"]
    assert odi["baseline"] == 40.0
    three_months = odi["follow_ups"][1]
    # 40 -> 28 is exactly 30% better: the MCID [R150]; final ODI 28 < 31.3: SCB [R149].
    assert three_months == {
        "timepoint": "3m",
        "score": 28.0,
        "change": -12.0,
        "percent_change": -30.0,
        "improvement": 12.0,
        "mcid_reached": True,
        "scb_reached": True,
        "worse_than_baseline": False,
        "mcid_attainable": True,
        "summary": classify_change("odi", 40, 28).summary,
    }
    assert response.data["thresholds_version"] == load_thresholds().version


@pytest.mark.parametrize(
    ("measure", "timepoint", "baseline", "follow_up"),
    [
        ("odi", "6w", 40, 34),  # 6 points, 15%: below the MCID
        ("nrs_back", "6w", 7, 5),  # 2 points: the MCID
        ("nrs_back", "3m", 7, 8),  # worse
        ("nrs_leg", "3m", 2, 1),  # a 3.2-point MCID cannot be reached from 2
    ],
)
def test_it_reports_the_package_classification(
    api, clinician, recovering, measure, timepoint, baseline, follow_up
):
    rows = by_measure(api(clinician).get(care_url(recovering)).data["results"])
    row = next(f for f in rows[measure]["follow_ups"] if f["timepoint"] == timepoint)
    expected = classify_change(measure, baseline, follow_up)
    assert (row["mcid_reached"], row["scb_reached"], row["worse_than_baseline"]) == (
        expected.mcid_reached,
        expected.scb_reached,
        expected.worse_than_baseline,
    )
    assert (row["mcid_attainable"], row["summary"]) == (
        expected.mcid_attainable,
        expected.summary,
    )


def test_it_tells_the_patient_in_plain_words(api, recovering):
    response = api(recovering.user).get(ME)
    assert response.status_code == 200
    rows = by_measure(response.data["results"])
    assert list(rows) == ["odi", "nrs_back", "nrs_leg"]  # promis_pf is disabled
    back = rows["nrs_back"]
    assert back["label"] == "back pain"
    assert back["follow_ups"][1] == {
        "timepoint": "3m",
        "score": 8.0,
        "summary": "Your back pain is worse than before your surgery. "
        "Please mention this to your care team.",
    }
    assert "mcid_reached" not in back["follow_ups"][0]


def test_it_says_when_there_is_no_baseline_to_compare_with(api, patient):
    record_scores(patient, {"3m": {"odi": 20, "back": 2, "leg": 1}})
    odi = by_measure(api(patient.user).get(ME).data["results"])["odi"]
    assert odi["baseline"] is None
    assert odi["follow_ups"] == [{"timepoint": "3m", "score": 20.0, "summary": NO_BASELINE}]


def test_it_leaves_invalid_answers_out_of_the_outcome(api, patient):
    record_scores(patient, {"baseline": {"odi": [None, None, *[2] * 8]}, "3m": {"odi": 20}})
    odi = by_measure(api(patient.user).get(ME).data["results"])["odi"]
    assert odi["baseline"] is None


def test_it_audits_the_care_team_view(api, clinician, recovering):
    api(clinician).get(care_url(recovering))
    event = AccessEvent.objects.get(object_type="patient_outcome")
    assert (event.actor, event.patient, event.action) == (clinician, recovering, "view")


def test_it_hides_another_teams_patient(api, outsider_clinician, recovering):
    assert api(outsider_clinician).get(care_url(recovering)).status_code == 404


def test_it_keeps_the_care_view_from_patients(api, recovering):
    assert api(recovering.user).get(care_url(recovering)).status_code == 403
    assert api().get(care_url(recovering)).status_code == 401


def test_it_keeps_the_patient_view_from_clinicians(api, clinician):
    assert api(clinician).get(ME).status_code == 403
