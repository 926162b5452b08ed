"""The worklist's "needs attention" signals, kept per patient instead of computed per request.

One row per patient and reason (silence, low adherence, an overdue milestone, an overdue
questionnaire, a latest ODI worse than baseline), with since when and what the reason's words
need. The rows are derived data: the check-ins, checklist entries, milestones and
questionnaire responses stay the source of truth, and recovery.services.attention recomputes
the rows from them, for one patient on the writes that change a reason, and for whole teams
from a beat task (the reasons that start or end with the passing of time). An
AttentionSweep row says when a team was last recomputed; the worklist recomputes a team
itself when that is missing or stale, so the list is right before the first beat too.
"""

from django.db import models

from recovery.models.patients import Patient
from recovery.models.teams import CareTeam


class AttentionSignal(models.Model):
    class Reason(models.TextChoices):
        SILENCE = "silence", "No recent check-in"
        ADHERENCE = "adherence", "Low checklist adherence"
        MILESTONE = "milestone", "Milestone overdue, not recorded"
        QUESTIONNAIRE = "questionnaire", "Questionnaire overdue"
        WORSE_THAN_BASELINE = "worse_than_baseline", "ODI worse than baseline"

    # No index of its own: the unique (patient, reason) index below serves patient lookups.
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="attention_signals", db_index=False
    )
    # The patient's team, copied (patients do not move between teams; a sweep rewrites it):
    # the worklist ranks one team's rows without joining its patients (a 10,000-patient
    # join cost ~4x the ranking itself on the benchmark, docs/benchmarks.md section 3b).
    care_team = models.ForeignKey(CareTeam, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=30, choices=Reason.choices)
    # Since when (None when the reason has no start: "no check-in since surgery", adherence).
    since = models.DateField(null=True, blank=True)
    # What the reason's words need (recovery.selectors.worklist renders them with `now`):
    # the latest check-in, the kept share, the milestone titles, the missed timepoints...
    detail = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "reason"], name="attention_signal_once_per_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reason} for patient {self.patient_id}"


class AttentionSweep(models.Model):
    """When a team's attention signals were last recomputed in full (one row per team)."""

    care_team = models.OneToOneField(
        CareTeam, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    swept_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Attention of team {self.care_team_id} swept at {self.swept_at:%Y-%m-%d %H:%M}"
