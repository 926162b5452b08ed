"""Reminders: when to remind whom, on each patient's clock, exactly once per local day."""

import io
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core.management import call_command

from notifications.models import Notification
from recovery.models import ChecklistEntry, Milestone, ReminderSchedule
from recovery.reminders.schedule import reminder_schedules_sync
from recovery.reminders.sweep import reminders_send_due
from recovery.selectors.plans import items_in_force
from tests.factories import ClinicianFactory
from tests.factories.checkins import CheckInFactory
from tests.factories.plans import plan_of, planned_patient

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # time is injected or frozen

# 2026-06-10 13:00 UTC is 09:00 in New York (EDT).
NY_MORNING = datetime(2026, 6, 10, 13, 0, tzinfo=UTC)
NY_EVENING = datetime(2026, 6, 10, 23, 0, tzinfo=UTC)  # 19:00 EDT


def _patient(postop_day: int = 10, *, at: datetime = NY_MORNING, **fields):
    with time_machine.travel(at - timedelta(hours=6), tick=False):
        patient = planned_patient(postop_day=postop_day, timezone="America/New_York", **fields)
        reminder_schedules_sync(patient=patient, now=at - timedelta(hours=6))
    return patient


def _sent(patient, template: str) -> list[Notification]:
    return list(
        Notification.objects.filter(
            recipient=patient.user, template=template, channel="inapp"
        ).order_by("created_at")
    )


def _sweep(at: datetime):
    with time_machine.travel(at, tick=False):
        return reminders_send_due(now=at)


def test_enrollment_schedules_a_morning_and_an_evening_run(api, clinician) -> None:
    from tests.recovery.api.test_api_enrollment import URL, _body

    response = api(clinician).post(URL, _body(timezone="Europe/London"))
    rows = dict(
        ReminderSchedule.objects.filter(patient_id=response.data["id"]).values_list(
            "kind", "wall_time"
        )
    )
    assert rows == {"morning": time(9, 0), "evening": time(19, 0)}


def test_it_reminds_to_check_in_at_the_patients_local_time() -> None:
    patient = _patient()
    assert _sweep(NY_MORNING - timedelta(minutes=1)).runs == 0
    _sweep(NY_MORNING)
    [reminder] = _sent(patient, "checkin_due")
    assert reminder.idempotency_key == f"checkin:{patient.id}:2026-06-10"


def test_a_repeated_sweep_sends_nothing_twice() -> None:
    patient = _patient()
    _sweep(NY_MORNING)
    ReminderSchedule.objects.filter(patient=patient).update(next_due_at=NY_MORNING)
    _sweep(NY_MORNING + timedelta(minutes=1))
    assert len(_sent(patient, "checkin_due")) == 1


def test_it_skips_the_reminder_when_the_patient_already_checked_in_today() -> None:
    patient = _patient()
    CheckInFactory(patient=patient, recorded_at=NY_MORNING - timedelta(hours=2))  # 07:00 local
    _sweep(NY_MORNING)
    assert _sent(patient, "checkin_due") == []


def test_a_check_in_yesterday_evening_local_does_not_count_for_today() -> None:
    patient = _patient()
    # 01:00 UTC on the 10th is 21:00 on the 9th in New York.
    CheckInFactory(patient=patient, recorded_at=datetime(2026, 6, 10, 1, 0, tzinfo=UTC))
    _sweep(NY_MORNING)
    assert len(_sent(patient, "checkin_due")) == 1


@pytest.mark.parametrize(
    ("zone", "change_day"),
    [
        ("America/New_York", datetime(2026, 3, 8, tzinfo=UTC)),
        ("America/New_York", datetime(2026, 11, 1, tzinfo=UTC)),
        ("Europe/London", datetime(2026, 3, 29, tzinfo=UTC)),
        ("Europe/London", datetime(2026, 10, 25, tzinfo=UTC)),
        ("Australia/Sydney", datetime(2026, 10, 4, tzinfo=UTC)),
        ("Australia/Sydney", datetime(2026, 4, 5, tzinfo=UTC)),
    ],
)
def test_exactly_one_reminder_per_local_day_across_daylight_saving(zone, change_day) -> None:
    start = change_day - timedelta(days=2)
    with time_machine.travel(start, tick=False):
        patient = planned_patient(postop_day=20, timezone=zone)
        reminder_schedules_sync(patient=patient, now=start)
    # A sweep every 30 minutes for five days, like beat would (it runs every minute).
    for step in range(5 * 48):
        _sweep(start + timedelta(minutes=30 * step))
    keys = [n.idempotency_key for n in _sent(patient, "checkin_due")]
    local_dates = [key.rsplit(":", 1)[1] for key in keys]
    assert len(local_dates) == len(set(local_dates)) == 5


def test_a_new_reminder_time_applies_from_the_next_occurrence(api) -> None:
    patient = _patient()
    with time_machine.travel(NY_MORNING - timedelta(hours=3), tick=False):
        response = api(patient.user).patch(
            "/api/v1/me/preferences/", {"checkin_reminder_time": "07:30"}
        )
    assert response.status_code == 200
    row = ReminderSchedule.objects.get(patient=patient, kind="morning")
    assert row.next_due_at == datetime(2026, 6, 10, 11, 30, tzinfo=UTC)  # 07:30 EDT


def test_a_patient_who_moves_is_reminded_on_the_new_clock(api) -> None:
    patient = _patient()
    _sweep(NY_MORNING)
    with time_machine.travel(NY_MORNING + timedelta(hours=1), tick=False):
        api(patient.user).patch("/api/v1/me/preferences/", {"timezone": "Europe/London"})
    patient.refresh_from_db()
    assert patient.timezone_name == "Europe/London"
    row = ReminderSchedule.objects.get(patient=patient, kind="morning")
    assert row.next_due_at == datetime(2026, 6, 11, 8, 0, tzinfo=UTC)  # 09:00 BST next day


def test_it_nudges_in_the_evening_when_todays_checklist_is_incomplete() -> None:
    patient = _patient()
    _sweep(NY_EVENING)
    [nudge] = _sent(patient, "checklist_nudge")
    assert nudge.idempotency_key == f"checklist:{patient.id}:2026-06-10"


def test_it_does_not_nudge_when_the_checklist_is_complete() -> None:
    patient = _patient()
    items = items_in_force(plan_of(patient).items.all(), 10, daily_only=True)
    ChecklistEntry.objects.bulk_create(
        ChecklistEntry(patient=patient, item=item, date=NY_EVENING.date(), kept=True)
        for item in items
    )
    _sweep(NY_EVENING)
    assert _sent(patient, "checklist_nudge") == []


def test_a_silent_patient_gets_a_nudge_after_two_days() -> None:
    patient = _patient()
    CheckInFactory(patient=patient, recorded_at=NY_MORNING - timedelta(days=2))
    _sweep(NY_EVENING)
    assert len(_sent(patient, "silence_patient")) == 1


def test_the_care_team_hears_of_a_patient_silent_for_three_days() -> None:
    patient = _patient()
    nurse = ClinicianFactory(care_teams=[patient.care_team])
    CheckInFactory(patient=patient, recorded_at=NY_MORNING - timedelta(days=3))
    _sweep(NY_EVENING)
    notices = Notification.objects.filter(template="silence_careteam", channel="inapp")
    assert [n.recipient for n in notices] == [nurse]
    assert notices[0].link == f"/dashboard/patients/{patient.id}/"


def test_silence_is_not_chased_after_the_follow_up_window() -> None:
    # Issue 14 (finding 10): silence is watched for the whole follow-up window (the triage rule
    # set's silence_watch_days, 90), no longer only the first six weeks.
    patient = _patient(postop_day=100)
    _sweep(NY_EVENING)
    assert _sent(patient, "silence_patient") == []


def test_silence_is_chased_at_day_60_inside_the_follow_up_window() -> None:
    patient = _patient(postop_day=60)
    _sweep(NY_EVENING)
    assert len(_sent(patient, "silence_patient")) == 1


def test_it_announces_a_visit_the_day_before() -> None:
    patient = _patient(postop_day=13)
    visit = Milestone.objects.filter(plan__patient=patient, kind="visit", day_min=14).first()
    if visit is None:  # the template's first visit window
        visit = Milestone.objects.filter(plan__patient=patient, kind="visit").first()
        Milestone.objects.filter(id=visit.id).update(day_min=14, day_max=21)
    _sweep(NY_MORNING)
    keys = [n.idempotency_key for n in _sent(patient, "milestone_upcoming")]
    assert f"milestone:{visit.id}" in keys


def test_it_announces_an_open_questionnaire_once_per_timepoint() -> None:
    patient = _patient(postop_day=42)
    _sweep(NY_MORNING)
    ReminderSchedule.objects.filter(patient=patient).update(next_due_at=NY_MORNING)
    _sweep(NY_MORNING + timedelta(days=1))
    keys = [n.idempotency_key for n in _sent(patient, "questionnaire_due")]
    assert keys and len(keys) == len(set(keys))
    assert all(":6w:" in key for key in keys)


def test_one_failing_patient_does_not_block_the_others(monkeypatch) -> None:
    import recovery.reminders.sweep as sweep

    broken, fine = _patient(postop_day=11), _patient(postop_day=10)
    broken_surgery_date = broken.surgeries.get().date
    real = sweep.due_timepoints

    def due_timepoints(surgery_date, *args):
        if surgery_date == broken_surgery_date:
            raise RuntimeError("corrupt row")
        return real(surgery_date, *args)

    monkeypatch.setattr(sweep, "due_timepoints", due_timepoints)
    _sweep(NY_MORNING)
    assert len(_sent(fine, "checkin_due")) == 1
    postponed = ReminderSchedule.objects.get(patient=broken, kind="morning")
    assert postponed.next_due_at == NY_MORNING + timedelta(hours=1)


@pytest.mark.parametrize("count", [5, 40])
def test_the_sweep_costs_the_same_queries_for_any_batch_size(
    count, django_assert_max_num_queries
) -> None:
    for _ in range(count):
        _patient()
    with time_machine.travel(NY_MORNING, tick=False), django_assert_max_num_queries(20):
        result = reminders_send_due(now=NY_MORNING)
    assert result.runs == count


def test_the_command_runs_one_sweep_and_says_what_it_queued() -> None:
    _patient()
    out = io.StringIO()
    with time_machine.travel(NY_MORNING, tick=False):
        call_command("send_due_reminders", stdout=out)
    assert "checkin_due: 1 message(s) queued" in out.getvalue()


def test_the_demo_patients_first_reminder_arrives_at_once() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    from django.utils import timezone

    reminders_send_due(now=timezone.now())
    assert Notification.objects.filter(
        recipient__username="ben.demo", template="checkin_due", channel="inapp"
    ).exists()


def test_the_beat_task_publishes_one_batch_task_per_batch_of_due_rows(
    settings, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    from recovery import tasks

    settings.REMINDERS = {"BATCH_SIZE": 2}
    for _ in range(5):
        _patient()
    published: list[str] = []
    monkeypatch.setattr(
        tasks.send_due_reminders_batch, "apply_async", lambda **kw: published.append("batch")
    )
    with (
        time_machine.travel(NY_MORNING, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.send_due_reminders.run() == 3  # 5 due rows in batches of 2
    assert published == ["batch"] * 3


def test_each_batch_task_runs_one_batch_and_a_spare_one_finds_nothing(settings) -> None:
    from recovery import tasks

    settings.REMINDERS = {"BATCH_SIZE": 2}
    patients = [_patient() for _ in range(3)]
    with time_machine.travel(NY_MORNING, tick=False):
        runs = [tasks.send_due_reminders_batch.run() for _ in range(3)]
    assert runs == [2, 1, 0]
    assert all(len(_sent(p, "checkin_due")) == 1 for p in patients)
