"""Signing test clients in the way the dashboard does: with a verified second factor.

`force_login` alone gives a session without one, which the dashboard (and the API's session
authentication) refuse for clinicians and staff while CLINICIAN_MFA_REQUIRED is true.
"""

from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from recovery.services.mfa import totp_device_enroll

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def totp_device_for(user: Any) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or totp_device_enroll(user=user)


def totp_code(device: TOTPDevice) -> str:
    """The device's current code (the clock is whatever time_machine says)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def verified_login(client: Client, user: Any, backend: str = MODEL_BACKEND) -> Client:
    """force_login plus a verified TOTP device in the session, as after a real sign-in."""
    client.force_login(user, backend=backend)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = totp_device_for(user).persistent_id
    session.save()
    return client
