from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from recovery.models import AccessEvent, Flag, Patient
from tests.factories import ClinicianFactory, PatientFactory
from tests.factories.checkins import CheckInFactory, FlagFactory
from tests.factories.plans import ChecklistEntryFactory, plan_of, planned_patient
from tests.factories.questionnaires import record_scores
from tests.mfa import verified_login

pytestmark = pytest.mark.django_db


def _flag_ids(response) -> list[str]:
    return [str(row.flag.id) for row in response.context["data"].flags]


def test_it_orders_open_flags_by_severity_then_age(web, clinician, patient):
    now = timezone.now()
    routine = FlagFactory(
        patient=patient, severity="routine", category="ileus", opened_at=now - timedelta(days=3)
    )
    urgent_new = FlagFactory(
        patient=patient, severity="urgent", category="infection", opened_at=now - timedelta(hours=1)
    )
    urgent_old = FlagFactory(
        patient=PatientFactory(care_team=patient.care_team),
        severity="urgent",
        opened_at=now - timedelta(hours=5),
    )
    emergency = FlagFactory(
        patient=patient, severity="emergency", category="cauda_equina", opened_at=now
    )

    response = web(clinician).get("/dashboard/")

    assert _flag_ids(response) == [str(f.id) for f in (emergency, urgent_old, urgent_new, routine)]


def test_it_leaves_out_closed_flags_and_other_teams_flags(web, clinician, patient, other_patient):
    live = FlagFactory(patient=patient, status="acknowledged")
    FlagFactory(patient=patient, category="ileus", status="resolved")
    FlagFactory(patient=other_patient)

    response = web(clinician).get("/dashboard/")

    assert _flag_ids(response) == [str(live.id)]
    assert str(other_patient.id) not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("severity=emergency", ["emergency"]),
        ("category=ileus", ["routine"]),
        ("severity=urgent&category=ileus", []),
        ("severity=bogus", ["emergency", "routine"]),  # an invalid filter is ignored
    ],
)
def test_it_filters_by_severity_and_category(web, clinician, patient, query, expected):
    FlagFactory(patient=patient, severity="emergency", category="cauda_equina")
    FlagFactory(patient=patient, severity="routine", category="ileus")

    response = web(clinician).get(f"/dashboard/?{query}")

    assert [row.flag.severity for row in response.context["data"].flags] == expected


def test_it_filters_by_team_among_the_clinicians_teams(web, patient):
    second = PatientFactory()
    clinician = ClinicianFactory(care_teams=[patient.care_team, second.care_team])
    FlagFactory(patient=patient)
    wanted = FlagFactory(patient=second)

    response = web(clinician).get(f"/dashboard/?team={second.care_team.id}")

    assert _flag_ids(response) == [str(wanted.id)]


def test_it_ignores_a_team_filter_naming_another_team(web, clinician, patient, other_patient):
    mine = FlagFactory(patient=patient)
    FlagFactory(patient=other_patient)

    response = web(clinician).get(f"/dashboard/?team={other_patient.care_team.id}")

    assert _flag_ids(response) == [str(mine.id)]


def test_it_shows_who_acknowledged_a_flag(web, clinician, patient):
    flag = FlagFactory(patient=patient)
    nurse = ClinicianFactory(care_teams=[patient.care_team], first_name="Ada", last_name="Nurse")
    web(nurse).post(f"/dashboard/flags/{flag.id}/acknowledge/")

    page = web(clinician).get("/dashboard/").content.decode()

    assert "Ada Nurse" in page


def test_it_records_one_list_event_per_patient_shown(web, clinician, patient):
    FlagFactory(patient=patient, category="infection")
    FlagFactory(patient=patient, category="ileus")
    second = PatientFactory(care_team=patient.care_team)
    FlagFactory(patient=second)

    web(clinician).get("/dashboard/")

    events = AccessEvent.objects.filter(actor=clinician, action="list")
    assert sorted(e.patient_id for e in events) == sorted([patient.id, second.id])
    assert {e.object_type for e in events} == {"worklist"}


def test_it_records_a_polled_patient_once_per_dedupe_window(web, clinician, patient):
    FlagFactory(patient=patient)
    client = web(clinician)

    client.get("/dashboard/worklist/live/")
    client.get("/dashboard/worklist/live/")

    assert AccessEvent.objects.filter(actor=clinician, patient=patient).count() == 1


def test_it_serves_the_live_region_as_a_fragment(web, clinician, patient):
    FlagFactory(patient=patient, severity="emergency")

    response = web(clinician).get("/dashboard/worklist/live/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert "Emergency" in page


def test_it_lists_silent_patients_as_needing_attention(frozen, web, clinician, patient):
    CheckInFactory(patient=patient, day=2)  # surgery was 10 days ago: 8 days of silence
    chatty = PatientFactory(care_team=patient.care_team)
    CheckInFactory(patient=chatty, day=10)

    response = web(clinician).get("/dashboard/")

    attention = {a.patient.id: a.reasons for a in response.context["data"].attention}
    assert list(attention) == [patient.id]
    assert attention[patient.id] == ["No check-in for 8 days"]


def test_it_lists_patients_whose_questionnaire_window_closed_unanswered(frozen, web, patient):
    clinician = ClinicianFactory(care_teams=[patient.care_team])
    # 6 weeks = day 42 +/- 14: on day 60 that window closed 4 days ago.
    late = planned_patient(postop_day=60, care_team=patient.care_team)
    record_scores(late, {"baseline": {"odi": 40}})
    answered = planned_patient(postop_day=60, care_team=patient.care_team)
    record_scores(answered, {"6w": {"odi": 30, "back": 3, "leg": 2}})
    # Both were enrolled a week before surgery (windows never open before enrollment).
    Patient.objects.filter(id__in=[late.id, answered.id]).update(
        created_at=frozen - timedelta(days=67)
    )

    response = web(clinician).get("/dashboard/")

    attention = {a.patient.id: a.reasons for a in response.context["data"].attention}
    assert "Questionnaire overdue: 6w" in attention[late.id]
    assert not any("Questionnaire" in r for r in attention.get(answered.id, []))


@pytest.mark.parametrize("size", [1, 10, 100])
def test_it_uses_a_constant_number_of_queries(
    web, clinician, patient, size, django_assert_max_num_queries
):
    for _ in range(size):
        other = PatientFactory(care_team=patient.care_team)
        FlagFactory(patient=other, severity="urgent")
        CheckInFactory(patient=other, day=1)
    client = web(clinician)

    # session, user, membership check, teams, flags (with their current surgery), one query
    # per attention signal (silence, adherence, overdue milestones, worse than baseline), two
    # for overdue questionnaires (patients, their responses: skipped when no patient can be
    # overdue), access-event insert, the session's OTP device
    with django_assert_max_num_queries(13):
        response = client.get("/dashboard/")
    assert len(response.context["data"].flags) == size


# ----------------------------------------------------------------------------- flag actions


def test_it_acknowledges_a_flag_and_returns_to_the_filtered_worklist(web, clinician, patient):
    flag = FlagFactory(patient=patient)

    response = web(clinician).post(
        f"/dashboard/flags/{flag.id}/acknowledge/", {"next": "/dashboard/?severity=urgent"}
    )

    flag.refresh_from_db()
    assert response["Location"] == "/dashboard/?severity=urgent"
    assert (flag.status, flag.acknowledged_by) == ("acknowledged", clinician)


def test_it_resolves_a_flag_with_outcome_and_note(web, clinician, patient):
    flag = FlagFactory(patient=patient)

    web(clinician).post(
        f"/dashboard/flags/{flag.id}/resolve/", {"outcome": "advice_given", "note": "Called."}
    )

    flag.refresh_from_db()
    assert (flag.status, flag.resolution_outcome, flag.resolution_note) == (
        "resolved",
        "advice_given",
        "Called.",
    )
    assert AccessEvent.objects.filter(action="flag_resolve", object_id=str(flag.id)).exists()


def test_it_refuses_to_resolve_without_an_outcome(web, clinician, patient):
    flag = FlagFactory(patient=patient)

    response = web(clinician).post(
        f"/dashboard/flags/{flag.id}/resolve/", {"note": "x"}, follow=True
    )

    flag.refresh_from_db()
    assert flag.status == "open"
    assert "Choose an outcome" in response.content.decode()


def test_it_reports_an_invalid_transition_instead_of_failing(web, clinician, patient):
    flag = FlagFactory(patient=patient, status="acknowledged")

    response = web(clinician).post(f"/dashboard/flags/{flag.id}/acknowledge/", follow=True)

    assert response.status_code == 200
    assert "already acknowledged" in response.content.decode()


def test_it_never_redirects_off_site_after_an_action(web, clinician, patient):
    flag = FlagFactory(patient=patient)

    response = web(clinician).post(
        f"/dashboard/flags/{flag.id}/acknowledge/", {"next": "https://evil.example/"}
    )

    assert response["Location"] == "/dashboard/"


@pytest.mark.parametrize("action", ["acknowledge", "resolve"])
def test_it_answers_404_for_another_teams_flag(web, outsider_clinician, patient, action):
    flag = FlagFactory(patient=patient)

    response = web(outsider_clinician).post(
        f"/dashboard/flags/{flag.id}/{action}/", {"outcome": "no_problem"}
    )

    flag.refresh_from_db()
    assert response.status_code == 404
    assert flag.status == Flag.Status.OPEN


def test_it_requires_csrf_for_flag_actions(clinician, patient):
    flag = FlagFactory(patient=patient)
    client = Client(enforce_csrf_checks=True)
    verified_login(client, clinician)

    response = client.post(f"/dashboard/flags/{flag.id}/acknowledge/")

    assert response.status_code == 403


def test_it_refuses_get_on_flag_actions(web, clinician, patient):
    flag = FlagFactory(patient=patient)

    assert web(clinician).get(f"/dashboard/flags/{flag.id}/acknowledge/").status_code == 405


def test_it_sends_flag_links_to_the_patient_page(web, clinician, patient):
    flag = FlagFactory(patient=patient)

    response = web(clinician).get(f"/dashboard/flags/{flag.id}/")

    assert response["Location"] == f"/dashboard/patients/{patient.id}/#flag-{flag.id}"


def test_it_lists_patients_worse_than_baseline(web, clinician, patient):
    CheckInFactory(patient=patient, day=10)
    record_scores(patient, {"baseline": {"odi": 30}, "6w": {"odi": 42}})

    response = web(clinician).get("/dashboard/")

    (item,) = response.context["data"].attention
    assert item.reasons == ["Disability score (ODI) worse than before surgery: 42 vs 30 at 6 weeks"]


def test_it_lists_patients_with_low_adherence_and_overdue_milestones(frozen, web, patient):
    planned = planned_patient(care_team=patient.care_team, postop_day=60)
    clinician = ClinicianFactory(care_teams=[patient.care_team])
    CheckInFactory(patient=planned, day=60)
    item = plan_of(planned).items.filter(daily_check=True, start_day__lte=60).first()
    for days_ago, kept in [(0, False), (1, False), (2, True)]:
        ChecklistEntryFactory(
            patient=planned, item=item, date=frozen.date() - timedelta(days=days_ago), kept=kept
        )

    response = web(clinician).get("/dashboard/")

    (reasons,) = [a.reasons for a in response.context["data"].attention if a.patient == planned]
    assert reasons[0] == "Checklist kept 33% over the last 7 days"
    assert reasons[1].startswith("Overdue: ")
