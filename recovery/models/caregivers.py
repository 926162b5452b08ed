"""Caregivers: a person the patient lets help them, under their own identity (issue 22).

A caregiver is a separate sign-in linked to one patient with the scopes the patient chose,
never the patient's own login: proxies on shared logins identify themselves only about half
the time [R181], and few portals let the patient limit what a proxy sees [R180]. A link gives
no authority over care decisions [R182]; it only lets the caregiver see or report within its
scopes, and everything they report is attributed to them.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class CaregiverScope(models.TextChoices):
    VIEW_PLAN = "view_plan", "Plan, checklist and milestones"
    REPORT_CHECK_INS = "report_check_ins", "Check-ins and checklist answers"
    RECEIVE_REMINDERS = "receive_reminders", "The patient's reminders"
    VIEW_ADVICE = "view_advice", "Flags and advice given to the patient"


class CaregiverLinkQuerySet(models.QuerySet["CaregiverLink"]):
    def active(self) -> "CaregiverLinkQuerySet":
        """Links that grant access now: accepted by a caregiver account and not revoked."""
        return self.filter(caregiver__isnull=False, revoked_at__isnull=True)


class CaregiverLink(models.Model):
    class InvitedBy(models.TextChoices):
        PATIENT = "patient"
        CARE_TEAM = "care_team"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        "recovery.Patient", on_delete=models.CASCADE, related_name="caregiver_links"
    )
    # Empty until the invitation is redeemed; the person's own account, never the patient's.
    caregiver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="caregiver_links",
    )
    display_name = models.CharField(max_length=100)  # as the patient calls them: "Maria"
    relationship = models.CharField(max_length=50)  # "daughter", "husband", "neighbour"
    email = models.EmailField(blank=True)
    scopes = models.JSONField(default=list)  # CaregiverScope values
    invited_by = models.CharField(max_length=10, choices=InvitedBy.choices)
    invited_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # A care-team invitation is made only at the patient's request, and says so.
    patient_asked = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = CaregiverLinkQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["caregiver", "patient"], name="caregiver_link_lookup")]
        constraints = [
            models.CheckConstraint(
                condition=Q(invited_by__in=["patient", "care_team"]),
                name="caregiver_link_invited_by_valid",
            ),
            models.CheckConstraint(
                condition=Q(invited_by="patient") | Q(patient_asked=True),
                name="caregiver_link_care_team_only_when_patient_asked",
            ),
            # One live link per caregiver and patient: scopes are changed, not stacked.
            models.UniqueConstraint(
                fields=["patient", "caregiver"],
                condition=Q(caregiver__isnull=False, revoked_at__isnull=True),
                name="caregiver_link_one_live_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"Caregiver link {self.id}"  # no names: __str__ ends up in logs

    @property
    def is_active(self) -> bool:
        return self.caregiver_id is not None and self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class CaregiverInvitation(models.Model):
    """A single-use code the patient hands to the caregiver; only its SHA-256 digest is kept."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    link = models.ForeignKey(CaregiverLink, on_delete=models.CASCADE, related_name="invitations")
    code_digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Caregiver invitation for {self.link_id}"
