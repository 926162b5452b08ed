"""Break-glass: emergency access to a patient outside the clinician's care teams.

A clinician states a reason and gets read access to one patient for BREAK_GLASS_MINUTES
(default 60). The grant is audited (a `break_glass` access event on the patient, so it shows
in the patient's own access log and the team's), and the patient's team coordinators get an
inbox alert that names no health data. Reads made under the grant are audited like any other.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest

from core.exceptions import ApplicationError
from notifications.services import Message, notify
from recovery.models import AccessEvent, BreakGlassGrant, CareTeamMembership, Patient
from recovery.models.break_glass import BREAK_GLASS_REASON_MAX
from recovery.selectors import is_clinician, patient_list_for_clinician
from recovery.services.audit import access_event_record

logger = logging.getLogger(__name__)

TEMPLATE = "careteam_break_glass"
REASON_MIN = 10  # a sentence, not "x": the reason is what a reviewer reads later


def break_glass_minutes() -> int:
    return int(getattr(settings, "BREAK_GLASS_MINUTES", 60))


def _recipients(patient: Patient) -> list[int]:
    """The team's coordinators; the whole team when it has none (someone must know)."""
    members = CareTeamMembership.objects.filter(team_id=patient.care_team_id)
    coordinators = list(
        members.filter(role=CareTeamMembership.Role.COORDINATOR).values_list("user_id", flat=True)
    )
    if coordinators:
        return sorted(set(coordinators))
    logger.warning("break-glass on a team without a coordinator: alerting every member")
    return sorted(set(members.values_list("user_id", flat=True)))


@transaction.atomic
def break_glass_open(
    *,
    clinician: Any,
    patient_id: UUID | str,
    reason: str,
    now: datetime,
    request: HttpRequest | None = None,
) -> BreakGlassGrant:
    if not is_clinician(clinician):
        raise ApplicationError(
            "Only care-team members can use emergency access.", code="permission_denied",
            status_code=403,
        )  # fmt: skip
    try:
        patient = Patient.objects.get(id=patient_id)
    except (Patient.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404("No such patient.") from exc
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN or len(reason) > BREAK_GLASS_REASON_MAX:
        raise ApplicationError(
            "State why you need emergency access.",
            fields={
                "reason": [f"Give a reason of {REASON_MIN} to {BREAK_GLASS_REASON_MAX} characters."]
            },
        )
    if patient_list_for_clinician(clinician=clinician).filter(id=patient.id).exists():
        raise ApplicationError(
            "This patient is on your care team; no emergency access is needed.",
            code="on_your_team",
        )

    grant = BreakGlassGrant.objects.create(
        clinician=clinician,
        patient=patient,
        reason=reason,
        created_at=now,
        expires_at=now + timedelta(minutes=break_glass_minutes()),
    )
    access_event_record(
        actor=clinician,
        action=AccessEvent.Action.BREAK_GLASS,
        object_type="break_glass",
        patient=patient,
        object_id=grant.id,
        request=request,
    )
    # Opaque ids only: the reason may describe the patient's condition, so it stays in the
    # database and the access log, never in a notification.
    notify(
        Message(
            recipient_id=user_id,
            template=TEMPLATE,
            idempotency_key=f"break-glass:{grant.id}:{user_id}",
            context={"patient_id": str(patient.id), "grant_id": str(grant.id)},
            link=f"/dashboard/patients/{patient.id}/",
        )
        for user_id in _recipients(patient)
    )
    return grant
