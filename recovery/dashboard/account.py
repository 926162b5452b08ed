"""Dashboard sign-in second step, MFA enrollment, recovery codes and passwords (issue 17).

The password step (views.DashboardLoginView) never signs anyone in when a second factor is due:
it leaves a short-lived "pending" mark in the session, and only a right code (or, for a member
without a device yet, a confirmed new device) signs the user in, through Django's login() and
django_otp.login(). A half-signed-in session therefore does not exist.
"""

from __future__ import annotations

import time
from typing import Any

import django_otp
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.client_ip import client_ip
from core.exceptions import ApplicationError
from recovery.services.login_guard import login_failure_record, login_success_record
from recovery.services.mfa import (
    mfa_enrolled,
    otp_verify,
    recovery_codes_issue,
    totp_device_confirm,
    totp_device_start,
    totp_qr_svg,
    totp_secret,
)
from recovery.services.passwords import (
    password_change,
    password_reset_confirm,
    password_reset_request,
    password_reset_user,
)

PENDING_KEY = "mfa_pending"
SETUP_DEVICE_KEY = "mfa_setup_device"
PENDING_SECONDS = 300  # the code must follow the password within 5 minutes
PENDING_MAX_CODES = 5  # wrong codes before the password must be given again


class OtpForm(forms.Form):
    otp = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def is_verified(user: Any) -> bool:
    """Whether this session's user passed a second factor (django_otp's OTPMiddleware sets
    `is_verified` on the request's user; a user it never saw has not)."""
    check = getattr(user, "is_verified", None)
    return bool(check()) if check is not None else False


class PasswordResetSetForm(forms.Form):
    """A new password typed twice; the password change form adds the current one."""

    new_password1 = forms.CharField(label="New password", widget=forms.PasswordInput)
    new_password2 = forms.CharField(label="New password (again)", widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        if data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", "The two new passwords differ.")
        return data


class PasswordChangeForm(PasswordResetSetForm):
    old_password = forms.CharField(label="Current password", widget=forms.PasswordInput)
    field_order = ["old_password", "new_password1", "new_password2"]


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254)


# --- the pending state between the password and the code -------------------------------------


def pending_start(request: HttpRequest, *, user: Any, next_url: str) -> None:
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "at": time.time(),
        "next": next_url,
        "codes": 0,
    }


def _pending(request: HttpRequest) -> tuple[dict[str, Any], Any] | None:
    state = request.session.get(PENDING_KEY)
    if not state or time.time() - state["at"] > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    user = get_user_model().objects.filter(pk=state["user"], is_active=True).first()
    return (state, user) if user is not None else None


def _complete(request: HttpRequest, state: dict[str, Any], user: Any, device: Any) -> None:
    request.session.pop(PENDING_KEY, None)
    request.session.pop(SETUP_DEVICE_KEY, None)
    auth_login(request, user, backend=state["backend"])
    django_otp.login(request, device)
    login_success_record(username=user.get_username())


def _safe_next(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("dashboard:worklist")


@require_http_methods(["GET", "POST"])
def login_otp(request: HttpRequest) -> HttpResponse:
    """Second step: the code from the authenticator app, or a recovery code."""
    pending = _pending(request)
    if pending is None:
        messages.info(request, "Please sign in again.")
        return redirect("dashboard:login")
    state, user = pending
    if not mfa_enrolled(user):
        return redirect("dashboard:mfa-setup")
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = otp_verify(user=user, token=form.cleaned_data["otp"])
        if device is not None:
            _complete(request, state, user, device)
            return redirect(_safe_next(request, state["next"]))
        login_failure_record(username=user.get_username(), address=client_ip(request))
        state["codes"] += 1
        if state["codes"] >= PENDING_MAX_CODES:
            request.session.pop(PENDING_KEY, None)
            messages.error(request, "Too many wrong codes. Please sign in again.")
            return redirect("dashboard:login")
        request.session[PENDING_KEY] = state
        form.add_error("otp", "That code is wrong or has expired.")
    return render(request, "dashboard/login_otp.html", {"form": form})


def _setup_device(request: HttpRequest, user: Any) -> TOTPDevice:
    device_id = request.session.get(SETUP_DEVICE_KEY)
    device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
    if device is None:
        device = totp_device_start(user=user)
        request.session[SETUP_DEVICE_KEY] = device.pk
    return device


@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Enroll an authenticator app: scan the QR code, confirm with a first code.

    Reached after the password by a member who has no device yet (first sign-in, or after a
    coordinator's reset), or by a signed-in, verified member replacing their phone.
    """
    pending = _pending(request)
    if pending is not None:
        state, user = pending
        if mfa_enrolled(user):  # a password alone never replaces an enrolled device
            return redirect("dashboard:login-otp")
    elif request.user.is_authenticated and is_verified(request.user):
        state, user = None, request.user
    else:
        return redirect("dashboard:login")
    device = _setup_device(request, user)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = totp_device_confirm(device=device, token=form.cleaned_data["otp"])
        except ApplicationError as exc:
            form.add_error("otp", exc.message)
        else:
            device.refresh_from_db()
            if state is not None:
                _complete(request, state, user, device)
            else:
                request.session.pop(SETUP_DEVICE_KEY, None)
                django_otp.login(request, device)
            return render(
                request,
                "dashboard/mfa_codes.html",
                {"codes": codes, "next": _safe_next(request, state["next"] if state else "")},
            )
    context = {
        "form": form,
        "qr_svg": totp_qr_svg(device),
        "secret": totp_secret(device),
        "issuer": settings.OTP_TOTP_ISSUER,
    }
    return render(request, "dashboard/mfa_setup.html", context)


def verified_required(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated or not is_verified(request.user):
        return redirect("dashboard:login")
    return None


@require_http_methods(["POST"])
def mfa_recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working), shown once."""
    if (refused := verified_required(request)) is not None:
        return refused
    codes = recovery_codes_issue(user=request.user)
    return render(
        request, "dashboard/mfa_codes.html", {"codes": codes, "next": reverse("dashboard:worklist")}
    )


@require_http_methods(["GET", "POST"])
def password_change_view(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("dashboard:login")
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except ApplicationError as exc:
            for field, errors in exc.fields.items():
                target = "new_password1" if field == "new_password" else field
                for error in errors:
                    form.add_error(target if target in form.fields else None, error)
        else:
            update_session_auth_hash(request, request.user)  # this session stays; others end
            messages.success(request, "Password changed. Other sessions have been signed out.")
            return redirect("dashboard:worklist")
    return render(request, "dashboard/password_change.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_reset_view(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password_reset_request(email=form.cleaned_data["email"])
        return render(request, "dashboard/password_reset_sent.html")
    return render(request, "dashboard/password_reset.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_reset_confirm_view(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    if password_reset_user(uidb64=uidb64, token=token) is None:
        return render(request, "dashboard/password_reset_confirm.html", {"invalid": True})
    form = PasswordResetSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_reset_confirm(
                uidb64=uidb64, token=token, new_password=form.cleaned_data["new_password1"]
            )
        except ApplicationError as exc:
            for error in exc.fields.get("new_password", [exc.message]):
                form.add_error("new_password1", error)
        else:
            messages.success(request, "Password changed. Please sign in.")
            return redirect("dashboard:login")
    return render(request, "dashboard/password_reset_confirm.html", {"form": form})


# --- coordinators: team members' sign-in security ----------------------------------------------


def _coordinated_members(coordinator: Any) -> list[dict[str, Any]]:
    """Members of the teams this user coordinates, with their MFA and failed sign-in state."""
    from axes.models import AccessAttempt
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from recovery.models import CareTeamMembership

    teams = CareTeamMembership.objects.filter(
        user=coordinator, role=CareTeamMembership.Role.COORDINATOR
    ).values("team")
    memberships = (
        CareTeamMembership.objects.filter(team__in=teams)
        .exclude(user=coordinator)
        .select_related("user", "team")
        .order_by("user__last_name", "user__username", "team__name")
    )
    members: dict[int, dict[str, Any]] = {}
    for membership in memberships:
        entry = members.setdefault(
            membership.user_id, {"user": membership.user, "teams": [], "mfa": False, "failures": 0}
        )
        entry["teams"].append(f"{membership.team.name} ({membership.role})")
    enrolled = set(
        TOTPDevice.objects.filter(user__in=members, confirmed=True).values_list("user", flat=True)
    )
    failures: dict[str, int] = {}
    usernames = [entry["user"].username for entry in members.values()]
    for attempt in AccessAttempt.objects.filter(username__in=usernames):
        count = attempt.failures_since_start
        failures[attempt.username] = failures.get(attempt.username, 0) + count
    for user_id, entry in members.items():
        entry["mfa"] = user_id in enrolled
        entry["failures"] = failures.get(entry["user"].username, 0)
    return list(members.values())


@require_http_methods(["GET"])
def team_security(request: HttpRequest) -> HttpResponse:
    """For coordinators: unlock a member's sign-in or reset their authenticator (both audited)."""
    members = _coordinated_members(request.user)
    return render(
        request, "dashboard/team_security.html", {"members": members, "nav": "team-security"}
    )


def _member_action(request: HttpRequest, user_id: int, action: Any, done: str) -> HttpResponse:
    from django.http import Http404

    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise Http404
    try:
        action(actor=request.user, user=user, request=request)
    except ApplicationError as exc:
        if exc.status_code == 404:
            raise Http404 from exc
        raise
    messages.success(request, done.format(name=user.get_full_name() or user.get_username()))
    return redirect("dashboard:team-security")


@require_http_methods(["POST"])
def team_member_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    from recovery.services.login_guard import clinician_unlock

    return _member_action(request, user_id, clinician_unlock, "{name} can sign in again.")


@require_http_methods(["POST"])
def team_member_mfa_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    from recovery.services.mfa import mfa_reset

    return _member_action(
        request, user_id, mfa_reset, "{name} will set up a new authenticator at the next sign-in."
    )
