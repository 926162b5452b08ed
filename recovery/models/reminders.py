import uuid

from django.db import models
from django.db.models import Q


class ReminderSchedule(models.Model):
    """When a patient's next reminder run is due: a row claimed by the per-minute sweep.

    Two runs a day on the patient's clock. The morning run (at the patient's chosen check-in
    time) sends the check-in reminder and questionnaire and milestone notices; the evening run
    nudges about an incomplete checklist and about silence. Long horizons live here, in the
    database, never as eta/countdown messages on the broker.
    """

    class Kind(models.TextChoices):
        MORNING = "morning"
        EVENING = "evening"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        "recovery.Patient", on_delete=models.CASCADE, related_name="reminder_schedules"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    wall_time = models.TimeField(help_text="Local time on the patient's clock.")
    next_due_at = models.DateTimeField()
    active = models.BooleanField(default=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "kind"], name="reminder_one_per_kind"),
            models.CheckConstraint(
                condition=Q(kind__in=["morning", "evening"]), name="reminder_kind_valid"
            ),
        ]
        indexes = [
            # The sweep's only access path: due, active rows in due order.
            models.Index(
                fields=["next_due_at"], condition=Q(active=True), name="reminder_due_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} reminders of {self.patient_id} at {self.next_due_at}"
