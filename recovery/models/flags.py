"""A triage flag: a problem the care team must look at, and everything done about it.

A flag records the rule (id and version) and the facts that raised it, so it can be explained
long after the rules change, and every finding since (FlagFinding). At most one flag per
(patient, category) is "live" (open or acknowledged): repeated reports update it rather than
opening another.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from recovery.models.fields import BoundedTextField
from recovery.triage.spec import CATEGORIES, SEVERITIES

# Raised outside the check-in rule engine, by a questionnaire answer worse than the pre-op
# baseline (recovery.services.outcomes). Like "silence", not a complication.
OUTCOME_CATEGORY = "outcome_worse"
FLAG_CATEGORIES = (*CATEGORIES, OUTCOME_CATEGORY)
NOT_COMPLICATIONS = ("silence", OUTCOME_CATEGORY)


class Flag(models.Model):
    class Status(models.TextChoices):
        OPEN = "open"
        ACKNOWLEDGED = "acknowledged"
        RESOLVED = "resolved"
        DISMISSED = "dismissed"

    class Severity(models.TextChoices):
        ROUTINE = "routine"
        URGENT = "urgent"
        EMERGENCY = "emergency"

    class Outcome(models.TextChoices):
        SEEN_IN_CLINIC = "seen_in_clinic"
        ADVICE_GIVEN = "advice_given"
        IMAGING_ORDERED = "imaging_ordered"
        ANTIBIOTICS_STARTED = "antibiotics_started"
        READMITTED = "readmitted"
        REOPERATION = "reoperation"
        NO_PROBLEM = "no_problem"
        OTHER = "other"

    class Origin(models.TextChoices):
        CHECKIN = "checkin"  # raised while the patient's check-in was being stored
        TREND = "trend"  # raised by the periodic trend evaluation
        PROM = "prom"  # raised when a patient-reported outcome questionnaire was stored
        PHOTO = "photo"  # raised by a nurse's "concerning" wound-photo review (issue 21)

    LIVE_STATUSES = (Status.OPEN, Status.ACKNOWLEDGED)
    # django-stubs does not model the functional Choices API (Enum("Name", members)).
    Category = models.TextChoices("Category", [(c.upper(), c) for c in FLAG_CATEGORIES])  # type: ignore[call-overload]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey("recovery.Patient", on_delete=models.CASCADE, related_name="flags")
    category = models.CharField(max_length=24, choices=Category.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    # 0 routine, 1 urgent, 2 emergency: the worklist sorts and indexes on it. A check
    # constraint keeps it in step with `severity`.
    severity_rank = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    origin = models.CharField(max_length=8, choices=Origin.choices, default=Origin.CHECKIN)

    # The rule behind the current severity and exactly the facts it saw: the flag's most severe
    # finding. Every rule that fired on the flag is in `findings` (FlagFinding).
    rule_id = models.CharField(max_length=100)
    rule_version = models.PositiveIntegerField()
    ruleset_version = models.PositiveIntegerField(default=0)
    facts = models.JSONField(default=dict)
    advice = models.TextField()
    rationale = models.TextField()
    sources = models.JSONField(default=list)
    checkins = models.ManyToManyField("recovery.CheckIn", related_name="triage_flags", blank=True)

    opened_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # When the current escalation round started: opening, a rise in severity, or a new finding
    # that reopened an acknowledged flag. Escalation timers run from here (a new finding on a
    # flag still open re-alerts the team but leaves this, so its escalation is not held back);
    # a flag with a NULL here has not been handed to notifications yet.
    alerted_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)

    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = BoundedTextField(max_length=4000, blank=True)
    resolution_outcome = models.CharField(max_length=24, choices=Outcome.choices, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismiss_reason = BoundedTextField(max_length=4000, blank=True)
    # issue 16 (flag ownership): who is handling the flag ("Assign to me"); NULL is nobody.
    # Only a member of the patient's care team takes a flag, and only for themselves
    # (recovery.services.flag_assignment). Kept after the flag is closed: who handled it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_flags",
    )
    assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-severity_rank", "opened_at", "id"]
        indexes = [
            # The care-team worklist: live flags, most severe first, oldest first.
            models.Index(
                fields=["status", "-severity_rank", "opened_at", "id"], name="flag_worklist"
            ),
            models.Index(fields=["patient", "category", "status"], name="flag_patient_category"),
            # The escalation sweep reads only unacknowledged urgent/emergency flags.
            models.Index(
                fields=["alerted_at"],
                name="flag_escalation_due",
                condition=Q(status="open", severity_rank__gte=1),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "category"],
                condition=Q(status__in=["open", "acknowledged"]),
                name="flag_one_live_per_patient_category",
            ),
            models.CheckConstraint(
                condition=Q(severity="routine", severity_rank=0)
                | Q(severity="urgent", severity_rank=1)
                | Q(severity="emergency", severity_rank=2),
                name="flag_severity_rank_matches",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "acknowledged", "resolved", "dismissed"]),
                name="flag_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(category__in=list(FLAG_CATEGORIES)), name="flag_category_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="resolved") | Q(resolved_at__isnull=False),
                name="flag_resolved_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="dismissed") | Q(dismissed_at__isnull=False),
                name="flag_dismissed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(escalation_level__lte=2), name="flag_escalation_level_range"
            ),
            # issue 16: an owner always comes with the time they took the flag.
            models.CheckConstraint(
                condition=Q(owner__isnull=True, assigned_at__isnull=True)
                | Q(owner__isnull=False, assigned_at__isnull=False),
                name="flag_owner_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Flag {self.id} ({self.severity} {self.category}, {self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES

    def set_severity(self, severity: str) -> None:
        self.severity = severity
        self.severity_rank = SEVERITIES.index(severity)
