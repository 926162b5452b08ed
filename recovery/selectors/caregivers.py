"""Reads for caregivers, scoped to the caller (issue 22).

Every caregiver request resolves its link here, from the database, on every call: revoking a
link or removing a scope takes effect on the very next request, whatever tokens are alive.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404

from core.exceptions import ApplicationError
from recovery.models import CaregiverLink, Flag

SCOPE_NOT_GRANTED = "The patient has not given you access to this."

# Columns of the reporting caregiver, for `.select_related("reported_by_caregiver").only(...)`.
CHECKIN_REPORTER_COLUMNS = (
    "reported_by_caregiver",
    "reported_by_caregiver__display_name",
    "reported_by_caregiver__relationship",
)


def caregiver_link_get(*, user: Any, patient_id: UUID | str) -> CaregiverLink:
    """The caller's live link to this patient; none (or revoked) is a 404 like a missing one."""
    if not user.is_authenticated:
        raise Http404("No such patient.")
    try:
        return (
            CaregiverLink.objects.active()
            .select_related("patient")
            .get(caregiver=user, patient_id=patient_id)
        )
    except (CaregiverLink.DoesNotExist, ValueError) as exc:
        raise Http404("No such patient.") from exc


def caregiver_scope_require(*, link: CaregiverLink, scope: str) -> None:
    if not link.has_scope(scope):
        raise ApplicationError(
            SCOPE_NOT_GRANTED, code="scope_not_granted", fields={}, status_code=403
        )


def caregiving_links(*, user: Any) -> QuerySet[CaregiverLink]:
    """The patients I help: my live links, oldest first."""
    return CaregiverLink.objects.active().filter(caregiver=user).select_related("patient")


def caregiver_links_for_patient(*, patient: Any) -> QuerySet[CaregiverLink]:
    return CaregiverLink.objects.filter(patient=patient)


def caregiver_link_for_patient(*, patient: Any, link_id: UUID | str) -> CaregiverLink:
    try:
        return caregiver_links_for_patient(patient=patient).get(id=link_id)
    except (CaregiverLink.DoesNotExist, ValueError) as exc:
        raise Http404("No such caregiver.") from exc


def reported_by(link: CaregiverLink | None) -> dict[str, str | None]:
    """The attribution the care team sees: the patient, or the caregiver as the patient named
    them [R181]. Pass a link already loaded (select_related) to avoid a query per row."""
    if link is None:
        return {"kind": "patient", "name": None, "relationship": None}
    return {"kind": "caregiver", "name": link.display_name, "relationship": link.relationship}


def flag_reporter_subqueries() -> tuple[Subquery, Subquery]:
    """Who reported the flag's latest check-in: (name, relationship), for `.annotate()`.

    Joined into the query the worklist already runs, so showing "reported by Maria
    (daughter)" costs no query per row.
    """
    latest = Flag.checkins.through.objects.filter(flag_id=OuterRef("pk")).order_by(
        "-checkin__recorded_at"
    )
    return (
        Subquery(latest.values("checkin__reported_by_caregiver__display_name")[:1]),
        Subquery(latest.values("checkin__reported_by_caregiver__relationship")[:1]),
    )
