"""Demo data for `make run`: two care teams, clinicians and a few enrolled patients.

Idempotent: running it again changes nothing. The credentials are printed and listed in the
README; they exist only in the demo database.
"""

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from recovery.services.activation import patient_activate
from recovery.services.enrollment import PatientData, SurgeryData, patient_enroll
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

# (username, first, last, timezone, days since surgery, technique, approach, smoking, brace)
PATIENTS = [
    ("ana.demo", "Ana", "Ruiz", "America/New_York", 10, "tlif", "open", "former", True),
    ("ben.demo", "Ben", "Okafor", "Europe/London", 10, "mis_tlif", "mis", "current", False),
    ("chloe.demo", "Chloe", "Nguyen", "Australia/Sydney", 5, "llif", "mis", "never", False),
    ("dev.demo", "Dev", "Patel", "America/Chicago", 45, "alif", "open", "never", True),
]


class Command(BaseCommand):
    help = "Seed demo care teams, clinicians and patients (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        for name in (TEAM, OTHER_TEAM):
            care_team_create(name=name)
        for username, team, role in CLINICIANS:
            clinician_create(username=username, team_name=team, role=role, password=DEMO_PASSWORD)
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
        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Password for every demo account: ") + DEMO_PASSWORD
        )
        self.stdout.write("  clinicians: " + ", ".join(c[0] for c in CLINICIANS))
        self.stdout.write("  patients:   " + ", ".join(p[0] for p in PATIENTS))
