"""Flag ownership (issue 16): "Assign to me", and giving a flag back.

A nurse takes a flag so the team knows someone is on it. Only a member of the patient's care
team can take one, and only for themselves: there is no way to hand a flag to somebody else
(they take it when they pick it up). Taking a flag another member holds moves it to the taker
(a shift handover); only the owner gives a flag back. Each change is written to the access log
like acknowledge and resolve are; a repeat that changes nothing writes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from core.exceptions import ApplicationError
from recovery.models import AccessEvent, CareTeamMembership, Flag
from recovery.services.flags import flag_audit, flag_lock


def _on_patients_team(*, actor: Any, flag: Flag) -> bool:
    return CareTeamMembership.objects.filter(
        team__patients__id=flag.patient_id, user_id=actor.pk
    ).exists()


def _closed_error(flag: Flag, verb: str) -> ApplicationError:
    return ApplicationError(
        f"This flag is already {flag.status}; a {flag.status} flag cannot be {verb}.",
        code="invalid_transition",
    )


@transaction.atomic
def flag_assign(
    *, flag: Flag, actor: Any, now: datetime, request: HttpRequest | None = None
) -> Flag:
    """`actor` takes `flag` (open or acknowledged). Already theirs: nothing changes."""
    flag = flag_lock(flag)
    if not _on_patients_team(actor=actor, flag=flag):
        # The views look flags up through the caller's teams (404 first); this is the rule.
        raise ApplicationError(
            "Only a member of the patient's care team can take this flag.",
            code="not_on_team",
            status_code=403,
        )
    if not flag.is_live:
        raise _closed_error(flag, "assigned")
    if flag.owner_id == actor.pk:
        return flag
    flag.owner = actor
    flag.assigned_at = now
    flag.updated_at = now
    flag.save(update_fields=["owner", "assigned_at", "updated_at"])
    flag_audit(actor=actor, flag=flag, action=AccessEvent.Action.FLAG_ASSIGN, request=request)
    return flag


@transaction.atomic
def flag_unassign(
    *, flag: Flag, actor: Any, now: datetime, request: HttpRequest | None = None
) -> Flag:
    """The owner gives `flag` back (nobody owns it after). Nobody owns it: nothing changes."""
    flag = flag_lock(flag)
    if not flag.is_live:
        raise _closed_error(flag, "unassigned")
    if flag.owner_id is None:
        return flag
    if flag.owner_id != actor.pk:
        owner = flag.owner
        name = (owner.get_full_name() or owner.get_username()) if owner else "another member"
        raise ApplicationError(
            f"This flag is assigned to {name}; only they can give it back. "
            "Use Assign to me to take it over.",
            code="not_owner",
        )
    flag.owner = None
    flag.assigned_at = None
    flag.updated_at = now
    flag.save(update_fields=["owner", "assigned_at", "updated_at"])
    flag_audit(actor=actor, flag=flag, action=AccessEvent.Action.FLAG_UNASSIGN, request=request)
    return flag
