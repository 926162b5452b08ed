"""Issue 10 acceptance: a seeded record exports as a valid R4 bundle with every resource,
linked correctly; another team gets 404; the export is audited; a patient gets only theirs."""

from datetime import timedelta

import pytest
from django.utils import timezone

from recovery.models import AccessEvent, CheckIn
from tests.factories.questionnaires import QuestionnaireResponseFactory, odi_answers
from tests.fhir.conftest import CHECKIN_DAYS, add_checkins
from tests.fhir.fhir_checks import assert_valid_r4, by_type, read_stream

pytestmark = pytest.mark.django_db

RESOURCE_TYPES = {
    "Patient",
    "Practitioner",
    "CareTeam",
    "Encounter",
    "Procedure",
    "Device",
    "CarePlan",
    "Goal",
    "Observation",
    "Flag",
    "DetectedIssue",
    "QuestionnaireResponse",
}


@pytest.fixture
def seeded(operated_patient, resolved_infection_flag):
    """Surgery with implants and a plan, 30 check-ins in all, a resolved infection flag and
    two questionnaires (baseline ODI and 6-week pain NRS)."""
    feverish = resolved_infection_flag.checkins.count()
    add_checkins(
        operated_patient,
        CHECKIN_DAYS - feverish,
        start=timezone.now() - timedelta(days=CHECKIN_DAYS),
    )
    assert CheckIn.objects.filter(patient=operated_patient).count() == CHECKIN_DAYS
    QuestionnaireResponseFactory(patient=operated_patient, answers=odi_answers(48))
    QuestionnaireResponseFactory(
        patient=operated_patient,
        instrument="nrs_pain",
        timepoint="6w",
        answers={"back": 3, "leg": 1},
    )
    return operated_patient


@pytest.fixture
def bundle(api, seeded, clinician) -> dict:
    response = api(clinician).get(f"/api/v1/care/patients/{seeded.id}/fhir/")
    assert response.status_code == 200
    return read_stream(response.streaming_content)


def _ref(resource: dict) -> dict:
    return {"reference": f"urn:uuid:{resource['id']}"}


def _refs(resources: list[dict]) -> list[dict]:
    return [_ref(r) for r in resources]


def test_it_validates_as_r4_and_holds_every_resource_type(bundle) -> None:
    assert_valid_r4(bundle)

    assert {e["resource"]["resourceType"] for e in bundle["entry"]} == RESOURCE_TYPES


def test_it_points_every_clinical_resource_at_the_patient(bundle) -> None:
    (patient,) = by_type(bundle, "Patient")
    subjects = [
        r.get("subject") or r.get("patient")
        for r in (e["resource"] for e in bundle["entry"])
        if r["resourceType"] not in {"Patient", "Practitioner"}
    ]

    assert subjects and all(subject == _ref(patient) for subject in subjects)


def test_it_links_plan_goals_team_and_implants(bundle) -> None:
    (procedure,) = by_type(bundle, "Procedure")
    (care_plan,) = by_type(bundle, "CarePlan")
    (team,) = by_type(bundle, "CareTeam")

    assert [d["manipulated"] for d in procedure["focalDevice"]] == _refs(by_type(bundle, "Device"))
    assert procedure["encounter"] == _ref(by_type(bundle, "Encounter")[0])
    assert care_plan["goal"] == _refs(by_type(bundle, "Goal"))
    assert care_plan["careTeam"] == [_ref(team)]
    members = {p["member"]["reference"] for p in team["participant"]}
    assert members <= {r["reference"] for r in _refs(by_type(bundle, "Practitioner"))}


def test_it_links_the_flag_to_its_issue_and_evidence(bundle, resolved_infection_flag) -> None:
    (flag,) = by_type(bundle, "Flag")
    (issue,) = by_type(bundle, "DetectedIssue")
    observations = {r["reference"] for r in _refs(by_type(bundle, "Observation"))}
    practitioners = _refs(by_type(bundle, "Practitioner"))

    assert flag["code"]["coding"][0]["code"] == "infection"
    assert flag["extension"][0]["valueReference"] == _ref(issue)
    evidence = {d["reference"] for e in issue["evidence"] for d in e.get("detail", [])}
    assert evidence and evidence <= observations
    assert all(m["author"] in practitioners for m in issue["mitigation"])


def test_it_links_each_score_to_its_questionnaire_response(bundle) -> None:
    responses = by_type(bundle, "QuestionnaireResponse")
    scores = [o for o in by_type(bundle, "Observation") if "derivedFrom" in o]

    assert len(responses) == 2
    assert [s["derivedFrom"] for s in scores] == [[_ref(r)] for r in responses]


def test_it_exports_every_check_in_measurement(bundle, seeded) -> None:
    checkin_observations = [o for o in by_type(bundle, "Observation") if "derivedFrom" not in o]
    expected = sum(
        value is not None
        for row in CheckIn.objects.filter(patient=seeded).values_list(
            "back_pain", "leg_pain", "temperature_c"
        )
        for value in row
    )

    assert len(checkin_observations) == expected


def test_it_records_the_export_and_refuses_another_team(
    api, bundle, seeded, clinician, outsider_clinician
) -> None:
    assert AccessEvent.objects.filter(
        action="export", actor=clinician, patient=seeded, object_id=bundle["id"]
    ).exists()

    response = api(outsider_clinician).get(f"/api/v1/care/patients/{seeded.id}/fhir/")

    assert response.status_code == 404
    assert AccessEvent.objects.filter(action="export").count() == 1


def test_it_gives_a_patient_their_own_bundle_and_no_one_elses(api, seeded, other_patient) -> None:
    mine = read_stream(api(seeded.user).get("/api/v1/me/fhir/").streaming_content)
    theirs = read_stream(api(other_patient.user).get("/api/v1/me/fhir/").streaming_content)

    assert_valid_r4(mine)
    assert by_type(mine, "Patient")[0]["id"] == str(seeded.id)
    assert by_type(theirs, "Patient")[0]["id"] == str(other_patient.id)
    assert str(seeded.id) not in str(theirs)
