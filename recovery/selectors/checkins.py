"""Reads of check-ins."""

from __future__ import annotations

from recovery.models import CheckIn, Patient
from recovery.models.checkins import SYMPTOM_FIELDS
from recovery.selectors.caregivers import CHECKIN_REPORTER_COLUMNS


def checkins_recent_for_patient(*, patient: Patient, limit: int) -> list[CheckIn]:
    """The patient's latest `limit` check-ins, oldest first, with every reported answer (the
    patient page's timeline words them; its charts and answers strip read checkin_days).

    Who reported each one (issue 22) is joined in: the timeline says "reported by Maria
    (daughter)" without a query per row.
    """
    return list(
        CheckIn.objects.filter(patient=patient)
        .select_related("reported_by_caregiver")
        .only("id", "recorded_at", "postop_day", *SYMPTOM_FIELDS, *CHECKIN_REPORTER_COLUMNS)
        .order_by("-recorded_at")[:limit]
    )[::-1]
