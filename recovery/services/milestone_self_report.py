"""Milestones the patient records from the app: the ones their pathway calls self-reportable.

One service and one rule for both patient endpoints: `PATCH /api/v1/me/milestones/{id}/`
(issue 16) and `POST /api/v1/me/milestones/{id}/achieved/` (issue 20, the patient app). The
rule is the pathway's `self_report` attribute, copied onto each milestone (first walk, off
opioids, back to desk work...); visits, imaging, discharge and fusion are the care team's to
record. The team sees a patient's record as an adjustment made by the patient.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.db import transaction

from core.exceptions import ApplicationError
from recovery.models import ClinicianAdjustment, Milestone, Patient
from recovery.services.adjustments import milestone_status_set


@transaction.atomic
def milestone_self_report(
    *,
    patient: Patient,
    milestone_id: uuid.UUID | str,
    actor: Any,
    today: datetime.date,
    on: datetime.date | None = None,
    note: str = "",
    date_field: str = "date",
) -> ClinicianAdjustment:
    """Mark one of the patient's self-reportable milestones achieved on `on` (default: their
    today). Another patient's milestone is a 404; one the team records is a 403
    (`not_self_reportable`); a date before the surgery or in the future is a 400 naming
    `date_field`. Marking it again corrects the date."""
    self_report = (
        Milestone.objects.filter(plan__patient=patient, id=milestone_id)
        .values_list("self_report", flat=True)
        .first()
    )
    if self_report is None:
        raise ApplicationError("No such milestone.", code="not_found", status_code=404)
    if not self_report:
        raise ApplicationError(
            "Your care team records this milestone.",
            code="not_self_reportable",
            status_code=403,
        )
    return milestone_status_set(
        patient=patient,
        milestone_id=milestone_id,
        status=Milestone.Status.ACHIEVED,
        actor=actor,
        today=today,
        on=on,
        note=note,
        date_field=date_field,
    )
