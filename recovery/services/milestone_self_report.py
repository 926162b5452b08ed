"""Milestones the patient records from the app (issue 20): their own goals, never visits.

Visits, imaging and hospital events are the care team's to record; a patient may say they
reached a goal (stopped opioids, back to desk work), which the team sees as an adjustment
made by the patient.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.db import transaction

from core.exceptions import ApplicationError
from recovery.models import ClinicianAdjustment, Milestone, Patient
from recovery.services.adjustments import milestone_status_set

SELF_REPORTED_KINDS = frozenset({Milestone.Kind.GOAL})


@transaction.atomic
def milestone_self_report(
    *,
    patient: Patient,
    milestone_id: uuid.UUID | str,
    actor: Any,
    today: datetime.date,
    on: datetime.date | None = None,
    note: str = "",
) -> ClinicianAdjustment:
    """Mark one of the patient's own goals achieved. Another patient's milestone is a 404."""
    kind = (
        Milestone.objects.filter(plan__patient=patient, id=milestone_id)
        .values_list("kind", flat=True)
        .first()
    )
    if kind is None:
        raise ApplicationError("No such milestone.", code="not_found", status_code=404)
    if kind not in SELF_REPORTED_KINDS:
        raise ApplicationError(
            "Your care team records this milestone.",
            code="not_self_reported",
            fields={"milestone": ["Only goals can be recorded from the app."]},
        )
    return milestone_status_set(
        patient=patient,
        milestone_id=milestone_id,
        status=Milestone.Status.ACHIEVED,
        actor=actor,
        today=today,
        on=on,
        note=note,
    )
