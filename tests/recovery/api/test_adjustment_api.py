"""Clinician adjustments: lift or extend a restriction, record imaging; who, when and why."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from recovery.models import AccessEvent, ClinicianAdjustment, ImagingResult, Milestone, PlanItem
from tests.factories import ClinicianFactory
from tests.factories.plans import planned_patient

pytestmark = pytest.mark.django_db

SURGERY = date(2026, 1, 1)


def _noon(day: int) -> datetime:
    """Noon UTC on post-operative day `day` (the patients below live in UTC+0/+1)."""
    return datetime.fromordinal(SURGERY.toordinal() + day).replace(hour=12, tzinfo=UTC)


@pytest.fixture
def patient():
    return planned_patient(surgery_date=SURGERY, timezone="Europe/Dublin")


@pytest.fixture
def clinician(patient):
    return ClinicianFactory(care_teams=[patient.care_team])


def _item(patient, code: str, phase: str) -> PlanItem:
    return PlanItem.objects.get(plan__patient=patient, code=code, phase_code=phase)


def _adjust(api, user, patient, item: PlanItem, body: dict):
    url = f"/api/v1/care/patients/{patient.id}/plan/items/{item.id}/adjust/"
    return api(user).post(url, body, format="json")


def _in_force(api, patient, day: int) -> dict[str, dict]:
    with time_machine.travel(_noon(day), tick=False):
        body = api(patient.user).get("/api/v1/me/plan/").json()
    return {i["code"]: i for i in [*body["restrictions"], *body["tasks_and_goals"]]}


def _checklist_codes(api, patient, day: int) -> list[str]:
    with time_machine.travel(_noon(day), tick=False):
        items = api(patient.user).get("/api/v1/me/checklist/").json()["items"]
    return [i["code"] for i in items]


def test_lifting_a_restriction_ends_it_today_and_records_who_when_why(
    api, patient, clinician
) -> None:
    driving = _item(patient, "no_driving", "weeks_2_6")
    with time_machine.travel(_noon(28), tick=False):
        response = _adjust(
            api, clinician, patient, driving, {"action": "lift", "reason": "Cleared at 4 weeks."}
        )
    assert response.status_code == 200
    assert (response.data["item"]["end_day"], response.data["item"]["lifted"]) == (27, True)
    adjustment = ClinicianAdjustment.objects.get(patient=patient)
    assert (adjustment.kind, adjustment.actor, adjustment.reason, adjustment.item) == (
        "lift_restriction",
        clinician,
        "Cleared at 4 weeks.",
        driving,
    )
    assert adjustment.created_at == _noon(28)
    assert adjustment.payload["previous_end_day"] == 42
    assert "no_driving" in _in_force(api, patient, 27)
    assert "no_driving" not in _in_force(api, patient, 28)
    assert "no_driving" not in _checklist_codes(api, patient, 28)
    assert AccessEvent.objects.filter(actor=clinician, object_type="plan_item").exists()


def test_a_lift_also_lifts_the_same_item_in_later_phases(api, patient, clinician) -> None:
    with time_machine.travel(_noon(10), tick=False):
        _adjust(
            api,
            clinician,
            patient,
            _item(patient, "no_blt", "weeks_0_2"),
            {"action": "lift", "reason": "Reviewed."},
        )
    assert "no_blt" not in _in_force(api, patient, 20)
    assert "no_blt" not in _in_force(api, patient, 60)
    assert "lifting_limit" in _in_force(api, patient, 20)


def test_an_extended_restriction_outlasts_its_phase_and_takes_precedence(
    api, patient, clinician
) -> None:
    early = _item(patient, "no_driving", "weeks_2_6")
    with time_machine.travel(_noon(30), tick=False):
        response = _adjust(
            api,
            clinician,
            patient,
            early,
            {"action": "extend", "end_day": 60, "reason": "Still on opioids."},
        )
    assert response.status_code == 200
    assert (response.data["item"]["end_day"], response.data["item"]["planned_end_day"]) == (60, 42)
    day_50 = _in_force(api, patient, 50)
    assert day_50["no_driving"]["id"] == str(early.id)
    assert "no_driving" not in _in_force(api, patient, 61)
    assert _checklist_codes(api, patient, 50).count("no_driving") == 1
    assert ClinicianAdjustment.objects.get(patient=patient).kind == "extend_restriction"


@pytest.mark.parametrize(
    ("day", "code", "phase", "body", "field"),
    [
        (10, "no_blt", "weeks_0_2", {"action": "extend", "reason": "x"}, "end_day"),
        (10, "no_blt", "weeks_0_2", {"action": "extend", "end_day": 12, "reason": "x"}, "end_day"),
        (10, "no_blt", "weeks_0_2", {"action": "lift"}, "reason"),
        (10, "no_blt", "weeks_0_2", {"action": "lift", "reason": "  "}, "reason"),
        (10, "no_blt", "weeks_0_2", {"action": "drop", "reason": "x"}, "action"),
        (20, "no_blt", "weeks_0_2", {"action": "lift", "reason": "x"}, "action"),  # ended
        (10, "driving_not_on_opioids", "after_1_year", {"action": "extend", "end_day": 900,
                                                        "reason": "x"}, "action"),  # open-ended
    ],
)  # fmt: skip
def test_it_explains_bad_adjustments(
    api, patient, clinician, day: int, code: str, phase: str, body: dict, field: str
) -> None:
    with time_machine.travel(_noon(day), tick=False):
        response = _adjust(api, clinician, patient, _item(patient, code, phase), body)
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]
    assert not ClinicianAdjustment.objects.exists()


def test_an_item_of_another_patient_is_not_found(api, patient, clinician) -> None:
    same_team = planned_patient(surgery_date=SURGERY, care_team=patient.care_team)
    theirs = _item(same_team, "no_blt", "weeks_0_2")
    response = _adjust(api, clinician, patient, theirs, {"action": "lift", "reason": "x"})
    assert response.status_code == 404


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("patient", 403), ("anon", 401)])
def test_adjustments_are_scoped_to_the_care_team(
    api, patient, outsider_clinician, who: str, status: int
) -> None:
    user = {"outsider": outsider_clinician, "patient": patient.user, "anon": None}[who]
    item = _item(patient, "no_blt", "weeks_0_2")
    assert (
        _adjust(api, user, patient, item, {"action": "lift", "reason": "x"}).status_code == status
    )
    imaging = api(user).post(
        f"/api/v1/care/patients/{patient.id}/imaging/",
        {"date": "2026-01-05", "modality": "xray", "finding": "fusion_progressing"},
    )
    assert imaging.status_code == status
    listing = api(user).get(f"/api/v1/care/patients/{patient.id}/adjustments/")
    assert listing.status_code == status
    assert not ClinicianAdjustment.objects.exists()


@pytest.mark.parametrize(
    ("modality", "finding", "achieved"),
    [
        ("ct", "solid_fusion", {"solid_fusion", "ct_fusion_1y"}),
        ("xray", "solid_fusion", {"solid_fusion"}),
        ("ct", "suspected_nonunion", set()),
        ("mri", "hardware_concern", set()),
    ],
)
def test_an_imaging_result_is_recorded_and_solid_fusion_settles_the_fusion_milestones(
    api, patient, clinician, modality: str, finding: str, achieved: set[str]
) -> None:
    with time_machine.travel(_noon(370), tick=False):
        response = api(clinician).post(
            f"/api/v1/care/patients/{patient.id}/imaging/",
            {"date": "2027-01-05", "modality": modality, "finding": finding, "note": "Report."},
        )
    assert response.status_code == 201
    assert set(response.data["milestones_achieved"]) == achieved
    result = ImagingResult.objects.get(patient=patient)
    assert (result.modality, result.finding, result.recorded_by) == (modality, finding, clinician)
    settled = Milestone.objects.filter(plan__patient=patient, status="achieved")
    assert {m.code for m in settled} == achieved
    assert all(m.achieved_on == date(2027, 1, 5) for m in settled)
    kinds = sorted(
        ClinicianAdjustment.objects.filter(patient=patient).values_list("kind", flat=True)
    )
    assert kinds == sorted(["imaging_result"] + ["milestone_achieved"] * len(achieved))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": "2026-01-20", "modality": "xray", "finding": "solid_fusion"}, "date"),  # future
        ({"date": "2025-12-20", "modality": "xray", "finding": "solid_fusion"}, "date"),  # pre-op
        ({"date": "2026-01-05", "modality": "pet", "finding": "solid_fusion"}, "modality"),
        ({"date": "2026-01-05", "modality": "xray", "finding": "fused"}, "finding"),
    ],
)
def test_it_explains_bad_imaging_results(api, patient, clinician, body: dict, field: str) -> None:
    with time_machine.travel(_noon(10), tick=False):
        response = api(clinician).post(f"/api/v1/care/patients/{patient.id}/imaging/", body)
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]
    assert not ImagingResult.objects.exists()


def test_the_adjustment_history_lists_who_when_and_why_newest_first(
    api, patient, clinician
) -> None:
    other = ClinicianFactory(care_teams=[patient.care_team])
    with time_machine.travel(_noon(10), tick=False):
        _adjust(api, clinician, patient, _item(patient, "no_blt", "weeks_0_2"),
                {"action": "lift", "reason": "First."})  # fmt: skip
    with time_machine.travel(_noon(11), tick=False):
        _adjust(api, other, patient, _item(patient, "lifting_limit", "weeks_0_2"),
                {"action": "extend", "end_day": 20, "reason": "Second."})  # fmt: skip
    response = api(clinician).get(f"/api/v1/care/patients/{patient.id}/adjustments/")
    rows = response.json()["results"]
    assert [(r["kind"], r["actor"], r["reason"]) for r in rows] == [
        ("extend_restriction", other.username, "Second."),
        ("lift_restriction", clinician.username, "First."),
    ]
    assert rows[0]["created_at"].startswith("2026-01-12T12:00")
    assert AccessEvent.objects.filter(actor=clinician, object_type="adjustments").exists()


@pytest.mark.parametrize("count", [1, 5, 15])
def test_the_adjustment_history_reads_in_constant_queries(
    api, patient, clinician, django_assert_max_num_queries, count: int
) -> None:
    items = PlanItem.objects.filter(plan__patient=patient, end_day__isnull=False)[:count]
    for item in items:
        ClinicianAdjustment.objects.create(
            patient=patient, actor=clinician, kind="extend_restriction", reason="r", item=item
        )
    with django_assert_max_num_queries(6):
        response = api(clinician).get(f"/api/v1/care/patients/{patient.id}/adjustments/")
    assert len(response.json()["results"]) == count
