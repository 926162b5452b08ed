"""A patient's symptom check-in: what they reported, when, and what they were told to do.

The phone generates the primary key, so a retried POST finds the row it already created and
returns the stored answer (`flags`, `rejected`) instead of evaluating twice.
"""

from django.db import models
from django.db.models import Q

from recovery.models.fields import BoundedTextField

# Field names are the public API contract (issue 4) and the triage engine's fact names.
DRAINAGE_CHOICES = [
    ("none", "None"),
    ("clear", "Clear"),
    ("bloody", "Bloody"),
    ("cloudy", "Cloudy"),
    ("pus", "Pus"),
]
# Which leg the leg pain, numbness and weakness answers are about (issue 14).
LEG_SIDE_CHOICES = [
    ("left", "Left"),
    ("right", "Right"),
    ("both", "Both"),
]

BOOLEAN_FIELDS = (
    "pain_controlled_by_medication",
    "chills",
    "wound_redness",
    "wound_swelling",
    "wound_warmth",
    "wound_opening",
    "new_leg_numbness",
    "new_leg_weakness",
    "foot_drop",
    "thigh_numbness",
    "hip_flexion_weakness",
    "saddle_numbness",
    "new_bladder_problem",
    "new_bowel_incontinence",
    "sudden_pain_increase",
    "pop_or_click",
    "new_deformity",
    "calf_pain_or_swelling",
    "chest_pain",
    "shortness_of_breath",
    "headache_worse_upright",
    "clear_fluid_from_wound",
    "stiff_neck",
    "confusion",
    "unable_to_urinate",
    "nausea_vomiting",
    "abdominal_swelling",
    "not_passing_gas",
    "fall",
    "nicotine_use",
    # issue 14: symptoms that had no question before
    "abdominal_pain",
    "coughing_blood",
    "racing_heartbeat",
    "drowsiness",
)

# Integer fields and their inclusive ranges; the same bounds validate the API, constrain the
# table and match the triage engine's fact vocabulary (recovery/triage/facts.py).
INTEGER_RANGES: dict[str, tuple[int, int]] = {
    "back_pain": (0, 10),
    "leg_pain": (0, 10),
    "opioid_doses_24h": (0, 100),
    "wound_drainage_days": (0, 3650),
    "no_bowel_movement_days": (0, 365),
    "walking_minutes": (0, 1440),
    # After a lateral (LLIF/XLIF/OLIF) approach the reference suggests a thigh/groin pain score.
    "thigh_groin_pain": (0, 10),
}
TEMPERATURE_C_RANGE = (34.0, 43.0)

SYMPTOM_FIELDS = (
    *INTEGER_RANGES,
    "temperature_c",
    "wound_drainage",
    "leg_symptom_side",
    *BOOLEAN_FIELDS,
)


def _range_constraints() -> list[models.BaseConstraint]:
    constraints: list[models.BaseConstraint] = [
        models.CheckConstraint(
            condition=Q(**{f"{name}__isnull": True})
            | Q(**{f"{name}__gte": low, f"{name}__lte": high}),
            name=f"checkin_{name}_range",
        )
        for name, (low, high) in INTEGER_RANGES.items()
    ]
    low, high = TEMPERATURE_C_RANGE
    constraints.append(
        models.CheckConstraint(
            condition=Q(temperature_c__isnull=True)
            | Q(temperature_c__gte=low, temperature_c__lte=high),
            name="checkin_temperature_c_range",
        )
    )
    constraints.append(
        models.CheckConstraint(
            condition=Q(wound_drainage__isnull=True)
            | Q(wound_drainage__in=[value for value, _ in DRAINAGE_CHOICES]),
            name="checkin_wound_drainage_valid",
        )
    )
    constraints.append(
        models.CheckConstraint(
            condition=Q(leg_symptom_side__isnull=True)
            | Q(leg_symptom_side__in=[value for value, _ in LEG_SIDE_CHOICES]),
            name="checkin_leg_symptom_side_valid",
        )
    )
    return constraints


class CheckIn(models.Model):
    id = models.UUIDField(primary_key=True, editable=False)  # client-generated
    patient = models.ForeignKey(
        "recovery.Patient", on_delete=models.CASCADE, related_name="checkins"
    )
    surgery = models.ForeignKey(
        "recovery.Surgery", on_delete=models.PROTECT, related_name="checkins"
    )
    recorded_at = models.DateTimeField()  # when the patient filled it in (phone clock)
    received_at = models.DateTimeField()  # when the server stored it
    postop_day = models.IntegerField()  # on the patient's calendar; the surgery day is day 0

    back_pain = models.PositiveSmallIntegerField(null=True, blank=True)
    leg_pain = models.PositiveSmallIntegerField(null=True, blank=True)
    pain_controlled_by_medication = models.BooleanField(null=True, blank=True)
    opioid_doses_24h = models.PositiveSmallIntegerField(null=True, blank=True)
    temperature_c = models.FloatField(null=True, blank=True)  # Celsius, one decimal
    chills = models.BooleanField(null=True, blank=True)
    wound_redness = models.BooleanField(null=True, blank=True)
    wound_swelling = models.BooleanField(null=True, blank=True)
    wound_warmth = models.BooleanField(null=True, blank=True)
    wound_opening = models.BooleanField(null=True, blank=True)
    # NULL is "not reported", which is not the same answer as "none".
    wound_drainage = models.CharField(  # noqa: DJ001
        max_length=8, choices=DRAINAGE_CHOICES, null=True, blank=True
    )
    wound_drainage_days = models.PositiveSmallIntegerField(null=True, blank=True)
    new_leg_numbness = models.BooleanField(null=True, blank=True)
    new_leg_weakness = models.BooleanField(null=True, blank=True)
    foot_drop = models.BooleanField(null=True, blank=True)
    thigh_numbness = models.BooleanField(null=True, blank=True)
    hip_flexion_weakness = models.BooleanField(null=True, blank=True)
    saddle_numbness = models.BooleanField(null=True, blank=True)
    new_bladder_problem = models.BooleanField(null=True, blank=True)
    new_bowel_incontinence = models.BooleanField(null=True, blank=True)
    sudden_pain_increase = models.BooleanField(null=True, blank=True)
    pop_or_click = models.BooleanField(null=True, blank=True)
    new_deformity = models.BooleanField(null=True, blank=True)
    calf_pain_or_swelling = models.BooleanField(null=True, blank=True)
    chest_pain = models.BooleanField(null=True, blank=True)
    shortness_of_breath = models.BooleanField(null=True, blank=True)
    headache_worse_upright = models.BooleanField(null=True, blank=True)
    clear_fluid_from_wound = models.BooleanField(null=True, blank=True)
    stiff_neck = models.BooleanField(null=True, blank=True)
    confusion = models.BooleanField(null=True, blank=True)
    unable_to_urinate = models.BooleanField(null=True, blank=True)
    nausea_vomiting = models.BooleanField(null=True, blank=True)
    abdominal_swelling = models.BooleanField(null=True, blank=True)
    not_passing_gas = models.BooleanField(null=True, blank=True)
    no_bowel_movement_days = models.PositiveSmallIntegerField(null=True, blank=True)
    fall = models.BooleanField(null=True, blank=True)
    nicotine_use = models.BooleanField(null=True, blank=True)
    walking_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    abdominal_pain = models.BooleanField(null=True, blank=True)
    coughing_blood = models.BooleanField(null=True, blank=True)
    racing_heartbeat = models.BooleanField(null=True, blank=True)
    drowsiness = models.BooleanField(null=True, blank=True)
    # Applies to the leg pain, numbness and weakness answers; NULL is "not reported".
    leg_symptom_side = models.CharField(  # noqa: DJ001
        max_length=5, choices=LEG_SIDE_CHOICES, null=True, blank=True
    )
    thigh_groin_pain = models.PositiveSmallIntegerField(null=True, blank=True)
    notes = BoundedTextField(blank=True, max_length=2000)  # stored, never used to decide

    # What the patient was told, exactly as first returned: a replay answers from here.
    flags = models.JSONField(default=list, blank=True)
    # The answers dropped as invalid, {"field": ["message"]}: the check-in was stored and
    # triaged without them, and a replay must name them again (issue 14, partial input).
    rejected = models.JSONField(default=dict, blank=True)
    # Who filled it in: NULL is the patient; a caregiver link when a caregiver reported it.
    reported_by_caregiver = models.ForeignKey(
        "recovery.CaregiverLink",
        on_delete=models.RESTRICT,  # the link outlives what it reported (erasure keeps it)
        null=True,
        blank=True,
        related_name="checkins",
    )

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [
            models.Index(fields=["patient", "-recorded_at"], name="checkin_patient_recent"),
            # The dashboard's silence signal: who checked in since a cut-off (index-only).
            models.Index(fields=["recorded_at", "patient"], name="checkin_recent_patient"),
        ]
        constraints = _range_constraints()

    def __str__(self) -> str:
        return f"Check-in {self.id}"  # no symptoms: __str__ ends up in logs

    def facts(self) -> dict[str, object]:
        """The mapping the triage engine reads: symptom fields plus recorded_at and postop_day."""
        data: dict[str, object] = {name: getattr(self, name) for name in SYMPTOM_FIELDS}
        data["recorded_at"] = self.recorded_at
        data["postop_day"] = self.postop_day
        return data
