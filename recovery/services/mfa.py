"""Second factor for clinicians and staff: TOTP (django-otp) plus single-use recovery codes.

Who needs it: every care-team member and every staff/superuser account while
CLINICIAN_MFA_REQUIRED is true (the default); anyone else who chose to enroll (patients may).
A clinician who must use MFA but has no device yet cannot get API tokens (401 mfa_required with
an enrollment hint) and is sent to the dashboard's enrollment page after the password, where the
device is confirmed with a first code before it counts (see docs/security-tokens.md).
"""

import base64
import binascii
import secrets
from typing import Any

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.exceptions import ApplicationError
from recovery.models import AccessEvent, CareTeamMembership
from recovery.services.audit import access_event_record

TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery codes"
# Unambiguous lower-case characters: recovery codes are copied from paper.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 10
ENROLL_HINT = "Set up an authenticator app: sign in to the dashboard at /dashboard/login/."


def mfa_required_for(user: Any) -> bool:
    if not settings.CLINICIAN_MFA_REQUIRED or not user.is_authenticated:
        return False
    return bool(user.is_staff or user.is_superuser or user.care_memberships.exists())


def mfa_enrolled(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def otp_needed(user: Any) -> bool:
    """A second factor is asked for: required by role, or chosen by the user."""
    return mfa_required_for(user) or mfa_enrolled(user)


def totp_secret(device: TOTPDevice) -> str:
    """The base32 secret an authenticator app takes (what the QR code carries)."""
    return base64.b32encode(device.bin_key).decode()


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG (no external image, CSP-safe)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#000", light="#fff")


def _key_from_secret(secret: str) -> str:
    padded = secret.strip().replace(" ", "").upper()
    padded += "=" * (-len(padded) % 8)
    try:
        return binascii.hexlify(base64.b32decode(padded)).decode()
    except (binascii.Error, ValueError) as exc:
        raise ApplicationError("The TOTP secret is not valid base32.") from exc


@transaction.atomic
def totp_device_start(*, user: Any) -> TOTPDevice:
    """A fresh unconfirmed device to show as a QR code; earlier unconfirmed ones are dropped."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, token: str) -> list[str]:
    """Confirm the device with its first code; it replaces any earlier device.

    Returns the new recovery codes (shown once).
    """
    if not device.verify_token(_normalise(token)):
        raise ApplicationError(
            "That code is not right. Check the time on your phone and try again.",
            code="mfa_invalid",
            fields={"otp": ["That code is not right."]},
        )
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return recovery_codes_issue(user=device.user)


@transaction.atomic
def totp_device_enroll(*, user: Any, secret: str | None = None) -> TOTPDevice:
    """Enroll a confirmed TOTP device at once (management commands, demo data)."""
    TOTPDevice.objects.filter(user=user).delete()
    extra = {"key": _key_from_secret(secret)} if secret else {}
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True, **extra)


@transaction.atomic
def recovery_codes_issue(*, user: Any) -> list[str]:
    """Ten new single-use codes; the old ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        for _ in range(settings.MFA_RECOVERY_CODE_COUNT)
    ]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def _normalise(token: str) -> str:
    return token.strip().replace(" ", "").replace("-", "").lower()


def otp_verify(*, user: Any, token: str) -> Device | None:
    """The device that accepts this code (a TOTP code, or a recovery code used up), or None."""
    token = _normalise(token or "")
    if not token:
        return None
    if token.isdigit():
        for device in TOTPDevice.objects.filter(user=user, confirmed=True):
            if device.verify_token(token):
                return device
        return None
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token):
            return device
    return None


def otp_check(*, user: Any, token: str | None) -> Device | None:
    """For sign-in: raise 401 mfa_required / mfa_invalid unless the code fits (or none is due)."""
    if not otp_needed(user):
        return None
    if not mfa_enrolled(user):
        raise ApplicationError(
            "Two-factor authentication must be set up before signing in here. " + ENROLL_HINT,
            code="mfa_required",
            fields={"otp": ["Two-factor authentication is not set up."]},
            status_code=401,
        )
    if not token:
        raise ApplicationError(
            "Enter the 6-digit code from your authenticator app.",
            code="mfa_required",
            fields={"otp": ["This field is required."]},
            status_code=401,
        )
    device = otp_verify(user=user, token=token)
    if device is None:
        raise ApplicationError(
            "The code is wrong or has expired.",
            code="mfa_invalid",
            fields={"otp": ["The code is wrong or has expired."]},
            status_code=401,
        )
    return device


def coordinator_check(*, actor: Any, user: Any) -> None:
    """The actor coordinates a team the user belongs to; anything else is a 404."""
    shared = CareTeamMembership.objects.filter(
        user=actor,
        role=CareTeamMembership.Role.COORDINATOR,
        team__memberships__user=user,
    )
    if not shared.exists() or actor.pk == user.pk:
        raise ApplicationError("Not found.", code="not_found", status_code=404)


@transaction.atomic
def mfa_reset(*, actor: Any, user: Any, request: HttpRequest | None = None) -> None:
    """A coordinator re-enrolls a team member: every device goes; the next sign-in sets one up.

    The member's live sessions and tokens stay valid until their next sign-in; the lost phone's
    codes stop working at once.
    """
    coordinator_check(actor=actor, user=user)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    access_event_record(
        actor=actor,
        action=AccessEvent.Action.UPDATE,
        object_type="clinician_mfa_reset",
        object_id=str(user.pk),
        request=request,
    )
