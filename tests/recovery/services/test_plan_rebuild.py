"""Changing the surgery date, technique or brace rebuilds the plan's future and keeps its past."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from recovery.models import AccessEvent, ChecklistEntry, Milestone, PlanItem
from recovery.services.plans import plan_rebuild
from tests.factories import ClinicianFactory
from tests.factories.plans import plan_of, planned_patient

pytestmark = pytest.mark.django_db

SURGERY = date(2026, 1, 1)
DAY_10 = datetime(2026, 1, 11, 12, tzinfo=UTC)
DAY_20 = datetime(2026, 1, 21, 12, tzinfo=UTC)


@pytest.fixture
def patient():
    return planned_patient(surgery_date=SURGERY, timezone="UTC")


@pytest.fixture
def clinician(patient):
    return ClinicianFactory(care_teams=[patient.care_team])


def _patch(api, user, patient, body: dict):
    return api(user).patch(f"/api/v1/care/patients/{patient.id}/surgery/", body, format="json")


def _answer(api, patient, day: date, code: str) -> None:
    response = api(patient.user).post(
        "/api/v1/me/checklist/", {"date": day.isoformat(), "item": code, "kept": True}
    )
    assert response.status_code == 201, response.data


def _live(patient) -> list[PlanItem]:
    return list(PlanItem.objects.filter(plan__patient=patient, retired_at__isnull=True))


def test_a_technique_change_rebuilds_only_the_future(api, patient, clinician) -> None:
    with time_machine.travel(DAY_10, tick=False):
        _answer(api, patient, date(2026, 1, 10), "no_blt")
        Milestone.objects.filter(plan__patient=patient, code="first_walk").update(
            status="achieved", achieved_on=date(2026, 1, 2)
        )
        before = {i.id: i for i in _live(patient)}
        response = _patch(api, clinician, patient, {"technique": "mis_tlif", "approach": "mis"})
    assert response.status_code == 200
    assert (response.data["plan_rebuilt"], response.data["template_code"]) == (True, "mis_tlif")
    assert set(response.data["changed"]) == {"technique", "approach"}

    after = _live(patient)
    # Items in force today end today; everything from tomorrow comes from the MIS-TLIF template.
    for item in after:
        if item.id in before:
            assert (item.template_code, item.start_day, item.end_day) == ("open_posterior", 0, 10)
        else:
            assert item.template_code == "mis_tlif"
            assert item.start_day >= 11
    assert {i.template_code for i in after if i.start_day <= 10 <= (i.end_day or 10**6)} == {
        "open_posterior"
    }
    entry = ChecklistEntry.objects.get(patient=patient)
    assert entry.item_id in before  # the answered item survives, with its entry
    first_walk = Milestone.objects.get(plan__patient=patient, code="first_walk")
    assert (first_walk.status, first_walk.template_code) == ("achieved", "open_posterior")
    pending = Milestone.objects.filter(plan__patient=patient, status="pending")
    assert {m.template_code for m in pending} == {"mis_tlif"}
    assert not pending.filter(code="first_walk").exists()
    plan = plan_of(patient)
    assert (plan.template_code, plan.rebuilt_at) == ("mis_tlif", DAY_10)


def test_the_next_days_checklist_comes_from_the_new_template(api, patient, clinician) -> None:
    with time_machine.travel(DAY_10, tick=False):
        _patch(api, clinician, patient, {"technique": "llif", "approach": "mis"})
        tomorrow = api(patient.user).get("/api/v1/me/checklist/", {"date": "2026-01-12"}).json()
        today = api(patient.user).get("/api/v1/me/checklist/").json()
    assert {i["template_code"] for i in today["items"]} == {"open_posterior"}
    assert {i["template_code"] for i in tomorrow["items"]} == {"lateral"}
    assert len({i["code"] for i in tomorrow["items"]}) == len(tomorrow["items"])


def test_a_date_change_moves_pending_milestones_and_keeps_settled_ones(
    api, patient, clinician
) -> None:
    Milestone.objects.filter(plan__patient=patient, code="discharge").update(
        status="achieved", achieved_on=date(2026, 1, 4)
    )
    with time_machine.travel(DAY_10, tick=False):
        response = _patch(api, clinician, patient, {"date": "2026-01-04"})
    assert response.status_code == 200
    discharge = Milestone.objects.get(plan__patient=patient, code="discharge")
    assert discharge.target_date_min == SURGERY + timedelta(days=discharge.day_min)
    visit = Milestone.objects.get(plan__patient=patient, code="visit_6w")
    assert visit.target_date_min == date(2026, 1, 4) + timedelta(days=visit.day_min)


def test_a_date_change_keeps_unchanged_items_and_their_entries(api, patient, clinician) -> None:
    with time_machine.travel(DAY_10, tick=False):
        _answer(api, patient, date(2026, 1, 9), "no_blt")
        before = {i.id for i in _live(patient)}
        _patch(api, clinician, patient, {"date": "2025-12-29"})
    # Windows are post-operative days: the same template needs no new rows.
    assert {i.id for i in _live(patient)} == before
    assert ChecklistEntry.objects.filter(patient=patient).count() == 1


def test_an_answered_item_the_rebuild_replaces_is_retired_not_deleted(
    api, patient, clinician
) -> None:
    with time_machine.travel(DAY_20, tick=False):
        _answer(api, patient, date(2026, 1, 19), "no_blt")  # day 18, phase weeks_2_6
        # Surgery really was 10 days later, with MIS: 19 Jan is now day 8, and day 15 is ahead.
        response = _patch(
            api,
            clinician,
            patient,
            {"date": "2026-01-11", "technique": "mis_tlif", "approach": "mis"},
        )
    assert response.status_code == 200
    entry = ChecklistEntry.objects.select_related("item").get(patient=patient)
    assert entry.item.retired_at == DAY_20
    assert entry.item.template_code == "open_posterior"
    assert not PlanItem.objects.filter(
        plan__patient=patient, template_code="open_posterior", start_day__gt=10, retired_at=None
    ).exists()


@pytest.mark.parametrize(("before", "after"), [(False, True), (True, False)])
def test_a_brace_prescription_change_touches_only_the_brace(
    api, clinician, before: bool, after: bool
) -> None:
    patient = planned_patient(surgery_date=SURGERY, brace_prescribed=before, timezone="UTC")
    clinician = ClinicianFactory(care_teams=[patient.care_team])
    with time_machine.travel(DAY_10, tick=False):
        others = {i.id for i in _live(patient) if i.code != "brace"}
        response = _patch(api, clinician, patient, {"brace_prescribed": after})
        codes_tomorrow = {
            i["code"]
            for i in api(patient.user)
            .get("/api/v1/me/checklist/", {"date": "2026-01-12"})
            .json()["items"]
        }
    assert response.data["plan_rebuilt"] is True
    assert {i.id for i in _live(patient) if i.code != "brace"} == others
    assert ("brace" in codes_tomorrow) is after


def test_an_unchanged_surgery_does_not_rebuild(api, patient, clinician) -> None:
    response = _patch(api, clinician, patient, {"technique": "tlif", "surgeon": "Dr. Example"})
    assert (response.status_code, response.data["changed"], response.data["plan_rebuilt"]) == (
        200,
        [],
        False,
    )
    assert plan_of(patient).rebuilt_at is None


def test_a_non_clinical_change_saves_without_rebuilding(api, patient, clinician) -> None:
    response = _patch(api, clinician, patient, {"surgeon": "Dr. Other"})
    assert response.status_code == 200, response.json()
    assert (response.data["changed"], response.data["plan_rebuilt"]) == (["surgeon"], False)
    assert AccessEvent.objects.filter(actor=clinician, object_type="surgery").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"technique": "mis_tlif"}, "approach"),
        ({"technique": "laser"}, "technique"),
        ({"discharge_date": "2025-12-30"}, "discharge_date"),
        ({"date": "1900-01-01"}, "date"),
        ({"levels": "L3/L4"}, "levels"),
    ],
)
def test_it_explains_bad_surgery_changes(api, patient, clinician, body: dict, field: str) -> None:
    response = _patch(api, clinician, patient, body)
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]
    assert patient.surgeries.get().technique == "tlif"


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("patient", 403), ("anon", 401)])
def test_surgery_changes_are_scoped_to_the_care_team(
    api, patient, outsider_clinician, who: str, status: int
) -> None:
    user = {"outsider": outsider_clinician, "patient": patient.user, "anon": None}[who]
    assert _patch(api, user, patient, {"brace_prescribed": True}).status_code == status
    assert patient.surgeries.get().brace_prescribed is False


def test_a_second_rebuild_keeps_what_the_first_one_built(api, patient, clinician) -> None:
    with time_machine.travel(DAY_10, tick=False):
        _patch(api, clinician, patient, {"technique": "mis_tlif", "approach": "mis"})
    first = {i.id for i in _live(patient)}
    with time_machine.travel(DAY_10 + timedelta(days=2), tick=False):
        plan_rebuild(surgery=patient.surgeries.get())
    assert {i.id for i in _live(patient)} == first
