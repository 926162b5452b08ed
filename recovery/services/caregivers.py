"""Caregiver links: invite, redeem the code, change scopes, revoke, erase (issue 22).

The invitation code works like the patient's activation code (recovery.services.activation):
12 unambiguous characters, only a SHA-256 digest stored, single use, and every wrong, used or
expired code gets the same answer. It lives `CAREGIVER_INVITATION_TTL_HOURS` (default 72).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.exceptions import ApplicationError
from recovery.models import CaregiverInvitation, CaregiverLink, CaregiverScope, Patient
from recovery.services.activation import (
    _ALPHABET,
    _CODE_LENGTH,
    INVALID_CODE,
    _digest,
    activation_attempt_check,
    activation_attempt_clear,
    activation_attempt_failed,
)

User = get_user_model()

ERASED = "erased"
DEFAULT_TTL_HOURS = 72
SCOPE_VALUES = tuple(CaregiverScope.values)


def invitation_ttl() -> timedelta:
    return timedelta(hours=int(getattr(settings, "CAREGIVER_INVITATION_TTL_HOURS", 72)))


def scopes_clean(scopes: Iterable[str]) -> list[str]:
    """The scopes in a stable order; anything else (questionnaires included) is refused."""
    wanted = list(scopes)
    unknown = sorted(set(wanted) - set(SCOPE_VALUES))
    if unknown:
        message = f"Unknown scope(s): {', '.join(unknown)}. Use: {', '.join(SCOPE_VALUES)}."
        raise ApplicationError(message, fields={"scopes": [message]})
    return [scope for scope in SCOPE_VALUES if scope in wanted]


def _issue_code(*, link: CaregiverLink, now: datetime) -> str:
    code = "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))
    # A fresh code replaces any unused one of the same link: only the last handed over works.
    CaregiverInvitation.objects.filter(link=link, used_at__isnull=True).update(used_at=now)
    CaregiverInvitation.objects.create(
        link=link, code_digest=_digest(code), expires_at=now + invitation_ttl()
    )
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


@transaction.atomic
def caregiver_invite(
    *,
    patient: Patient,
    display_name: str,
    relationship: str,
    scopes: Iterable[str],
    invited_by_user: Any,
    now: datetime,
    email: str = "",
    by_care_team: bool = False,
    patient_asked: bool = False,
) -> tuple[CaregiverLink, str]:
    """A pending link and its invitation code (returned in clear once, never stored).

    The care team may invite only at the patient's request (`patient_asked`), and it is
    recorded on the link [R180, R182].
    """
    if by_care_team and not patient_asked:
        message = "The care team invites a caregiver only when the patient asked for it."
        raise ApplicationError(
            message, code="patient_not_asked", fields={"patient_asked": [message]}
        )
    link = CaregiverLink.objects.create(
        patient=patient,
        display_name=display_name.strip(),
        relationship=relationship.strip(),
        email=email,
        scopes=scopes_clean(scopes),
        invited_by=(
            CaregiverLink.InvitedBy.CARE_TEAM if by_care_team else CaregiverLink.InvitedBy.PATIENT
        ),
        invited_by_user=invited_by_user,
        patient_asked=patient_asked or not by_care_team,
    )
    return link, _issue_code(link=link, now=now)


def is_caregiver_code(code: str) -> bool:
    """Whether a code was issued as a caregiver invitation (valid or not): it picks the role."""
    return CaregiverInvitation.objects.filter(code_digest=_digest(code)).exists()


def _redeemable(code: str, now: datetime) -> CaregiverInvitation:
    invitation = (
        CaregiverInvitation.objects.select_for_update()
        .select_related("link")
        .filter(
            code_digest=_digest(code),
            used_at__isnull=True,
            expires_at__gt=now,
            link__revoked_at__isnull=True,
            link__caregiver__isnull=True,
        )
        .first()
    )
    if invitation is None:
        raise ApplicationError(
            str(INVALID_CODE),
            code="invalid_activation_code",
            fields={"activation_code": [str(INVALID_CODE)]},
        )
    return invitation


def _link_to(invitation: CaregiverInvitation, user: Any, now: datetime) -> CaregiverLink:
    link = invitation.link
    if link.patient.user_id == user.pk:
        raise ApplicationError("You cannot be your own caregiver.", code="own_caregiver", fields={})
    if CaregiverLink.objects.active().filter(patient_id=link.patient_id, caregiver=user).exists():
        raise ApplicationError(
            "You already help this patient; ask them to change your scopes instead.",
            code="already_caregiver",
        )
    link.caregiver = user
    link.accepted_at = now
    link.save(update_fields=["caregiver", "accepted_at"])
    invitation.used_at = now
    invitation.save(update_fields=["used_at"])
    return link


def caregiver_activate(*, code: str, username: str, password: str, now: datetime) -> CaregiverLink:
    """A new caregiver account, signed up with an invitation code (POST /auth/activate/).

    Guarded like the patient's activation (recovery.services.activation): wrong codes, weak
    passwords and taken names count against the code, and past the limit the code is refused
    with 429 `too_many_attempts` whatever it is.
    """
    activation_attempt_check(code=code)
    try:
        link = _caregiver_activate(code=code, username=username, password=password, now=now)
    except ApplicationError:
        activation_attempt_failed(code=code)
        raise
    activation_attempt_clear(code=code)
    return link


@transaction.atomic
def _caregiver_activate(*, code: str, username: str, password: str, now: datetime) -> CaregiverLink:
    invitation = _redeemable(code, now)
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(
            "This username is taken.", fields={"username": ["This username is taken."]}
        )
    user = User(username=username, first_name=invitation.link.display_name[:150])
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ApplicationError(
            "The password is too weak.", fields={"password": list(exc.messages)}
        ) from exc
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # the same username claimed a moment ago
        raise ApplicationError(
            "This username is taken.", fields={"username": ["This username is taken."]}
        ) from exc
    return _link_to(invitation, user, now)


def caregiver_accept(*, code: str, user: Any, now: datetime) -> CaregiverLink:
    """A signed-in person redeems a further invitation (one person may help several patients).

    Failed tries count against the code as they do at activation.
    """
    activation_attempt_check(code=code)
    try:
        with transaction.atomic():
            link = _link_to(_redeemable(code, now), user, now)
    except ApplicationError:
        activation_attempt_failed(code=code)
        raise
    activation_attempt_clear(code=code)
    return link


@transaction.atomic
def caregiver_scopes_update(*, link: CaregiverLink, scopes: Iterable[str]) -> CaregiverLink:
    link.scopes = scopes_clean(scopes)
    link.save(update_fields=["scopes"])
    return link


@transaction.atomic
def caregiver_revoke(*, link: CaregiverLink, actor: Any, now: datetime) -> CaregiverLink:
    """Access ends at once: every request re-reads the link, nothing is cached in tokens."""
    if link.revoked_at is None:
        link.revoked_at = now
        link.revoked_by = actor
        link.save(update_fields=["revoked_at", "revoked_by"])
    CaregiverInvitation.objects.filter(link=link, used_at__isnull=True).update(used_at=now)
    return link


@transaction.atomic
def caregiver_links_erase(*, patient: Patient, actor: Any, now: datetime) -> int:
    """Erasure: end every link and remove who the caregivers are.

    The link rows stay as anonymous tombstones so the pseudonymised record still says a
    caregiver (not the patient) reported what they reported; names, e-mail, the account
    link and the invitations go.
    """
    links = CaregiverLink.objects.filter(patient=patient)
    CaregiverInvitation.objects.filter(link__patient=patient).delete()
    return links.update(
        caregiver=None,
        display_name=ERASED,
        relationship="",
        email="",
        invited_by_user=None,
        revoked_by=actor,
        revoked_at=now,
    )
