"""Enrollment: a clinician registers a patient and their surgery in one step."""

import datetime
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from core.i18n import supported_languages, unsupported_language_message
from notifications.services import preference_set_timezone
from recovery.models import CareTeam, Patient, Surgery
from recovery.models.patients import validate_timezone
from recovery.reminders.schedule import reminder_schedules_sync
from recovery.selectors import care_teams_for_clinician
from recovery.services.activation import activation_code_issue
from recovery.services.plans import plan_instantiate

User = get_user_model()


@dataclass(frozen=True)
class SurgeryData:
    date: date
    indication: str
    approach: str
    technique: str
    levels: str = "L3-L4"
    brace_prescribed: bool = False
    # `datetime.date`: inside this class, `date` names the field above.
    discharge_date: datetime.date | None = None
    surgeon: str = ""
    instrumentation: str = ""
    graft: str = ""
    implants: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class PatientData:
    first_name: str
    last_name: str
    date_of_birth: date
    timezone: str
    surgery: SurgeryData
    sex: str = "unknown"
    language: str = "en"
    email: str = ""
    phone: str = ""
    smoking_status: str = "never"
    smoking_quit_date: date | None = None
    diabetes: bool = False
    hba1c: Decimal | None = None
    bmi: Decimal | None = None
    bone_quality: str = "unknown"
    t_score: Decimal | None = None
    steroid_use: bool = False


@dataclass(frozen=True)
class Enrollment:
    patient: Patient
    surgery: Surgery
    activation_code: str


def _resolve_team(*, clinician: Any, care_team_id: uuid.UUID | None) -> CareTeam:
    teams = list(care_teams_for_clinician(clinician=clinician))
    if care_team_id is not None:
        for team in teams:
            if team.id == care_team_id:
                return team
        # Same answer for "exists but not yours" and "does not exist".
        raise ApplicationError(
            "Unknown care team.", fields={"care_team": ["You are not a member of this team."]}
        )
    if len(teams) == 1:
        return teams[0]
    raise ApplicationError(
        "Choose a care team.",
        fields={"care_team": ["Required when you belong to more than one team."]},
    )


@transaction.atomic
def patient_enroll(
    *, clinician: Any, data: PatientData, care_team_id: uuid.UUID | None = None
) -> Enrollment:
    team = _resolve_team(clinician=clinician, care_team_id=care_team_id)
    # The account is inactive, with an unusable password, until the patient activates it.
    user = User(username=f"pending-{uuid.uuid4().hex}", email=data.email, is_active=False)
    user.set_unusable_password()
    user.save()

    # The zone and the language are stored once, on the notification preferences (see
    # Patient.timezone_name and Patient.language).
    try:
        validate_timezone(data.timezone)
    except ValidationError as exc:
        raise ValidationError({"timezone": exc.messages}) from exc
    if data.language not in supported_languages():
        raise ValidationError({"language": [unsupported_language_message(data.language)]})
    stored_elsewhere = {"surgery", "timezone", "language"}
    fields = {k: v for k, v in data.__dict__.items() if k not in stored_elsewhere}
    patient = Patient(user=user, care_team=team, **fields)
    patient.full_clean()
    patient.save()
    preference_set_timezone(user_id=user.id, timezone=data.timezone, language=data.language)

    surgery_fields = dict(data.surgery.__dict__)
    surgery_fields["implants"] = list(surgery_fields["implants"])
    surgery = Surgery(patient=patient, created_by=clinician, **surgery_fields)
    surgery.full_clean()
    surgery.save()

    code = activation_code_issue(patient=patient, created_by=clinician)
    plan_instantiate(surgery=surgery)
    reminder_schedules_sync(patient=patient, now=timezone.now())
    return Enrollment(patient=patient, surgery=surgery, activation_code=code)
