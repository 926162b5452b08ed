"""Break-glass reads: which patient outside a clinician's teams an emergency grant opens now.

Kept apart from recovery.selectors so the team-scoping code stays one small function that
calls this one on its 404 path (no extra query for the ordinary, on-team case).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from recovery.models import BreakGlassGrant, Patient


def break_glass_grant_active(
    *, clinician: Any, patient_id: UUID | str, now: datetime | None = None
) -> BreakGlassGrant | None:
    if not getattr(clinician, "is_authenticated", False):
        return None
    try:
        return (
            BreakGlassGrant.objects.filter(
                clinician=clinician, patient_id=patient_id, expires_at__gt=now or timezone.now()
            )
            .order_by("-expires_at")
            .first()
        )
    except (ValidationError, ValueError):
        return None


def patient_get_under_break_glass(
    *, clinician: Any, patient_id: UUID | str, queryset: QuerySet[Patient], now: Any = None
) -> Patient | None:
    """The patient, from `queryset`, when this clinician holds an unexpired grant for them."""
    if break_glass_grant_active(clinician=clinician, patient_id=patient_id, now=now) is None:
        return None
    return queryset.filter(id=patient_id).first()
