"""Reads of flags, scoped to the clinician's care teams."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from recovery.models import Flag
from recovery.selectors.patients import care_teams_for_clinician


def flag_list_for_clinician(*, clinician: Any) -> QuerySet[Flag]:
    team_ids = care_teams_for_clinician(clinician=clinician).values("id")
    return Flag.objects.filter(patient__care_team_id__in=team_ids)


def flag_get_for_clinician(*, clinician: Any, flag_id: UUID | str) -> Flag:
    """Another team's flag is indistinguishable from a missing one (404, not 403)."""
    try:
        return flag_list_for_clinician(clinician=clinician).get(id=flag_id)
    except (Flag.DoesNotExist, ValueError) as exc:
        raise Http404("No such flag.") from exc
