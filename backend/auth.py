"""Authentication plumbing shared by the API and the dashboard: lockout response, JWT
deny-list, MFA-verified sessions, and client-address throttles."""

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import get_md5_hash_password


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """django-axes lockout: the common error shape for the API, a plain page for the browser."""
    from core.exceptions import error_body  # imports DRF's views, which import this module

    message = "Too many failed sign-in attempts. Try again later."
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(message, "locked_out"), status=429)
    return HttpResponse(message, status=429, content_type="text/plain")


# simplejwt's own messages, translated by its own catalogue: an alias that is not a gettext
# keyword keeps makemessages from listing them (untranslated) in ours.
jwt_text = gettext_lazy


class DenyListJWTAuthentication(JWTAuthentication):
    """simplejwt's bearer authentication, refusing tokens revoked by logout or reuse detection.

    A revoked access token's `jti`, or the `sid` of its sign-in, sits in the Redis deny-list
    (recovery.services.tokens) until the token would have expired anyway.
    """

    def get_validated_token(self, raw_token: bytes) -> Any:
        from recovery.services.tokens import token_is_denied

        token = super().get_validated_token(raw_token)
        if token_is_denied(token.payload):
            raise InvalidToken(
                {"detail": "Token has been revoked.", "code": "token_not_valid", "messages": []}
            )
        return token

    # issue 23: the user is still read on every request (deactivation and a changed password
    # take effect at once), but in one query with what a patient's request reads next: the
    # patient (IsPatient, every /me/ view) and the notification preference (the patient's time
    # zone). Unrelated users get two NULL outer joins. Names only: backend imports no app.
    USER_RELATED = ("patient", "notification_preference")

    def get_user(self, validated_token: Any) -> Any:
        """simplejwt's get_user (same checks, same errors), with the related rows joined."""
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as exc:
            raise InvalidToken(
                jwt_text("Token contained no recognizable user identification")  # type: ignore[arg-type]
            ) from exc
        users = self.user_model.objects.select_related(*self.USER_RELATED)
        try:
            user = users.get(**{api_settings.USER_ID_FIELD: user_id})
        except self.user_model.DoesNotExist as exc:
            raise AuthenticationFailed(jwt_text("User not found"), code="user_not_found") from exc
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(jwt_text("User is inactive"), code="user_inactive")
        if api_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            api_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed(
                jwt_text("The user's password has been changed."), code="password_changed"
            )
        return user


class VerifiedSessionAuthentication(SessionAuthentication):
    """A dashboard session reaches the API only once its second factor is verified.

    The dashboard signs a clinician in only after the code, so this is defence in depth against
    a session created some other way (e.g. the admin's login form).
    """

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        from recovery.services.mfa import mfa_required_for

        result = super().authenticate(request)
        if result is None:
            return None
        user = request._request.user
        if mfa_required_for(result[0]) and not getattr(user, "is_verified", lambda: False)():
            return None
        return result
