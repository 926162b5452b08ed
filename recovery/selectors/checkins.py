"""Reads of check-ins."""

from __future__ import annotations

from recovery.models import CheckIn, Patient


def checkins_recent_for_patient(*, patient: Patient, limit: int) -> list[CheckIn]:
    """The patient's latest `limit` check-ins, oldest first, with the charted fields only."""
    return list(
        CheckIn.objects.filter(patient=patient)
        .only("id", "recorded_at", "postop_day", "back_pain", "leg_pain", "temperature_c")
        .order_by("-recorded_at")[:limit]
    )[::-1]
