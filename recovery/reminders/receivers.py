"""Follow the patient's delivery preferences (set through notifications' API)."""

from typing import Any

from django.dispatch import receiver
from django.utils import timezone

from notifications.signals import preference_changed
from recovery.models import PATIENT_ZONE_PATH, Patient
from recovery.reminders.schedule import reminder_schedules_sync


@receiver(preference_changed, dispatch_uid="recovery.reminders.preference_changed")
def _preference_changed(sender: Any, user_id: int, changed: list[str], **kwargs: Any) -> None:
    # Nothing is copied: the zone and the reminder time live on the preference row alone.
    # Only the derived next due times of the reminder rows are recomputed from them.
    if not {"timezone", "checkin_reminder_time"} & set(changed):
        return
    patient = Patient.objects.filter(user_id=user_id).select_related(PATIENT_ZONE_PATH).first()
    if patient is None:
        return  # a clinician: nothing clinical to re-time
    reminder_schedules_sync(patient=patient, now=timezone.now())
