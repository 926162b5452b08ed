import uuid
import zoneinfo
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from core.i18n import language_or_default
from notifications.models import Preference

if TYPE_CHECKING:
    from recovery.models.surgeries import Surgery


def validate_timezone(value: str) -> None:
    # Validates enrollment input; migration 0001 references it, so it stays here.
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"'{value}' is not a valid IANA time zone.", code="invalid_timezone")


# select_related path from Patient to the row holding its time zone, language and temperature
# unit (see Patient.timezone_name, Patient.language, Patient.temperature_unit).
PATIENT_ZONE_PATH = "user__notification_preference"


class Patient(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "female"
        MALE = "male"
        OTHER = "other"
        UNKNOWN = "unknown"

    class SmokingStatus(models.TextChoices):
        NEVER = "never"
        FORMER = "former"
        CURRENT = "current"

    class BoneQuality(models.TextChoices):
        NORMAL = "normal"
        OSTEOPENIA = "osteopenia"
        OSTEOPOROSIS = "osteoporosis"
        UNKNOWN = "unknown"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patient"
    )
    care_team = models.ForeignKey(
        "recovery.CareTeam", on_delete=models.PROTECT, related_name="patients"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    # No time zone or language column: both are stored once, on the user's notification
    # preferences, which quiet hours and delivery read too (issue 15, item 7; issue 19). See
    # `timezone_name` and `language`.
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)

    # Risk factors the literature links to fusion outcomes (REFERENCE.md R95, R98, R129-R134).
    smoking_status = models.CharField(
        max_length=10, choices=SmokingStatus.choices, default=SmokingStatus.NEVER
    )
    smoking_quit_date = models.DateField(null=True, blank=True)
    diabetes = models.BooleanField(default=False)
    hba1c = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    bmi = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    bone_quality = models.CharField(
        max_length=12, choices=BoneQuality.choices, default=BoneQuality.UNKNOWN
    )
    t_score = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    steroid_use = models.BooleanField(default=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["care_team", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(smoking_quit_date__isnull=True) | Q(smoking_status="former"),
                name="patient_quit_date_only_when_former",
            ),
            models.CheckConstraint(
                condition=Q(hba1c__isnull=True) | Q(hba1c__gte=3, hba1c__lte=20),
                name="patient_hba1c_range",
            ),
            models.CheckConstraint(
                condition=Q(bmi__isnull=True) | Q(bmi__gte=10, bmi__lte=90),
                name="patient_bmi_range",
            ),
            models.CheckConstraint(
                condition=Q(t_score__isnull=True) | Q(t_score__gte=-7, t_score__lte=5),
                name="patient_t_score_range",
            ),
            models.CheckConstraint(
                condition=Q(sex__in=["female", "male", "other", "unknown"]),
                name="patient_sex_valid",
            ),
            models.CheckConstraint(
                condition=Q(smoking_status__in=["never", "former", "current"]),
                name="patient_smoking_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(bone_quality__in=["normal", "osteopenia", "osteoporosis", "unknown"]),
                name="patient_bone_quality_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Patient {self.id}"  # no name: __str__ ends up in logs

    @property
    def timezone_name(self) -> str:
        """The patient's IANA zone, read from their notification preferences.

        A user without a preference row gets the same unsaved defaults notifications applies
        to quiet hours, so the reminder clock and quiet hours never disagree. Querysets that
        read it for many patients select_related `PATIENT_ZONE_PATH`.
        """
        try:
            return self.user.notification_preference.timezone
        except Preference.DoesNotExist:
            return Preference(user_id=self.user_id).timezone

    def _preference(self) -> Preference:
        # The saved row, or the unsaved defaults notifications applies to a user without one.
        try:
            return self.user.notification_preference
        except Preference.DoesNotExist:
            return Preference(user_id=self.user_id)

    @property
    def language(self) -> str:
        """The language the patient reads (issue 19): a supported code, from their notification
        preferences, where delivery reads it at send time. An empty or no longer supported
        preference gives the deployment's default (settings.LANGUAGE_CODE)."""
        return language_or_default(self._preference().language)

    @property
    def temperature_unit(self) -> str:
        """ "c" or "f": the unit the patient reads temperatures in (notifications'
        TemperatureUnit); stored readings stay in Celsius."""
        return self._preference().temperature_unit

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone_name)

    def local_date(self, moment: datetime) -> date:
        """The patient's calendar date at `moment`: their clock decides "today"."""
        return moment.astimezone(self.tz).date()

    def latest_surgery(self) -> "Surgery | None":
        """The most recent surgery (date, then creation); uses the prefetch cache when present."""
        surgeries = list(self.surgeries.all())
        if not surgeries:
            return None
        return max(surgeries, key=lambda s: (s.date, s.created_at))

    def postop_day_at(self, moment: datetime) -> int | None:
        """Days since the latest surgery on the patient's own calendar (surgery day = day 0)."""
        surgery = self.latest_surgery()
        return surgery.day_of(self.local_date(moment)) if surgery else None


class ActivationCode(models.Model):
    """A one-time code a clinician hands the patient to claim their account.

    Only a SHA-256 digest is stored: the code is high-entropy, so a slow hash adds nothing,
    and a digest allows an indexed lookup.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="activation_codes")
    code_digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Activation code for {self.patient_id}"
