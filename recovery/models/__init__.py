from recovery.models.audit import AccessEvent
from recovery.models.checkins import CheckIn
from recovery.models.flags import Flag
from recovery.models.patients import ActivationCode, Patient
from recovery.models.plans import (
    ChecklistEntry,
    ClinicianAdjustment,
    ImagingResult,
    Milestone,
    PatientPlan,
    PlanItem,
)
from recovery.models.questionnaires import QuestionnaireResponse
from recovery.models.reminders import ReminderSchedule
from recovery.models.surgeries import Surgery
from recovery.models.teams import CareTeam, CareTeamMembership
from recovery.models.wound_photos import WoundPhoto

__all__ = [
    "AccessEvent",
    "ActivationCode",
    "CareTeam",
    "CareTeamMembership",
    "CheckIn",
    "ChecklistEntry",
    "ClinicianAdjustment",
    "Flag",
    "ImagingResult",
    "Milestone",
    "Patient",
    "PatientPlan",
    "PlanItem",
    "QuestionnaireResponse",
    "ReminderSchedule",
    "Surgery",
    "WoundPhoto",
]
