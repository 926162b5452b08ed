"""Milestones: the patient's list, and the care team marking them achieved or missed."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from recovery.models import AccessEvent, ClinicianAdjustment, Milestone
from tests.factories import ClinicianFactory
from tests.factories.plans import planned_patient

pytestmark = pytest.mark.django_db

SURGERY = date(2026, 1, 1)
NOON_DAY_40 = datetime(2026, 2, 10, 12, tzinfo=UTC)


@pytest.fixture
def patient():
    return planned_patient(surgery_date=SURGERY, timezone="Europe/Paris")


@pytest.fixture
def clinician(patient):
    return ClinicianFactory(care_teams=[patient.care_team])


@pytest.fixture
def day_40():
    with time_machine.travel(NOON_DAY_40, tick=False):
        yield


def _milestone(patient, code: str) -> Milestone:
    return Milestone.objects.get(plan__patient=patient, code=code)


def _mark(api, clinician, patient, code: str, body: dict):
    milestone = _milestone(patient, code)
    return api(clinician).post(
        f"/api/v1/care/patients/{patient.id}/milestones/{milestone.id}/", body, format="json"
    )


def test_it_lists_the_patients_milestones_in_chronological_order(api, patient) -> None:
    response = api(patient.user).get("/api/v1/me/milestones/")
    rows = response.json()["results"]
    assert response.status_code == 200
    assert [(r["day_min"], r["day_max"]) for r in rows] == sorted(
        (r["day_min"], r["day_max"]) for r in rows
    )
    assert {r["code"] for r in rows} == set(
        Milestone.objects.filter(plan__patient=patient).values_list("code", flat=True)
    )
    first_walk = next(r for r in rows if r["code"] == "first_walk")
    assert first_walk["target_date_min"] == (SURGERY + timedelta(first_walk["day_min"])).isoformat()


def test_it_pages_with_a_cursor(api, patient) -> None:
    client = api(patient.user)
    first = client.get("/api/v1/me/milestones/", {"page_size": 5}).json()
    second = client.get(first["next"]).json()
    assert len(first["results"]) == 5
    assert {r["id"] for r in first["results"]}.isdisjoint(r["id"] for r in second["results"])


def test_it_filters_by_status(api, patient, clinician, day_40) -> None:
    _mark(api, clinician, patient, "first_walk", {"status": "achieved", "date": "2026-01-02"})
    rows = api(patient.user).get("/api/v1/me/milestones/", {"status": "achieved"}).json()
    assert [r["code"] for r in rows["results"]] == ["first_walk"]
    bad = api(patient.user).get("/api/v1/me/milestones/", {"status": "done"})
    assert bad.status_code == 400
    assert "status" in bad.json()["extra"]["fields"]


def test_marking_a_milestone_achieved_records_who_when_and_why(
    api, patient, clinician, day_40
) -> None:
    response = _mark(
        api,
        clinician,
        patient,
        "visit_6w",
        {"status": "achieved", "date": "2026-02-09", "note": "Seen in clinic, wound healed."},
    )
    assert response.status_code == 200
    milestone = _milestone(patient, "visit_6w")
    assert (milestone.status, milestone.achieved_on, milestone.recorded_by) == (
        "achieved",
        date(2026, 2, 9),
        clinician,
    )
    adjustment = ClinicianAdjustment.objects.get(patient=patient)
    assert (adjustment.kind, adjustment.actor, adjustment.reason) == (
        "milestone_achieved",
        clinician,
        "Seen in clinic, wound healed.",
    )
    assert adjustment.created_at == NOON_DAY_40
    assert adjustment.payload["previous_status"] == "pending"
    assert AccessEvent.objects.filter(actor=clinician, object_type="milestone").exists()
    upcoming = api(patient.user).get("/api/v1/me/plan/").json()["upcoming_milestones"]
    assert "visit_6w" not in {m["code"] for m in upcoming}


def test_marking_a_milestone_missed_keeps_no_achievement_date(
    api, patient, clinician, day_40
) -> None:
    response = _mark(api, clinician, patient, "discharge", {"status": "missed", "note": "Day 7"})
    assert response.status_code == 200
    assert response.data["milestone"]["status"] == "missed"
    assert response.data["milestone"]["achieved_on"] is None
    assert ClinicianAdjustment.objects.get(patient=patient).kind == "milestone_missed"


def test_the_date_defaults_to_the_patients_today(api, patient, clinician) -> None:
    # 23:30 UTC on 9 Feb is already 10 Feb in Paris.
    with time_machine.travel(datetime(2026, 2, 9, 23, 30, tzinfo=UTC), tick=False):
        _mark(api, clinician, patient, "visit_6w", {"status": "achieved"})
    assert _milestone(patient, "visit_6w").achieved_on == date(2026, 2, 10)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "done"}, "status"),
        ({"status": "achieved", "date": "2026-02-11"}, "date"),  # the future
        ({"status": "achieved", "date": "2025-12-31"}, "date"),  # before surgery
        ({"status": "achieved", "date": "yesterday"}, "date"),
    ],
)
def test_it_explains_bad_milestone_updates(
    api, patient, clinician, day_40, body: dict, field: str
) -> None:
    response = _mark(api, clinician, patient, "visit_6w", body)
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]
    assert _milestone(patient, "visit_6w").status == "pending"


def test_a_recurring_milestone_schedules_its_next_occurrence(api, patient, clinician) -> None:
    with time_machine.travel(datetime(2029, 1, 10, 12, tzinfo=UTC), tick=False):
        response = _mark(api, clinician, patient, "yearly_review", {"status": "achieved"})
    assert response.status_code == 200
    first, second = Milestone.objects.filter(plan__patient=patient, code="yearly_review")
    assert (first.occurrence, second.occurrence, second.status) == (1, 2, "pending")
    assert second.day_min - first.day_min == first.repeat_every_days == 365
    assert second.target_date_min == first.target_date_min + timedelta(days=365)


def test_another_teams_clinician_cannot_mark_a_milestone(
    api, patient, outsider_clinician, day_40
) -> None:
    response = _mark(api, outsider_clinician, patient, "visit_6w", {"status": "achieved"})
    assert response.status_code == 404
    assert _milestone(patient, "visit_6w").status == "pending"


def test_a_milestone_of_another_patient_is_not_found(api, patient, clinician, day_40) -> None:
    same_team = planned_patient(surgery_date=SURGERY, care_team=patient.care_team)
    theirs = _milestone(same_team, "visit_6w")
    response = api(clinician).post(
        f"/api/v1/care/patients/{patient.id}/milestones/{theirs.id}/", {"status": "achieved"}
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "pending"


def test_patients_cannot_mark_milestones(api, patient, day_40) -> None:
    milestone = _milestone(patient, "visit_6w")
    url = f"/api/v1/care/patients/{patient.id}/milestones/{milestone.id}/"
    assert api(patient.user).post(url, {"status": "achieved"}).status_code == 403
    assert api().post(url, {"status": "achieved"}).status_code == 401


@pytest.mark.parametrize(("smoker", "settled", "page_size"), [("never", 0, 5), ("current", 8, 50)])
def test_milestones_list_in_constant_queries(
    api, django_assert_max_num_queries, smoker: str, settled: int, page_size: int
) -> None:
    patient = planned_patient(smoking_status=smoker)
    milestones = Milestone.objects.filter(plan__patient=patient)
    Milestone.objects.filter(id__in=list(milestones.values_list("id", flat=True)[:settled])).update(
        status="missed"
    )
    with django_assert_max_num_queries(3):
        response = api(patient.user).get("/api/v1/me/milestones/", {"page_size": page_size})
    assert len(response.json()["results"]) == min(page_size, milestones.count())
    clinician = ClinicianFactory(care_teams=[patient.care_team])
    with django_assert_max_num_queries(7):
        response = api(clinician).get(
            f"/api/v1/care/patients/{patient.id}/milestones/", {"page_size": page_size}
        )
    assert response.status_code == 200


# ----------------------------------------------------- issue 16: the patient records one


def _report(api, patient, code: str, body: dict):
    milestone = _milestone(patient, code)
    return api(patient.user).patch(f"/api/v1/me/milestones/{milestone.id}/", body, format="json")


def test_it_lets_the_patient_mark_a_self_reportable_milestone(api, patient, day_40) -> None:
    response = _report(
        api, patient, "first_walk", {"status": "achieved", "achieved_on": "2026-01-02"}
    )

    milestone = _milestone(patient, "first_walk")
    assert response.status_code == 200
    assert response.json()["self_report"] is True
    assert (milestone.status, milestone.achieved_on) == ("achieved", date(2026, 1, 2))
    assert milestone.recorded_by == patient.user


def test_it_attributes_a_self_reported_milestone_to_the_patient(api, patient, day_40) -> None:
    _report(api, patient, "first_walk", {"status": "achieved", "achieved_on": "2026-01-02"})

    rows = api(patient.user).get("/api/v1/me/milestones/").json()["results"]

    first_walk = next(r for r in rows if r["code"] == "first_walk")
    assert first_walk["reported_by"] == {"kind": "patient", "name": None, "relationship": None}


def test_it_attributes_a_milestone_the_team_marked_to_the_care_team(
    api, patient, clinician, day_40
) -> None:
    _mark(api, clinician, patient, "discharge", {"status": "achieved", "achieved_on": "2026-01-03"})

    rows = api(patient.user).get("/api/v1/me/milestones/").json()["results"]

    discharge = next(r for r in rows if r["code"] == "discharge")
    assert discharge["reported_by"]["kind"] == "care_team"


def test_it_refuses_a_milestone_the_team_records(api, patient, day_40) -> None:
    response = _report(
        api, patient, "discharge", {"status": "achieved", "achieved_on": "2026-01-02"}
    )

    assert response.status_code == 403
    assert response.json()["code"] == "not_self_reportable"
    assert _milestone(patient, "discharge").status == "pending"


@pytest.mark.parametrize("achieved_on", ["2025-12-31", "2026-02-11"])
def test_it_refuses_a_date_before_surgery_or_in_the_future(
    api, patient, day_40, achieved_on
) -> None:
    response = _report(
        api, patient, "first_walk", {"status": "achieved", "achieved_on": achieved_on}
    )

    assert response.status_code == 400
    assert "achieved_on" in response.json()["extra"]["fields"]


def test_it_answers_404_for_another_patients_milestone(api, patient, day_40) -> None:
    other = planned_patient(surgery_date=SURGERY)
    milestone = _milestone(other, "first_walk")

    response = api(patient.user).patch(
        f"/api/v1/me/milestones/{milestone.id}/",
        {"status": "achieved", "achieved_on": "2026-01-02"},
        format="json",
    )

    assert response.status_code == 404


def test_it_records_the_discharge_date_given_at_enrollment(api, clinician, day_40) -> None:
    from recovery.services.plans import surgery_update

    patient = planned_patient(surgery_date=SURGERY)
    surgery = patient.surgeries.get()
    surgery_update(surgery=surgery, data={"discharge_date": date(2026, 1, 3)})

    milestone = _milestone(patient, "discharge")
    assert (milestone.status, milestone.achieved_on) == ("achieved", date(2026, 1, 3))
