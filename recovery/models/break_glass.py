import uuid

from django.conf import settings
from django.db import models

from recovery.models.fields import BoundedTextField

BREAK_GLASS_REASON_MAX = 1000


class BreakGlassGrant(models.Model):
    """Emergency access: a clinician opened a patient outside their teams, for a stated reason,
    until `expires_at`. Rows are history (never edited); expiry ends the access by itself."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    patient = models.ForeignKey(
        "recovery.Patient", on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    reason = BoundedTextField(max_length=BREAK_GLASS_REASON_MAX)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["clinician", "patient", "-expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="break_glass_expires_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="break_glass_reason_required"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clinician_id} -> {self.patient_id} until {self.expires_at:%Y-%m-%d %H:%M}"
