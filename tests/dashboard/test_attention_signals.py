"""The worklist's "needs attention" signals read only the rows that matter (issue 9): these pin
the edges of those narrower reads to the definitions the page had before."""

from datetime import timedelta

import pytest
from django.db import connection
from django.template import Context, Template
from django.urls import reverse

from tests.factories import ClinicianFactory, PatientFactory, SurgeryFactory
from tests.factories.checkins import CheckInFactory
from tests.factories.plans import ChecklistEntryFactory, plan_of, planned_patient
from tests.factories.questionnaires import enrolled_patient, record_scores

pytestmark = pytest.mark.django_db


def _day_60_patient(team, *, today, enrolled_days_ago: int = 67):
    """Operated 60 days ago: the 6-week window (day 42 +/- 14) closed 4 days ago."""
    return enrolled_patient(
        surgery_date=today - timedelta(days=60),
        enrolled_on=today - timedelta(days=enrolled_days_ago),
        care_team=team,
    )


def _attention(web, clinician) -> dict:
    response = web(clinician).get("/dashboard/")
    return {a.patient.id: a.reasons for a in response.context["data"].attention}


def test_it_orders_silent_patients_longest_silence_first_and_never_last(
    frozen, web, clinician, patient
):
    CheckInFactory(patient=patient, day=2)  # surgery 10 days ago: 8 days of silence
    quieter = PatientFactory(care_team=patient.care_team)
    CheckInFactory(patient=quieter, day=1)
    CheckInFactory(patient=quieter, day=0)  # the latest check-in counts, not the first
    never = PatientFactory(care_team=patient.care_team)

    response = web(clinician).get("/dashboard/")

    attention = [(a.patient.id, a.reasons) for a in response.context["data"].attention]
    assert attention == [
        (quieter.id, ["No check-in for 9 days"]),
        (patient.id, ["No check-in for 8 days"]),
        (never.id, ["No check-in since surgery"]),
    ]


def test_it_counts_only_the_last_seven_days_of_checklist_answers(frozen, web, patient):
    clinician = ClinicianFactory(care_teams=[patient.care_team])
    recent_good = planned_patient(care_team=patient.care_team, postop_day=60)
    only_old = planned_patient(care_team=patient.care_team, postop_day=60)
    for planned in (recent_good, only_old):
        CheckInFactory(patient=planned, day=60)
    today = frozen.date()
    for planned, days_ago, kept in [
        (recent_good, 0, True),
        (recent_good, 8, False),
        (recent_good, 9, False),
        (only_old, 7, False),
        (only_old, 10, False),
    ]:
        item = plan_of(planned).items.filter(daily_check=True, start_day__lte=50).first()
        ChecklistEntryFactory(
            patient=planned, item=item, date=today - timedelta(days=days_ago), kept=kept
        )

    attention = _attention(web, clinician)

    # (Both are also listed for overdue milestones: their plans are 60 days old.)
    assert not any("Checklist" in r for r in attention.get(recent_good.id, []))
    assert not any("Checklist" in r for r in attention.get(only_old.id, []))


def test_it_lists_a_questionnaire_overdue_until_every_instrument_is_answered(frozen, web, patient):
    clinician = ClinicianFactory(care_teams=[patient.care_team])
    today = frozen.date()
    half = _day_60_patient(patient.care_team, today=today)
    record_scores(half, {"6w": {"odi": 30}})  # no pain numbers

    attention = _attention(web, clinician)

    assert "Questionnaire overdue: 6w" in attention[half.id]


def test_it_leaves_out_windows_that_closed_before_enrolment(frozen, web, patient):
    clinician = ClinicianFactory(care_teams=[patient.care_team])
    today = frozen.date()
    on_time = _day_60_patient(patient.care_team, today=today)
    late = _day_60_patient(patient.care_team, today=today, enrolled_days_ago=2)

    attention = _attention(web, clinician)

    assert "Questionnaire overdue: 6w" in attention[on_time.id]
    assert not any("Questionnaire" in r for r in attention.get(late.id, []))


def test_it_takes_questionnaire_windows_from_the_latest_surgery(frozen, web, patient):
    clinician = ClinicianFactory(care_teams=[patient.care_team])
    today = frozen.date()
    operated_twice = _day_60_patient(patient.care_team, today=today)
    # A revision 10 days ago restarts the schedule: the first operation's 6-week window
    # no longer applies.
    SurgeryFactory(patient=operated_twice, date=today - timedelta(days=10))

    attention = _attention(web, clinician)

    assert not any("Questionnaire" in r for r in attention.get(operated_twice.id, []))


def test_it_links_rows_exactly_as_the_url_tag_does(patient):
    rendered = Template("{% load dashboard %}{{ pid|id_url:'dashboard:patient' }}").render(
        Context({"pid": patient.id})
    )

    assert rendered == reverse("dashboard:patient", args=[patient.id])


@pytest.mark.parametrize(
    ("table", "index"),
    [
        ("recovery_checkin", "checkin_recent_patient"),
        ("recovery_checklistentry", "checklistentry_date_patient"),
        ("recovery_milestone", "milestone_pending_due"),
    ],
)
def test_it_has_the_worklist_indexes(table, index):
    # Declared in the models' Meta.indexes and created by 0006_dashboard_perf; the worklist's
    # query plans rely on them.
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)

    assert constraints[index]["index"]
