"""Automatic logoff for signed-in browser sessions (HIPAA §164.312(a)(2)(iii)).

A session ends after DASHBOARD_IDLE_MINUTES without user action, and in any case
DASHBOARD_SESSION_MAX_HOURS after sign-in. The server decides; dashboard.js only warns a minute
ahead and offers "Stay signed in" (a POST to the keep-alive view, which counts as action).

Requests that are not user action do not extend the session: the worklist's 30-second refresh
(`dashboard:worklist-live`, fetched by dashboard.js) and any view listed in
DASHBOARD_IDLE_PASSIVE_VIEWS. Activity is written to the session at most every
ACTIVITY_WRITE_SECONDS, so an ordinary page view does not cost a session UPDATE.
Sessions only: API clients with bearer tokens have short-lived tokens instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.exceptions import error_body

LOGIN_AT = "session_login_at"
LAST_ACTIVITY = "session_last_activity"
ACTIVITY_WRITE_SECONDS = 15
PASSIVE_VIEWS = frozenset({"dashboard:worklist-live"})


def idle_seconds() -> int:
    return 60 * int(getattr(settings, "DASHBOARD_IDLE_MINUTES", 15))


def max_age_seconds() -> int:
    return 3600 * int(getattr(settings, "DASHBOARD_SESSION_MAX_HOURS", 12))


def _now() -> float:
    return timezone.now().timestamp()


@receiver(user_logged_in, dispatch_uid="backend.session_idle.stamp_login")
def stamp_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = _now()
        request.session[LOGIN_AT] = now
        request.session[LAST_ACTIVITY] = now


def _passive(request: HttpRequest) -> bool:
    match = request.resolver_match
    passive = PASSIVE_VIEWS | set(getattr(settings, "DASHBOARD_IDLE_PASSIVE_VIEWS", ()))
    return bool(match and match.view_name in passive)


def expiry_reason(session: Any, now: float) -> str | None:
    """Why this signed-in session is over, or None while it is still good."""
    login_at = session.get(LOGIN_AT)
    last = session.get(LAST_ACTIVITY)
    if login_at is None or last is None:
        return None  # signed in before this policy existed: stamped on this request
    if now - float(login_at) >= max_age_seconds():
        return "max_age"
    if now - float(last) >= idle_seconds():
        return "idle"
    return None


def _signed_out_response(request: HttpRequest, reason: str) -> HttpResponse:
    text = (
        "You were signed out after a period without activity."
        if reason == "idle"
        else "You were signed out: sessions last at most "
        f"{getattr(settings, 'DASHBOARD_SESSION_MAX_HOURS', 12)} hours."
    )
    if request.path.startswith("/api/") or request.headers.get("X-Requested-With") == "fetch":
        return JsonResponse(error_body(text, "session_expired"), status=401)
    messages.info(request, text)
    return redirect_to_login(request.get_full_path())


class SessionIdleMiddleware:
    """Ends idle and over-age sessions; place after the auth and message middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        session = getattr(request, "session", None)
        if session is None or SESSION_KEY not in session:
            return None
        now = _now()
        reason = expiry_reason(session, now)
        if reason:
            logout(request)
            return _signed_out_response(request, reason)
        if session.get(LOGIN_AT) is None:
            session[LOGIN_AT] = now
        last = session.get(LAST_ACTIVITY)
        # A passive request never moves the clock, except to stamp a session that has none.
        if last is None or (not _passive(request) and now - float(last) >= ACTIVITY_WRITE_SECONDS):
            session[LAST_ACTIVITY] = now
        # For the page's warning (base.html): seconds left at render time.
        request.session_idle = {  # type: ignore[attr-defined]
            "idle_seconds": idle_seconds(),
            "warn_seconds": 60,
        }
        return None


@require_POST
def keepalive(request: HttpRequest) -> JsonResponse:
    """ "Stay signed in": a deliberate action, so it always counts as activity."""
    if SESSION_KEY not in request.session:
        return JsonResponse(error_body("Not signed in.", "not_authenticated"), status=401)
    request.session[LAST_ACTIVITY] = _now()
    return JsonResponse({"idle_seconds": idle_seconds()})
