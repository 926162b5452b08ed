"""Demo data for `make run`: two care teams, clinicians and a few enrolled patients.

Idempotent: running it again changes nothing. The credentials are printed and listed in the
README; they exist only in the demo database.
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from recovery.models import Patient, ReminderSchedule
from recovery.services.activation import patient_activate
from recovery.services.checkins import checkin_create
from recovery.services.enrollment import PatientData, SurgeryData, patient_enroll
from recovery.services.mfa import totp_device_enroll, totp_secret
from recovery.services.teams import care_team_create, clinician_create

DEMO_PASSWORD = "demo-recovery-2026"
TEAM = "Demo Spine Team"
OTHER_TEAM = "Other Spine Team"

CLINICIANS = [
    ("nurse.demo", TEAM, "nurse"),
    ("surgeon.demo", TEAM, "surgeon"),
    ("coordinator.demo", TEAM, "coordinator"),
    ("nurse.other", OTHER_TEAM, "nurse"),
]

# Demo-only TOTP secrets (base32), fixed so the README can list them: add one to an
# authenticator app, or compute a code with `oathtool --totp -b SECRET`. Never for real accounts.
DEMO_TOTP_SECRETS = {
    "nurse.demo": "NURSEDEMONURSEDEMONURSEDEMONURSE",
    "surgeon.demo": "SURGEONDEMOSURGEONDEMOSURGEONDEM",
    "coordinator.demo": "COORDINATORDEMOCOORDINATORDEMOCO",
    "nurse.other": "NURSEOTHERNURSEOTHERNURSEOTHERNU",
}

# (username, first, last, timezone, days since surgery, technique, approach, smoking, brace)
PATIENTS = [
    ("ana.demo", "Ana", "Ruiz", "America/New_York", 10, "tlif", "open", "former", True),
    ("ben.demo", "Ben", "Okafor", "Europe/London", 10, "mis_tlif", "mis", "current", False),
    ("chloe.demo", "Chloe", "Nguyen", "Australia/Sydney", 5, "llif", "mis", "never", False),
    ("dev.demo", "Dev", "Patel", "America/Chicago", 45, "alif", "open", "never", True),
]

# Check-ins for the triage demo (issue 4): Ana's ordinary days, then one that raises an open
# emergency flag (saddle numbness: cauda equina) for the dashboard's worklist.
# (username, hours ago, symptoms)
DEMO_CHECKINS: list[tuple[str, int, dict[str, Any]]] = [
    ("ana.demo", 72, {"back_pain": 5, "leg_pain": 3, "temperature_c": 37.2, "walking_minutes": 10}),
    ("ana.demo", 48, {"back_pain": 4, "leg_pain": 2, "temperature_c": 37.0, "walking_minutes": 15}),
    ("ana.demo", 24, {"back_pain": 4, "leg_pain": 2, "wound_drainage": "none"}),
    ("ana.demo", 1, {"back_pain": 4, "leg_pain": 3, "saddle_numbness": True}),
]
# Fixed ids: re-running the command replays the same check-ins instead of adding more.
_CHECKIN_NAMESPACE = uuid.UUID("0b6e7b8e-2f0e-4f39-9a57-3c1d2f6c4e10")


def _seed_checkins(now: Any) -> None:
    for index, (username, hours_ago, symptoms) in enumerate(DEMO_CHECKINS):
        patient = Patient.objects.get(user__username=username)
        checkin_create(
            patient=patient,
            checkin_id=uuid.uuid5(_CHECKIN_NAMESPACE, f"{username}:{index}"),
            data={"recorded_at": now - timedelta(hours=hours_ago), **symptoms},
            now=now,
        )


# --- Caregiver persona (issue 22): Maria, Ana's daughter, with her own account and every
# scope; she reported one of Ana's check-ins, so the timeline says "reported by Maria".
CAREGIVER = ("maria.demo", "ana.demo", "Maria", "daughter")


def _seed_caregiver(now: datetime) -> None:
    from recovery.models import CaregiverScope, CheckIn
    from recovery.services.caregivers import caregiver_activate, caregiver_invite

    username, patient_username, name, relationship = CAREGIVER
    if get_user_model().objects.filter(username=username).exists():
        return
    patient = Patient.objects.get(user__username=patient_username)
    _, code = caregiver_invite(
        patient=patient,
        display_name=name,
        relationship=relationship,
        scopes=CaregiverScope.values,
        invited_by_user=patient.user,
        now=now,
    )
    link = caregiver_activate(code=code, username=username, password=DEMO_PASSWORD, now=now)
    # Ana's check-in of yesterday (DEMO_CHECKINS[2]) was Maria's report on her behalf.
    reported = uuid.uuid5(_CHECKIN_NAMESPACE, f"{patient_username}:2")
    CheckIn.objects.filter(id=reported).update(reported_by_caregiver=link)


def _first_reminders_now(now: datetime) -> None:
    """Demo patients get their first morning run at once, so `make run` shows a reminder
    arriving in their inbox within a minute instead of at 09:00 on their clock."""
    ReminderSchedule.objects.filter(
        patient__user__username__in=[p[0] for p in PATIENTS],
        kind=ReminderSchedule.Kind.MORNING,
        last_run_at__isnull=True,
    ).update(next_due_at=now)


class Command(BaseCommand):
    help = "Seed demo care teams, clinicians and patients (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        for name in (TEAM, OTHER_TEAM):
            # A fictional number (555-01xx is reserved for fiction): the patient app dials it.
            care_team_create(name=name, phone="+1-202-555-0100")
        for username, team, role in CLINICIANS:
            clinician, _ = clinician_create(
                username=username, team_name=team, role=role, password=DEMO_PASSWORD
            )
            device = TOTPDevice.objects.filter(user=clinician, confirmed=True).first()
            if device is None or totp_secret(device) != DEMO_TOTP_SECRETS[username]:
                totp_device_enroll(user=clinician, secret=DEMO_TOTP_SECRETS[username])
        enrolling_clinician = User.objects.get(username="nurse.demo")

        today = timezone.now().date()
        for username, first, last, tz, days, technique, approach, smoking, brace in PATIENTS:
            if User.objects.filter(username=username).exists():
                continue
            enrollment = patient_enroll(
                clinician=enrolling_clinician,
                data=PatientData(
                    first_name=first,
                    last_name=last,
                    date_of_birth=today.replace(year=1961),
                    timezone=tz,
                    smoking_status=smoking,
                    smoking_quit_date=today.replace(year=2020) if smoking == "former" else None,
                    surgery=SurgeryData(
                        date=today - timedelta(days=days),
                        indication="spondylolisthesis",
                        approach=approach,
                        technique=technique,
                        brace_prescribed=brace,
                        discharge_date=today - timedelta(days=max(days - 3, 0)),
                        surgeon="Dr. Demo",
                    ),
                ),
            )
            patient_activate(
                code=enrollment.activation_code, username=username, password=DEMO_PASSWORD
            )
        _seed_checkins(timezone.now())
        _seed_caregiver(timezone.now())
        _first_reminders_now(timezone.now())
        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Password for every demo account: ") + DEMO_PASSWORD
        )
        self.stdout.write("  clinicians (TOTP secret for the authenticator app):")
        for username, _team, _role in CLINICIANS:
            self.stdout.write(f"    {username:<18} {DEMO_TOTP_SECRETS[username]}")
        self.stdout.write("  patients:   " + ", ".join(p[0] for p in PATIENTS))
        self.stdout.write(f"  caregiver:  {CAREGIVER[0]} (helps {CAREGIVER[1]})")
