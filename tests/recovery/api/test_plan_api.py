"""GET /me/plan/ and /care/patients/{id}/plan/: phase, restrictions in force, milestones."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine

from recovery.models import AccessEvent, Milestone
from tests.clock import NOON
from tests.factories import ClinicianFactory
from tests.factories.plans import planned_patient

pytestmark = pytest.mark.django_db

SOURCE = re.compile(r"^R[1-9][0-9]*$")


def _plan(api, patient) -> dict:
    response = api(patient.user).get("/api/v1/me/plan/")
    assert response.status_code == 200, response.data
    return response.json()


def _by_code(rows: list[dict]) -> dict[str, dict]:
    return {row["code"]: row for row in rows}


@pytest.mark.clock(NOON)  # surgery 10 UTC days ago is postop day 10 in New York
def test_open_tlif_and_mis_tlif_on_day_10_see_different_plans_where_the_sources_differ(
    api,
) -> None:
    open_tlif = _plan(api, planned_patient(technique="tlif", postop_day=10))
    mis_tlif = _plan(api, planned_patient(technique="mis_tlif", postop_day=10))

    assert open_tlif["postop_day"] == mis_tlif["postop_day"] == 10
    assert (open_tlif["template_code"], mis_tlif["template_code"]) == ("open_posterior", "mis_tlif")
    # Desk work: about 6 weeks after open surgery (R6, R110), from 2 weeks after MIS (R108...).
    open_desk = _by_code(open_tlif["upcoming_milestones"])["return_desk_work"]
    mis_desk = _by_code(mis_tlif["upcoming_milestones"])["return_desk_work"]
    assert (open_desk["day_min"], mis_desk["day_min"]) == (28, 14)
    assert set(open_desk["sources"]).isdisjoint(mis_desk["sources"])
    # A shorter stay after MIS: the discharge window differs, and so do its sources.
    open_discharge = _by_code(open_tlif["overdue_milestones"])["discharge"]
    mis_discharge = _by_code(mis_tlif["overdue_milestones"])["discharge"]
    assert open_discharge["day_max"] > mis_discharge["day_max"]
    assert open_discharge["sources"] != mis_discharge["sources"]


@pytest.mark.parametrize("technique", ["tlif", "mis_tlif", "llif", "alif"])
def test_every_restriction_and_milestone_shown_names_its_source(api, technique: str) -> None:
    body = _plan(api, planned_patient(technique=technique, postop_day=10))
    shown = [
        *body["restrictions"],
        *body["tasks_and_goals"],
        *body["upcoming_milestones"],
        *body["overdue_milestones"],
    ]
    assert body["restrictions"]
    assert all(row["sources"] and all(SOURCE.match(s) for s in row["sources"]) for row in shown)


def test_it_reports_the_phase_and_the_end_day_of_each_restriction(api) -> None:
    body = _plan(api, planned_patient(postop_day=10))
    assert body["phase"] == {
        "code": "weeks_0_2",
        "title": body["phase"]["title"],
        "start_day": 0,
        "end_day": 14,
    }
    lifting = _by_code(body["restrictions"])["lifting_limit"]
    assert (lifting["end_day"], lifting["values"]) == (14, {"lb": 10.0, "kg": 4.5})
    surgery_date = date.fromisoformat(body["surgery_date"])
    assert date.fromisoformat(lifting["end_date"]) == surgery_date.fromordinal(
        surgery_date.toordinal() + 14
    )


def test_upcoming_milestones_are_pending_and_not_yet_past_their_window(api) -> None:
    patient = planned_patient(postop_day=40)
    Milestone.objects.filter(plan__patient=patient, code="visit_6w").update(
        status="achieved", achieved_on=date.today()
    )
    body = _plan(api, patient)
    upcoming = _by_code(body["upcoming_milestones"])
    assert "visit_6w" not in upcoming
    assert all(m["day_max"] >= 40 and m["status"] == "pending" for m in upcoming.values())
    assert all(m["day_max"] < 40 for m in body["overdue_milestones"])


# Surgery on 1 Jan 2026. Auckland is UTC+13 and Los Angeles UTC-8 (UTC-7 from 8 March): at
# noon UTC one patient's calendar has already turned to the next post-operative day.
SURGERY = date(2026, 1, 1)


LA, AKL = "America/Los_Angeles", "Pacific/Auckland"
DAY_42_43 = "2026-02-12T12:00Z"  # day 42 in Los Angeles, day 43 in Auckland
DAY_90_91 = "2026-04-01T12:00Z"  # day 90 in Los Angeles, day 91 in Auckland


@pytest.mark.parametrize(
    ("instant", "tz", "day", "driving", "blt_title", "lifting_title"),
    [
        # Day 42 -> 43: no driving becomes "drive once cleared"; BLT eases to "avoid heavy".
        (DAY_42_43, LA, 42, "no_driving", "No bending", "10 lb"),
        (DAY_42_43, AKL, 43, "driving_when_cleared", "Avoid heavy", "10 lb"),
        # Day 90 -> 91: the 10 lb limit becomes gradual lifting as cleared.
        (DAY_90_91, LA, 90, "driving_when_cleared", "Avoid heavy", "10 lb"),
        (DAY_90_91, AKL, 91, "driving_not_on_opioids", "No full bending", "gradually"),
    ],
)  # fmt: skip
@pytest.mark.clock
def test_lifting_blt_and_driving_change_on_the_patients_own_phase_boundary(
    api, instant: str, tz: str, day: int, driving: str, blt_title: str, lifting_title: str
) -> None:
    patient = planned_patient(surgery_date=SURGERY, timezone=tz)
    with time_machine.travel(datetime.fromisoformat(instant), tick=False):
        body = _plan(api, patient)
    restrictions = _by_code(body["restrictions"])
    assert body["postop_day"] == day
    assert driving in restrictions
    assert {"no_driving", "driving_when_cleared", "driving_not_on_opioids"} & set(restrictions) == {
        driving
    }
    assert restrictions["no_blt"]["title"].startswith(blt_title)
    assert lifting_title in restrictions["lifting_limit"]["title"]


@pytest.mark.clock
def test_it_shows_no_phase_and_no_restrictions_before_surgery(api) -> None:
    patient = planned_patient(surgery_date=date(2026, 3, 10), timezone="UTC")
    with time_machine.travel(datetime(2026, 3, 8, 12, tzinfo=UTC), tick=False):
        body = _plan(api, patient)
    assert (body["postop_day"], body["phase"], body["restrictions"]) == (-2, None, [])
    assert body["upcoming_milestones"]


def test_a_patient_without_a_plan_gets_a_404_in_the_common_shape(api, patient) -> None:
    response = api(patient.user).get("/api/v1/me/plan/")
    assert response.status_code == 404
    assert response.json()["code"] == "no_plan"


def test_the_care_team_sees_the_same_plan_and_the_read_is_audited(api) -> None:
    patient = planned_patient()
    clinician = ClinicianFactory(care_teams=[patient.care_team])
    response = api(clinician).get(f"/api/v1/care/patients/{patient.id}/plan/")
    assert response.status_code == 200
    assert response.json() == _plan(api, patient)
    event = AccessEvent.objects.get(actor=clinician, object_type="plan")
    assert (event.patient_id, event.action) == (patient.id, "view")


@pytest.mark.parametrize("suffix", ["plan/", "checklist/", "milestones/", "adherence/"])
def test_another_teams_clinician_gets_404(api, outsider_clinician, suffix: str) -> None:
    patient = planned_patient()
    response = api(outsider_clinician).get(f"/api/v1/care/patients/{patient.id}/{suffix}")
    assert response.status_code == 404


@pytest.mark.parametrize("suffix", ["plan/", "checklist/", "milestones/", "adherence/"])
def test_a_patient_is_forbidden_on_care_endpoints_even_for_themself(api, suffix: str) -> None:
    patient = planned_patient()
    response = api(patient.user).get(f"/api/v1/care/patients/{patient.id}/{suffix}")
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["plan/", "checklist/", "milestones/", "adherence/"])
def test_clinicians_are_forbidden_on_patient_endpoints(api, clinician, path: str) -> None:
    assert api(clinician).get(f"/api/v1/me/{path}").status_code == 403


@pytest.mark.parametrize("path", ["plan/", "checklist/", "milestones/", "adherence/"])
def test_anonymous_callers_are_refused(api, path: str) -> None:
    assert api().get(f"/api/v1/me/{path}").status_code == 401


def test_a_patient_sees_only_their_own_plan(api) -> None:
    mine = planned_patient(technique="tlif")
    planned_patient(technique="mis_tlif")
    assert _plan(api, mine)["template_code"] == "open_posterior"


@pytest.mark.parametrize("postop_day", [3, 60, 400])
def test_the_plan_reads_in_constant_queries(
    api, django_assert_max_num_queries, postop_day: int
) -> None:
    # Longer since surgery = more days of adherence and more settled milestones, same queries.
    patient = planned_patient(postop_day=postop_day, brace_prescribed=True)
    client = api(patient.user)
    with django_assert_max_num_queries(5):
        assert client.get("/api/v1/me/plan/").status_code == 200
    clinician = ClinicianFactory(care_teams=[patient.care_team])
    with django_assert_max_num_queries(8):
        assert api(clinician).get(f"/api/v1/care/patients/{patient.id}/plan/").status_code == 200


def test_the_plan_endpoints_are_in_the_openapi_schema(client) -> None:
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for path in [
        "/api/v1/me/plan/",
        "/api/v1/me/checklist/",
        "/api/v1/me/milestones/",
        "/api/v1/me/adherence/",
        "/api/v1/care/patients/{patient_id}/plan/",
        "/api/v1/care/patients/{patient_id}/plan/items/{item_id}/adjust/",
        "/api/v1/care/patients/{patient_id}/checklist/",
        "/api/v1/care/patients/{patient_id}/milestones/",
        "/api/v1/care/patients/{patient_id}/milestones/{milestone_id}/",
        "/api/v1/care/patients/{patient_id}/adherence/",
        "/api/v1/care/patients/{patient_id}/imaging/",
        "/api/v1/care/patients/{patient_id}/adjustments/",
        "/api/v1/care/patients/{patient_id}/surgery/",
    ]:
        assert path in paths
