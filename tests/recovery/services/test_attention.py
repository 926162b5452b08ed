"""The worklist's attention summary (issue 16, item 8): AttentionSignal rows kept in step with
their sources, on write, by the beat's sweep, and on read when the sweep is late."""

import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command

from backend.celery import app
from recovery.models import AttentionSignal, AttentionSweep, Milestone
from recovery.selectors.plans import items_in_force
from recovery.selectors.worklist import worklist
from recovery.services.adjustments import milestone_status_set
from recovery.services.attention import (
    ATTENTION_MAX_AGE,
    attention_refresh_patient,
    attention_sweep,
    attention_sweep_teams,
)
from recovery.services.checkins import checkin_create
from recovery.services.checklists import EntryInput, checklist_entries_record
from tests.factories import ClinicianFactory, PatientFactory
from tests.factories.checkins import CheckInFactory
from tests.factories.plans import plan_of, planned_patient
from tests.factories.questionnaires import record_scores

pytestmark = pytest.mark.django_db

# Midday UTC on a fixed date: day counts do not depend on when the suite runs.
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def _reasons(patient) -> dict[str, AttentionSignal]:
    return {s.reason: s for s in AttentionSignal.objects.filter(patient=patient)}


def _silent_patient(team=None):
    """Operated 10 days ago (PatientFactory), last check-in on day 2: silent for 8 days."""
    patient = PatientFactory(**({"care_team": team} if team else {}))
    CheckInFactory(patient=patient, day=2)
    return patient


def _late_visit(team=None):
    """Day 23: the wound check (due by day 14, 7 days' grace) is overdue and not recorded."""
    planned = planned_patient(postop_day=23, **({"care_team": team} if team else {}))
    plan_of(planned).milestones.exclude(code="wound_check_suture_removal").update(status="achieved")
    CheckInFactory(patient=planned, day=23)
    return planned


def test_it_stores_one_row_per_patient_and_reason_with_since_when(frozen):
    patient = _silent_patient()
    record_scores(patient, {"baseline": {"odi": 30}, "6w": {"odi": 42}})

    attention_sweep(now=frozen)

    signals = _reasons(patient)
    assert set(signals) == {"silence", "worse_than_baseline"}
    last = patient.checkins.get().recorded_at
    assert (signals["silence"].since, signals["silence"].detail) == (
        last.date(),
        {"last_checkin": last.isoformat()},
    )
    assert signals["worse_than_baseline"].detail == {
        "score": 42.0,
        "baseline": 30.0,
        "timepoint": "6w",
    }


def test_it_replaces_a_teams_rows_with_what_the_sources_say_on_each_sweep(frozen):
    patient = _silent_patient()
    attention_sweep(now=frozen)
    CheckInFactory(patient=patient)  # written straight to the table: only a sweep sees it

    attention_sweep_teams(team_ids=[patient.care_team_id], now=frozen)
    attention_sweep_teams(team_ids=[patient.care_team_id], now=frozen)  # idempotent

    assert _reasons(patient) == {}


def test_it_sweeps_every_team_and_records_when(frozen):
    one, other = _silent_patient(), _silent_patient()

    swept = attention_sweep(now=frozen)

    assert swept == 2
    assert set(AttentionSweep.objects.values_list("care_team_id", "swept_at")) == {
        (one.care_team_id, frozen),
        (other.care_team_id, frozen),
    }


def test_it_leaves_other_teams_rows_alone(frozen):
    here, elsewhere = _silent_patient(), _silent_patient()
    attention_sweep(now=frozen)
    CheckInFactory(patient=elsewhere)

    attention_sweep_teams(team_ids=[here.care_team_id], now=frozen)

    assert set(_reasons(elsewhere)) == {"silence"}  # that team's next sweep decides


def test_it_ends_a_silence_when_a_recent_checkin_arrives(frozen):
    patient = _silent_patient()
    attention_sweep(now=frozen)

    checkin_create(
        patient=patient,
        checkin_id=uuid.uuid4(),
        data={"recorded_at": frozen - timedelta(minutes=5)},
        now=frozen,
    )

    assert _reasons(patient) == {}


def test_it_leaves_a_silence_to_the_sweep_when_a_late_checkin_is_older_than_the_window(frozen):
    patient = _silent_patient()
    attention_sweep(now=frozen)

    checkin_create(
        patient=patient,
        checkin_id=uuid.uuid4(),
        data={"recorded_at": frozen - timedelta(days=6)},  # day 4, queued offline
        now=frozen,
    )

    assert set(_reasons(patient)) == {"silence"}


def test_it_clears_an_overdue_milestone_when_the_team_records_it(frozen):
    planned = _late_visit()
    attention_sweep(now=frozen)
    assert set(_reasons(planned)) == {"milestone"}
    wound_check = plan_of(planned).milestones.get(code="wound_check_suture_removal")

    milestone_status_set(
        patient=planned,
        milestone_id=wound_check.id,
        status=Milestone.Status.ACHIEVED,
        actor=ClinicianFactory(care_teams=[planned.care_team]),
        today=frozen.date(),
        on=wound_check.target_date_max,
    )

    assert _reasons(planned) == {}


def test_it_lists_low_adherence_as_soon_as_the_checklist_answers_arrive(frozen):
    planned = planned_patient(postop_day=60)
    CheckInFactory(patient=planned, day=60)
    plan_of(planned).milestones.update(status="achieved")
    item = items_in_force(plan_of(planned).items.all(), 60, daily_only=True)[0]

    checklist_entries_record(
        patient=planned,
        entries=[EntryInput(date=frozen.date(), item=str(item.id), kept=False)],
        today=frozen.date(),
    )

    assert _reasons(planned)["adherence"].detail == {"percent": 0}


def test_it_refreshes_only_the_patient_it_is_given(frozen):
    patient, neighbour = _silent_patient(), _silent_patient()

    attention_refresh_patient(patient_id=patient.id, now=frozen)

    assert set(_reasons(patient)) == {"silence"}
    assert _reasons(neighbour) == {}


@pytest.mark.parametrize(
    ("minutes_later", "sees_the_new_checkin"),
    [(5, False), (int(ATTENTION_MAX_AGE.total_seconds() // 60) + 1, True)],
)
def test_it_sweeps_on_read_only_when_the_last_sweep_is_too_old(
    frozen, minutes_later, sees_the_new_checkin
):
    patient = _silent_patient()
    clinician = ClinicianFactory(care_teams=[patient.care_team])
    attention_sweep(now=frozen)
    CheckInFactory(patient=patient)  # straight to the table: no write hook ran

    later = frozen + timedelta(minutes=minutes_later)
    data = worklist(clinician=clinician, team=None, severity=None, category=None, now=later)

    assert (patient.id not in {a.patient.id for a in data.attention}) is sees_the_new_checkin


def test_it_answers_before_the_first_sweep(frozen):
    patient = _silent_patient()
    clinician = ClinicianFactory(care_teams=[patient.care_team])

    data = worklist(clinician=clinician, team=None, severity=None, category=None, now=frozen)

    assert [a.reasons for a in data.attention] == [["No check-in for 8 days"]]
    assert AttentionSweep.objects.get(care_team_id=patient.care_team_id).swept_at == frozen


def test_the_sweep_task_is_on_the_beat_schedule():
    entry = app.conf.beat_schedule["recovery-sweep-attention"]

    assert entry["task"] == "recovery.tasks.sweep_attention"


def test_the_attention_sweep_command_sweeps_every_team(frozen):
    patient = _silent_patient()
    out = io.StringIO()

    call_command("attention_sweep", stdout=out)

    assert set(_reasons(patient)) == {"silence"}
    assert out.getvalue().strip() == "Swept the attention signals of 1 team(s)."
