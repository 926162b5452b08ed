import uuid
from datetime import date as calendar_date

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q

from recovery.models.fields import FREE_TEXT_MAX, BoundedTextField

LEVELS_VALIDATOR = RegexValidator(
    r"^(T12-L1|L[1-5]-L[2-5]|L5-S1)(,(T12-L1|L[1-5]-L[2-5]|L5-S1))*$",
    "Levels are comma-separated segments such as 'L3-L4' or 'L3-L4,L4-L5'.",
)


class Surgery(models.Model):
    class Indication(models.TextChoices):
        DDD = "ddd", "Degenerative disc disease"
        SPONDYLOLISTHESIS = "spondylolisthesis", "Spondylolisthesis"
        INSTABILITY = "instability", "Instability"
        STENOSIS = "stenosis", "Stenosis"
        OTHER = "other", "Other"

    class Approach(models.TextChoices):
        OPEN = "open", "Open"
        MIS = "mis", "Minimally invasive"

    class Technique(models.TextChoices):
        PLF = "plf", "Posterolateral fusion"
        PLIF = "plif", "PLIF"
        TLIF = "tlif", "TLIF (open)"
        MIS_TLIF = "mis_tlif", "MIS-TLIF"
        LLIF = "llif", "LLIF/XLIF (lateral)"
        ALIF = "alif", "ALIF"
        OLIF = "olif", "OLIF"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        "recovery.Patient", on_delete=models.CASCADE, related_name="surgeries"
    )
    date = models.DateField()
    levels = models.CharField(max_length=60, default="L3-L4", validators=[LEVELS_VALIDATOR])
    indication = models.CharField(max_length=20, choices=Indication.choices)
    approach = models.CharField(max_length=4, choices=Approach.choices)
    technique = models.CharField(max_length=10, choices=Technique.choices)
    instrumentation = BoundedTextField(max_length=FREE_TEXT_MAX, blank=True)
    graft = BoundedTextField(max_length=FREE_TEXT_MAX, blank=True)
    # Structured implant list: [{"type": "pedicle_screw", "manufacturer": "...", "size": "..."}]
    implants = models.JSONField(default=list, blank=True)
    brace_prescribed = models.BooleanField(default=False)
    discharge_date = models.DateField(null=True, blank=True)
    surgeon = models.CharField(max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date"]
        indexes = [models.Index(fields=["patient", "-date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(discharge_date__isnull=True) | Q(discharge_date__gte=F("date")),
                name="surgery_discharge_not_before_surgery",
            ),
            # MIS-TLIF is minimally invasive by definition, and "tlif" names the open variant.
            models.CheckConstraint(
                condition=~Q(technique="mis_tlif") | Q(approach="mis"),
                name="surgery_mis_tlif_is_mis",
            ),
            models.CheckConstraint(
                condition=~Q(technique="tlif") | Q(approach="open"),
                name="surgery_tlif_is_open",
            ),
            models.CheckConstraint(
                condition=Q(approach__in=["open", "mis"]), name="surgery_approach_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    technique__in=["plf", "plif", "tlif", "mis_tlif", "llif", "alif", "olif"]
                ),
                name="surgery_technique_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    indication__in=["ddd", "spondylolisthesis", "instability", "stenosis", "other"]
                ),
                name="surgery_indication_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_technique_display()} {self.levels} on {self.date}"

    def day_of(self, day: calendar_date) -> int:
        """The post-operative day of a calendar date (the surgery day is day 0)."""
        return (day - self.date).days
