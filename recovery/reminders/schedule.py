"""Creating and re-timing patients' reminder rows."""

from datetime import datetime, time

from django.conf import settings
from django.db import transaction

from notifications.services import preference_for
from recovery.models import Patient, ReminderSchedule
from recovery.reminders.timing import next_occurrence


def evening_time() -> time:
    return time.fromisoformat(getattr(settings, "REMINDERS", {}).get("EVENING_TIME", "19:00"))


def _wall_times(patient: Patient) -> dict[str, time]:
    return {
        ReminderSchedule.Kind.MORNING: preference_for(patient.user_id).checkin_reminder_time,
        ReminderSchedule.Kind.EVENING: evening_time(),
    }


@transaction.atomic
def reminder_schedules_sync(*, patient: Patient, now: datetime) -> None:
    """Create or re-time both rows from the patient's current clock and chosen time.

    Applies from the next occurrence; a reminder already sent today is not repeated, because
    every message's idempotency key names the patient's local date.
    """
    for kind, wall_time in _wall_times(patient).items():
        ReminderSchedule.objects.update_or_create(
            patient=patient,
            kind=kind,
            defaults={
                "wall_time": wall_time,
                "next_due_at": next_occurrence(wall_time, patient.tz, after=now),
                "active": True,
            },
        )


def reminder_schedules_ensure(*, now: datetime) -> int:
    """Backfill rows for patients who have none (e.g. enrolled before reminders existed)."""
    missing = Patient.objects.filter(reminder_schedules__isnull=True).select_related("user")
    created = 0
    for patient in missing.iterator(chunk_size=500):
        reminder_schedules_sync(patient=patient, now=now)
        created += 1
    return created
