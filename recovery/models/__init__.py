from recovery.models.attention import AttentionSignal, AttentionSweep
from recovery.models.audit import AccessEvent
from recovery.models.break_glass import BreakGlassGrant
from recovery.models.caregivers import CaregiverInvitation, CaregiverLink, CaregiverScope
from recovery.models.checkins import CheckIn
from recovery.models.flag_findings import FlagFinding
from recovery.models.flags import Flag
from recovery.models.patients import PATIENT_ZONE_PATH, ActivationCode, Patient
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
    "PATIENT_ZONE_PATH",
    "AccessEvent",
    "ActivationCode",
    "AttentionSignal",
    "AttentionSweep",
    "BreakGlassGrant",
    "CareTeam",
    "CareTeamMembership",
    "CaregiverInvitation",
    "CaregiverLink",
    "CaregiverScope",
    "CheckIn",
    "ChecklistEntry",
    "ClinicianAdjustment",
    "Flag",
    "FlagFinding",
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
