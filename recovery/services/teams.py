"""Onboarding of care teams and clinicians (management commands and admin call these)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from core.exceptions import ApplicationError
from recovery.models import CareTeam, CareTeamMembership

User = get_user_model()


def care_team_create(*, name: str, phone: str = "") -> tuple[CareTeam, bool]:
    """Idempotent: returns (team, created). A `phone` given replaces the stored one."""
    name = name.strip()
    if not name:
        raise ApplicationError("A care team needs a name.", fields={"name": ["Required."]})
    team, created = CareTeam.objects.get_or_create(name=name, defaults={"phone": phone.strip()})
    if phone.strip() and team.phone != phone.strip():
        team.phone = phone.strip()
        team.save(update_fields=["phone"])
    return team, created


@transaction.atomic
def clinician_create(
    *, username: str, team_name: str, role: str, password: str | None, email: str = ""
) -> tuple[object, bool]:
    """Create a clinician or add an existing one to a team. Idempotent.

    The password is set only when the user is new: re-running the command must never
    silently reset a working clinician's password.
    """
    if role not in CareTeamMembership.Role.values:
        raise ApplicationError(
            f"Unknown role '{role}'.",
            fields={"role": [f"Choose one of: {', '.join(CareTeamMembership.Role.values)}."]},
        )
    try:
        team = CareTeam.objects.get(name=team_name)
    except CareTeam.DoesNotExist as exc:
        raise ApplicationError(
            f"No care team named '{team_name}'. Create it first with create_care_team.",
            code="not_found",
            fields={"team": ["Unknown care team."]},
        ) from exc

    user = User.objects.filter(username=username).first()
    created = user is None
    if user is None:
        if not password:
            raise ApplicationError("A new clinician needs a password.", fields={"password": []})
        candidate = User(username=username, email=email)
        validate_password(password, user=candidate)
        user = User.objects.create_user(username=username, password=password, email=email)
    elif hasattr(user, "patient"):
        raise ApplicationError(f"'{username}' is a patient account, not a clinician.")

    membership, _ = CareTeamMembership.objects.get_or_create(
        team=team, user=user, defaults={"role": role}
    )
    if membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return user, created
