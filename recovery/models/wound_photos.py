"""A wound photo a patient sent, and a nurse's review of it (virtual wound check, issue 21).

Only re-encoded JPEGs are stored (a display size and a thumbnail, no metadata), through the
`wound_photos` storage, which is never publicly addressable: bytes are served by an
authenticated view that applies the same access rules as the API. The phone generates the
primary key, so a retried upload finds the row it already created.
"""

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q

from recovery.models.fields import FREE_TEXT_MAX, BoundedTextField


def wound_photo_storage() -> Storage:
    # Resolved at run time, so tests and deployments choose the backend in settings.
    return storages["wound_photos"]


class WoundPhoto(models.Model):
    class Review(models.TextChoices):
        PENDING = "pending"
        LOOKS_FINE = "looks_fine"
        CONCERNING = "concerning"

    id = models.UUIDField(primary_key=True, editable=False)  # client-generated
    patient = models.ForeignKey(
        "recovery.Patient", on_delete=models.CASCADE, related_name="wound_photos"
    )
    surgery = models.ForeignKey(
        "recovery.Surgery", on_delete=models.PROTECT, related_name="wound_photos"
    )
    check_in = models.ForeignKey(
        "recovery.CheckIn",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="wound_photos",
    )
    taken_at = models.DateTimeField()  # phone clock
    received_at = models.DateTimeField()
    postop_day = models.IntegerField()  # on the patient's calendar; the surgery day is day 0

    image = models.FileField(storage=wound_photo_storage, max_length=200)
    thumbnail = models.FileField(storage=wound_photo_storage, max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    review_status = models.CharField(max_length=12, choices=Review.choices, default=Review.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = BoundedTextField(blank=True, max_length=FREE_TEXT_MAX)
    # The infection flag a "concerning" review raised or escalated.
    flag = models.ForeignKey(
        "recovery.Flag",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="wound_photos",
    )

    class Meta:
        ordering = ["-taken_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "-taken_at"], name="woundphoto_patient_recent"),
            # The worklist's "not reviewed within 24 hours" read.
            models.Index(
                fields=["received_at"],
                condition=Q(review_status="pending"),
                name="woundphoto_pending_review",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(review_status__in=["pending", "looks_fine", "concerning"]),
                name="woundphoto_review_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(review_status="pending")
                | Q(reviewed_at__isnull=False, reviewed_by__isnull=False),
                name="woundphoto_reviewed_has_reviewer",
            ),
        ]

    def __str__(self) -> str:
        return f"Wound photo {self.id}"  # no health data: __str__ ends up in logs
