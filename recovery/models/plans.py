"""Per-patient recovery plans, copied from a pathway template (recovery/pathways/*.yaml).

Every row carries the template code and version it came from, so a template edit never
rewrites a patient's history: a plan changes only through `plan_rebuild` (future rows) or a
clinician's recorded adjustment.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import translation

from recovery.models.fields import FREE_TEXT_MAX, TEMPLATE_TEXT_MAX, BoundedTextField


class _Translated:
    """issue 19: `translations` holds {language: {field: text}} copied from the template with
    the English; `<field>_text` is the field in the active language (the patient's, on /me/
    requests), falling back to the English."""

    translations: dict[str, dict[str, str]]

    def text_in_active_language(self, name: str) -> str:
        language = translation.get_language() or ""
        return self.translations.get(language, {}).get(name) or str(getattr(self, name))

    @property
    def title_text(self) -> str:
        return self.text_in_active_language("title")

    @property
    def detail_text(self) -> str:
        return self.text_in_active_language("detail")

    @property
    def phase_title_text(self) -> str:
        return self.text_in_active_language("phase_title")


class PatientPlan(models.Model):
    """One plan per surgery; the patient's current plan is their latest surgery's."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey("recovery.Patient", on_delete=models.CASCADE, related_name="plans")
    surgery = models.OneToOneField(
        "recovery.Surgery", on_delete=models.CASCADE, related_name="plan"
    )
    template_code = models.CharField(max_length=64)
    template_version = models.PositiveIntegerField()
    # The risk factors the plan was built for (brace, smoking), so a rebuild can be explained.
    risk_profile = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    rebuilt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["patient", "-created_at"])]

    def __str__(self) -> str:
        return f"Plan {self.template_code} v{self.template_version} for {self.patient_id}"


class PlanItem(_Translated, models.Model):
    """A checklist item of one phase, in force from `start_day` to its effective end day.

    `end_day` is the window the plan was built with (null = open-ended); a clinician's lift or
    extension sets `adjusted_end_day` instead, so the original window stays visible.
    """

    class Kind(models.TextChoices):
        RESTRICTION = "restriction"
        TASK = "task"
        GOAL = "goal"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(PatientPlan, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(default=0)
    code = models.CharField(max_length=64)
    title = models.CharField(max_length=300)
    detail = BoundedTextField(max_length=TEMPLATE_TEXT_MAX, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    applies_if = models.CharField(max_length=32, default="always")
    # False: guidance shown in the plan but not ticked daily (and not counted in adherence).
    daily_check = models.BooleanField(default=True)
    phase_code = models.CharField(max_length=64)
    phase_title = models.CharField(max_length=200)
    phase_start_day = models.IntegerField()
    phase_end_day = models.IntegerField(null=True, blank=True)
    start_day = models.IntegerField()
    end_day = models.IntegerField(null=True, blank=True)
    values = models.JSONField(default=dict, blank=True)
    sources = models.JSONField(default=list)
    range_note = BoundedTextField(max_length=TEMPLATE_TEXT_MAX, blank=True)
    template_code = models.CharField(max_length=64)
    template_version = models.PositiveIntegerField()
    # {language: {"title", "detail", "phase_title"}} (issue 19); {} = English only
    translations = models.JSONField(default=dict, blank=True)

    adjusted_end_day = models.IntegerField(null=True, blank=True)
    adjusted_at = models.DateTimeField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    adjusted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    adjustment_reason = BoundedTextField(max_length=FREE_TEXT_MAX, blank=True)
    # Set when a rebuild replaced the item but checklist entries still point at it.
    retired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "phase_code", "code", "start_day"],
                condition=Q(retired_at__isnull=True),
                name="planitem_unique_live_item",
            ),
            models.CheckConstraint(
                condition=Q(end_day__isnull=True) | Q(end_day__gte=F("start_day")),
                name="planitem_window_ordered",
            ),
            # A lift before the item starts leaves an empty window: start_day - 1.
            models.CheckConstraint(
                condition=Q(adjusted_end_day__isnull=True)
                | Q(adjusted_end_day__gte=F("start_day") - 1),
                name="planitem_adjusted_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["restriction", "task", "goal"]), name="planitem_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.phase_code}, days {self.start_day}-{self.end_day})"

    @property
    def effective_end_day(self) -> int | None:
        return self.adjusted_end_day if self.adjusted_at is not None else self.end_day

    @property
    def is_extended(self) -> bool:
        return self.adjusted_at is not None and self.lifted_at is None

    def in_force_on(self, postop_day: int) -> bool:
        end = self.effective_end_day
        return (
            self.retired_at is None
            and self.start_day <= postop_day
            and (end is None or postop_day <= end)
        )


class Milestone(_Translated, models.Model):
    class Kind(models.TextChoices):
        EVENT = "event"
        VISIT = "visit"
        IMAGING = "imaging"
        GOAL = "goal"

    class Status(models.TextChoices):
        PENDING = "pending"
        ACHIEVED = "achieved"
        MISSED = "missed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(PatientPlan, on_delete=models.CASCADE, related_name="milestones")
    code = models.CharField(max_length=64)
    # Recurring milestones (yearly reviews) get one row per occurrence, created one at a time.
    occurrence = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=300)
    detail = BoundedTextField(max_length=TEMPLATE_TEXT_MAX, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    applies_if = models.CharField(max_length=32, default="always")
    day_min = models.IntegerField()
    day_max = models.IntegerField()
    target_date_min = models.DateField()
    target_date_max = models.DateField()
    repeat_every_days = models.PositiveIntegerField(null=True, blank=True)
    sources = models.JSONField(default=list)
    range_note = BoundedTextField(max_length=TEMPLATE_TEXT_MAX, blank=True)
    template_code = models.CharField(max_length=64)
    template_version = models.PositiveIntegerField()
    translations = models.JSONField(default=dict, blank=True)  # {language: {"title", "detail"}}
    # Copied from the pathway: the patient may mark it achieved in the app (issue 16).
    self_report = models.BooleanField(default=False)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    achieved_on = models.DateField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = BoundedTextField(max_length=FREE_TEXT_MAX, blank=True)
    # Set when a caregiver reported the milestone; NULL: the patient or `recorded_by`.
    reported_by_caregiver = models.ForeignKey(
        "recovery.CaregiverLink",
        on_delete=models.RESTRICT,  # the link outlives what it reported (erasure keeps it)
        null=True,
        blank=True,
        related_name="milestones",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "day_min", "day_max", "code", "occurrence"]
        indexes = [
            # The dashboard's overdue list: pending milestones in due order.
            models.Index(
                fields=["target_date_max"],
                name="milestone_pending_due",
                condition=Q(status="pending"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "code", "occurrence"], name="milestone_unique_occurrence"
            ),
            models.CheckConstraint(
                condition=Q(day_min__lte=F("day_max")), name="milestone_window_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "achieved", "missed"]),
                name="milestone_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(achieved_on__isnull=True) | Q(status="achieved"),
                name="milestone_achieved_on_only_when_achieved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}#{self.occurrence} ({self.status})"


class ChecklistEntry(models.Model):
    """The patient's answer for one item on one of their local calendar dates."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        "recovery.Patient", on_delete=models.CASCADE, related_name="checklist_entries"
    )
    # PROTECT: an answered item outlives any rebuild (it is retired, never deleted).
    item = models.ForeignKey(PlanItem, on_delete=models.PROTECT, related_name="entries")
    date = models.DateField()
    kept = models.BooleanField()
    note = models.CharField(max_length=500, blank=True)
    client_id = models.UUIDField(null=True, blank=True)
    # Who gave the answer last: NULL is the patient, else the caregiver's link.
    reported_by_caregiver = models.ForeignKey(
        "recovery.CaregiverLink",
        on_delete=models.RESTRICT,  # the link outlives what it reported (erasure keeps it)
        null=True,
        blank=True,
        related_name="checklist_entries",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "-created_at"]
        indexes = [
            models.Index(fields=["patient", "date"]),
            # The dashboard's 7-day adherence counts, read from the index alone.
            models.Index(fields=["date", "patient", "kept"], name="checklistentry_date_patient"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "item", "date"], name="checklistentry_one_per_item_day"
            ),
            models.UniqueConstraint(
                fields=["patient", "client_id"],
                condition=Q(client_id__isnull=False),
                name="checklistentry_unique_client_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} on {self.date}: {'kept' if self.kept else 'not kept'}"


class ImagingResult(models.Model):
    class Modality(models.TextChoices):
        XRAY = "xray", "X-ray"
        CT = "ct", "CT"
        MRI = "mri", "MRI"

    class Finding(models.TextChoices):
        FUSION_PROGRESSING = "fusion_progressing", "Fusion progressing"
        SOLID_FUSION = "solid_fusion", "Solid fusion"
        SUSPECTED_NONUNION = "suspected_nonunion", "Suspected non-union"
        HARDWARE_CONCERN = "hardware_concern", "Hardware concern"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        "recovery.Patient", on_delete=models.CASCADE, related_name="imaging_results"
    )
    date = models.DateField()
    modality = models.CharField(max_length=8, choices=Modality.choices)
    finding = models.CharField(max_length=24, choices=Finding.choices)
    note = BoundedTextField(max_length=FREE_TEXT_MAX, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(modality__in=["xray", "ct", "mri"]), name="imaging_modality_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    finding__in=[
                        "fusion_progressing",
                        "solid_fusion",
                        "suspected_nonunion",
                        "hardware_concern",
                    ]
                ),
                name="imaging_finding_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.modality} {self.finding} on {self.date}"


class ClinicianAdjustment(models.Model):
    """Who changed a patient's plan, when and why. Written once, never edited."""

    class Kind(models.TextChoices):
        LIFT_RESTRICTION = "lift_restriction"
        EXTEND_RESTRICTION = "extend_restriction"
        MILESTONE_ACHIEVED = "milestone_achieved"
        MILESTONE_MISSED = "milestone_missed"
        IMAGING_RESULT = "imaging_result"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        "recovery.Patient", on_delete=models.CASCADE, related_name="plan_adjustments"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    reason = BoundedTextField(max_length=FREE_TEXT_MAX, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    item = models.ForeignKey(
        PlanItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="adjustments"
    )
    milestone = models.ForeignKey(
        Milestone, on_delete=models.SET_NULL, null=True, blank=True, related_name="adjustments"
    )
    imaging_result = models.ForeignKey(
        ImagingResult,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="adjustments",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "lift_restriction",
                        "extend_restriction",
                        "milestone_achieved",
                        "milestone_missed",
                        "imaging_result",
                    ]
                ),
                name="adjustment_kind_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.actor_id} at {self.created_at}"
