from recovery.models.audit import AccessEvent
from recovery.models.caregivers import CaregiverInvitation, CaregiverLink, CaregiverScope
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

__all__ = [
    "AccessEvent",
    "ActivationCode",
    "CareTeam",
    "CareTeamMembership",
    "CaregiverInvitation",
    "CaregiverLink",
    "CaregiverScope",
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
]
