"""Small builders for the rows the dashboard reads (flags and check-ins)."""

import uuid
from datetime import datetime, timedelta

from django.utils import timezone

from recovery.models import CheckIn, Flag, Patient
from recovery.selectors import current_surgery
from recovery.triage.spec import SEVERITIES


def make_flag(
    patient: Patient,
    *,
    severity: str = "urgent",
    category: str = "infection",
    status: str = "open",
    opened_at: datetime | None = None,
) -> Flag:
    opened_at = opened_at or timezone.now() - timedelta(hours=1)
    return Flag.objects.create(
        patient=patient,
        category=category,
        severity=severity,
        severity_rank=SEVERITIES.index(severity),
        status=status,
        rule_id=f"{category}.test_rule",
        rule_version=1,
        facts={"temperature_c": 38.6},
        advice="Call the patient today.",
        rationale="Seeded for a dashboard test.",
        sources=["R2"],
        opened_at=opened_at,
        updated_at=opened_at,
        resolved_at=opened_at if status == "resolved" else None,
    )


def make_checkin(
    patient: Patient,
    *,
    day: int,
    back_pain: int | None = 5,
    leg_pain: int | None = 3,
    temperature_c: float | None = 37.0,
) -> CheckIn:
    surgery = current_surgery(patient)
    assert surgery is not None
    recorded_at = timezone.make_aware(
        datetime.combine(surgery.date + timedelta(days=day), datetime.min.time())
    ) + timedelta(hours=9)
    return CheckIn.objects.create(
        id=uuid.uuid4(),
        patient=patient,
        surgery=surgery,
        recorded_at=recorded_at,
        received_at=recorded_at,
        postop_day=day,
        back_pain=back_pain,
        leg_pain=leg_pain,
        temperature_c=temperature_c,
    )
