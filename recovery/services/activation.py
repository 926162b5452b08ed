"""One-time activation codes: issued at enrollment, claimed once from the phone."""

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.exceptions import ApplicationError
from recovery.models import ActivationCode, Patient

User = get_user_model()

# Unambiguous characters (no 0/O, 1/I/L): the code is read aloud or typed from paper.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 12  # 31^12 ≈ 8e17: brute force is hopeless even before throttling

INVALID_CODE = _("This activation code is invalid, already used or expired.")


def _digest(code: str) -> str:
    normalised = code.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(normalised.encode()).hexdigest()


def activation_code_issue(*, patient: Patient, created_by: Any = None) -> str:
    """Issue a fresh code (earlier unused codes stop working); returns the clear code once."""
    code = "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))
    now = timezone.now()
    ActivationCode.objects.filter(patient=patient, used_at__isnull=True).update(used_at=now)
    ActivationCode.objects.create(
        patient=patient,
        code_digest=_digest(code),
        expires_at=now + timedelta(hours=settings.ACTIVATION_CODE_TTL_HOURS),
        created_by=created_by,
    )
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


TOO_MANY_ATTEMPTS = _(
    "Too many attempts with this activation code. Ask your care team for a new one."
)


def _attempts_key(code: str) -> str:
    return f"activation:attempts:{_digest(code)}"


def activation_attempt_check(*, code: str) -> None:
    """Each code (valid or not) allows ACTIVATION_CODE_MAX_ATTEMPTS failed claims (issue 17)."""
    if (cache.get(_attempts_key(code)) or 0) >= settings.ACTIVATION_CODE_MAX_ATTEMPTS:
        raise ApplicationError(str(TOO_MANY_ATTEMPTS), code="too_many_attempts", status_code=429)


def activation_attempt_failed(*, code: str) -> None:
    key = _attempts_key(code)
    window = settings.ACTIVATION_CODE_TTL_HOURS * 3600
    if not cache.add(key, 1, timeout=window):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=window)


def activation_attempt_clear(*, code: str) -> None:
    """A successful claim forgets the code's failed attempts."""
    cache.delete(_attempts_key(code))


def patient_activate(*, code: str, username: str, password: str) -> Patient:
    """Claim the account; wrong codes, weak passwords and taken names count against the code."""
    activation_attempt_check(code=code)
    try:
        patient = _patient_activate(code=code, username=username, password=password)
    except ApplicationError:
        activation_attempt_failed(code=code)
        raise
    activation_attempt_clear(code=code)
    return patient


@transaction.atomic
def _patient_activate(*, code: str, username: str, password: str) -> Patient:
    now = timezone.now()
    activation = (
        ActivationCode.objects.select_for_update()
        .select_related("patient__user")
        .filter(code_digest=_digest(code), used_at__isnull=True, expires_at__gt=now)
        .first()
    )
    # Wrong, used and expired codes get the same answer: no oracle for a guesser.
    if activation is None:
        raise ApplicationError(
            str(INVALID_CODE),
            code="invalid_activation_code",
            fields={"activation_code": [str(INVALID_CODE)]},
        )
    user = activation.patient.user
    if User.objects.filter(username__iexact=username).exclude(pk=user.pk).exists():
        raise ApplicationError(
            gettext("This username is taken."),
            fields={"username": [gettext("This username is taken.")]},
        )
    user.username = username
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ApplicationError(
            gettext("The password is too weak."), fields={"password": list(exc.messages)}
        ) from exc
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["username", "password", "is_active"])
    activation.used_at = now
    activation.save(update_fields=["used_at"])
    return activation.patient
