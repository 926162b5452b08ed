"""Reads of check-ins."""

from __future__ import annotations

from recovery.models import CheckIn, Patient
from recovery.models.checkins import SYMPTOM_FIELDS


def checkins_recent_for_patient(*, patient: Patient, limit: int) -> list[CheckIn]:
    """The patient's latest `limit` check-ins, oldest first, with every reported answer (the
    charts draw pain and temperature; the timeline and the answers strip show the rest)."""
    return list(
        CheckIn.objects.filter(patient=patient)
        .only("id", "recorded_at", "postop_day", *SYMPTOM_FIELDS)
        .order_by("-recorded_at")[:limit]
    )[::-1]
