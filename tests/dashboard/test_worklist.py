from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from recovery.models import AccessEvent, Flag, FlagFinding, Patient
from recovery.selectors.worklist import WORKLIST_PATIENT_LIMIT
from recovery.services.attention import attention_sweep
from tests.factories import ClinicianFactory, PatientFactory
from tests.factories.checkins import CheckInFactory, FlagFactory
from tests.factories.plans import ChecklistEntryFactory, plan_of, planned_patient
from tests.factories.questionnaires import record_scores
from tests.mfa import verified_login

pytestmark = pytest.mark.django_db


def _flag_ids(response) -> list[str]:
    return [str(item.flag.id) for row in response.context["data"].rows for item in row.flags]


def _patient_ids(response) -> list:
    return [row.patient.id for row in response.context["data"].rows]


def test_it_shows_one_row_per_patient_with_every_open_problem(web, clinician, patient):
    now = timezone.now()
    routine = FlagFactory(
        patient=patient, severity="routine", category="ileus", opened_at=now - timedelta(days=3)
    )
    urgent = FlagFactory(
        patient=patient, severity="urgent", category="infection", opened_at=now - timedelta(hours=1)
    )
    emergency = FlagFactory(
        patient=patient, severity="emergency", category="cauda_equina", opened_at=now
    )

    response = web(clinician).get("/dashboard/")

    [row] = response.context["data"].rows
    assert row.severity == "emergency"
    assert [item.flag.id for item in row.flags] == [emergency.id, urgent.id, routine.id]


def test_it_orders_patients_by_severity_then_waiting_time(web, clinician, patient):
    now = timezone.now()
    team = patient.care_team
    urgent_new = PatientFactory(care_team=team)
    FlagFactory(patient=urgent_new, severity="urgent", opened_at=now - timedelta(hours=1))
    urgent_old = PatientFactory(care_team=team)
    FlagFactory(patient=urgent_old, severity="urgent", opened_at=now - timedelta(hours=5))
    acknowledged = PatientFactory(care_team=team)
    FlagFactory(
        patient=acknowledged,
        severity="urgent",
        status="acknowledged",
        opened_at=now - timedelta(days=2),
    )
    routine = PatientFactory(care_team=team)
    FlagFactory(patient=routine, severity="routine", opened_at=now - timedelta(days=3))
    FlagFactory(patient=patient, severity="emergency", category="cauda_equina", opened_at=now)

    response = web(clinician).get("/dashboard/")

    assert _patient_ids(response) == [
        patient.id,
        urgent_old.id,
        urgent_new.id,
        acknowledged.id,
        routine.id,
    ]


def test_it_waits_from_the_first_unacknowledged_finding(web, clinician, patient):
    now = timezone.now()
    old = FlagFactory(patient=patient, severity="urgent", opened_at=now - timedelta(days=2))
    # Acknowledged, then a new finding reopened it an hour ago (a new alert round).
    Flag.objects.filter(id=old.id).update(alerted_at=now - timedelta(hours=1))
    FlagFactory(patient=patient, severity="routine", category="ileus", status="acknowledged")

    response = web(clinician).get("/dashboard/")

    [row] = response.context["data"].rows
    assert row.waiting_since == now - timedelta(hours=1)


def test_it_shows_the_answers_that_fired_each_flag_in_words(web, clinician, patient):
    flag = FlagFactory(patient=patient, severity="urgent", category="infection")
    checkin = CheckInFactory(patient=patient, day=3, temperature_c=38.9)
    for rule_id, facts in [
        ("infection.fever_in_monitoring_window", {"temperature_c": 38.9, "postop_day": 3}),
        ("infection.purulent_drainage", {"wound_drainage": "pus"}),
        ("infection.chills_in_monitoring_window", {"chills": True, "postop_day": 3}),
    ]:
        FlagFinding.objects.create(
            flag=flag,
            rule_id=rule_id,
            rule_version=1,
            severity="urgent",
            facts=facts,
            checkin=checkin,
            at=timezone.now(),
        )
    FlagFactory(patient=patient, severity="emergency", category="cauda_equina")
    FlagFinding.objects.create(
        flag=Flag.objects.get(patient=patient, category="cauda_equina"),
        rule_id="cauda_equina.saddle_numbness",
        rule_version=1,
        severity="emergency",
        facts={"saddle_numbness": True},
        checkin=checkin,
        at=timezone.now(),
    )

    page = web(clinician).get("/dashboard/").content.decode()

    assert (
        "saddle numbness: yes \u00b7 temperature 38.9 °C \u00b7 drainage: pus \u00b7 chills: yes"
        in page
    )


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

    assert [
        item.flag.severity for row in response.context["data"].rows for item in row.flags
    ] == expected


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


def test_it_escapes_what_patients_and_staff_typed_in_a_row(web, clinician, patient):
    Patient.objects.filter(id=patient.id).update(first_name="<b>Bo</b>", last_name='O"Neil&')
    flag = FlagFactory(patient=patient)
    nurse = ClinicianFactory(care_teams=[patient.care_team], first_name="<i>Ada</i>")
    web(nurse).post(f"/dashboard/flags/{flag.id}/acknowledge/")

    page = web(clinician).get("/dashboard/").content.decode()

    assert "<b>Bo</b>" not in page and "<i>Ada</i>" not in page
    assert "O&quot;Neil&amp;, &lt;b&gt;Bo&lt;/b&gt;" in page
    assert "acknowledged by &lt;i&gt;Ada&lt;/i&gt;" in page
    who = "&lt;b&gt;Bo&lt;/b&gt; O&quot;Neil&amp;"
    assert f'aria-label="Assign to me: Infection flag for {who}"' in page


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


def _team_of_size(patient, size: int) -> None:
    for _ in range(size):
        other = PatientFactory(care_team=patient.care_team)
        FlagFactory(patient=other, severity="urgent")
        CheckInFactory(patient=other, day=1)
        PatientFactory(care_team=patient.care_team)  # silent since surgery: needs attention


@pytest.mark.parametrize("size", [1, 10, 100])
def test_it_uses_a_constant_number_of_queries(
    web, clinician, patient, size, django_assert_max_num_queries
):
    _team_of_size(patient, size)
    client = web(clinician)
    attention_sweep(now=timezone.now())  # the beat has run

    # session, user, membership check, teams, the worklist's three (the page of patients,
    # their live flags with their current surgery, the flags' findings), the attention
    # list's three (the teams with their last sweep, the ranked page of patients with the
    # total, their signals), wound photos awaiting review, access-event insert, the session's
    # OTP device. (16 before issue 16's attention summary: the signals were computed here,
    # one or two queries each.)
    with django_assert_max_num_queries(13):
        response = client.get("/dashboard/")
    assert len(response.context["data"].rows) == min(size, WORKLIST_PATIENT_LIMIT)
    assert response.context["data"].attention_total == size + 1  # and `patient`, silent too


@pytest.mark.parametrize("size", [1, 10, 100])
def test_it_sweeps_a_team_the_beat_has_not_in_a_constant_number_of_queries(
    web, clinician, patient, size, django_assert_max_num_queries
):
    _team_of_size(patient, size)
    client = web(clinician)

    # The 13 above, plus the sweep: its savepoint pair, its bookkeeping row (insert, lock,
    # update), one query per attention signal (two for questionnaires when a patient may be
    # overdue), the old rows' delete, the new rows' insert.
    with django_assert_max_num_queries(26):
        response = client.get("/dashboard/")
    assert response.context["data"].attention_total == size + 1  # and `patient`, silent too


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
    assert reasons[1].startswith("Overdue, not recorded: ")


# ------------------------------------------------------- issue 16: attention that means something


def _attention(response) -> dict:
    return {a.patient.id: a for a in response.context["data"].attention}


def test_it_keeps_a_flagged_patient_off_the_attention_list(frozen, web, clinician, patient):
    CheckInFactory(patient=patient, day=2)  # 8 days of silence
    FlagFactory(patient=patient)

    response = web(clinician).get("/dashboard/")

    assert patient.id not in _attention(response)
    assert _patient_ids(response) == [patient.id]


@pytest.mark.parametrize(("postop_day", "listed"), [(19, False), (23, True), (60, False)])
def test_it_lists_an_unrecorded_visit_only_after_its_grace_period(
    frozen, web, patient, postop_day, listed
):
    # The wound check is due by day 14; grace 7 days; listed for 30 days after that.
    planned = planned_patient(care_team=patient.care_team, postop_day=postop_day)
    plan_of(planned).milestones.exclude(code="wound_check_suture_removal").update(status="achieved")
    CheckInFactory(patient=planned, day=postop_day)
    clinician = ClinicianFactory(care_teams=[patient.care_team])

    attention = _attention(web(clinician).get("/dashboard/"))

    assert (planned.id in attention) is listed


def test_it_says_since_when_a_milestone_is_overdue(frozen, web, patient):
    planned = planned_patient(care_team=patient.care_team, postop_day=23)
    plan_of(planned).milestones.exclude(code="wound_check_suture_removal").update(status="achieved")
    CheckInFactory(patient=planned, day=23)
    clinician = ClinicianFactory(care_teams=[patient.care_team])

    item = _attention(web(clinician).get("/dashboard/"))[planned.id]

    wound_check = plan_of(planned).milestones.get(code="wound_check_suture_removal")
    assert item.since == wound_check.target_date_max + timedelta(days=7)
    assert item.reasons == [
        "Overdue, not recorded: First follow-up visit: wound check, stitches or staples out"
    ]


def test_it_never_lists_a_discharged_patient_for_home_from_hospital(frozen, web, patient):
    from recovery.services.plans import surgery_update

    planned = planned_patient(care_team=patient.care_team, postop_day=12)
    CheckInFactory(patient=planned, day=12)
    surgery = planned.surgeries.get()
    surgery_update(surgery=surgery, data={"discharge_date": surgery.date + timedelta(days=2)})
    clinician = ClinicianFactory(care_teams=[patient.care_team])

    item = _attention(web(clinician).get("/dashboard/")).get(planned.id)

    assert item is None or not any("Home from hospital" in r for r in item.reasons)


def test_it_ranks_silence_above_a_late_visit(frozen, web, patient):
    late_visit = planned_patient(care_team=patient.care_team, postop_day=23)
    plan_of(late_visit).milestones.exclude(code="wound_check_suture_removal").update(
        status="achieved"
    )
    CheckInFactory(patient=late_visit, day=23)
    CheckInFactory(patient=patient, day=2)  # silent for 8 days
    clinician = ClinicianFactory(care_teams=[patient.care_team])

    response = web(clinician).get("/dashboard/")

    assert [a.patient.id for a in response.context["data"].attention] == [
        patient.id,
        late_visit.id,
    ]
