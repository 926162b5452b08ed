"""Authentication for the mobile app and API clients (JWT), activation and passwords.

Sign-in order for the token endpoint: the address/username limits (recovery.services.
login_guard), then username and password (django-axes counts the failure), then the second
factor for whoever needs one (`otp`: 401 mfa_required or mfa_invalid), then the tokens.
"""

from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenObtainSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from core.client_ip import client_ip
from core.exceptions import ApplicationError, error_body
from core.throttles import AuthAddressThrottle, AuthGlobalThrottle, ClientAddressScopedThrottle
from recovery.api.permissions import IsClinician
from recovery.models import AccessEvent
from recovery.services.activation import patient_activate
from recovery.services.audit import access_event_record
from recovery.services.caregivers import caregiver_activate, is_caregiver_code
from recovery.services.login_guard import (
    LoginRefused,
    clinician_unlock,
    login_attempt_check,
    login_failure_record,
    login_success_record,
)
from recovery.services.mfa import mfa_reset, otp_check
from recovery.services.passwords import (
    password_change,
    password_reset_confirm,
    password_reset_request,
)
from recovery.services.tokens import (
    SID_CLAIM,
    SessionRefreshToken,
    refresh_token_reuse_detect,
    session_logout,
)

AUTH_THROTTLES = [AuthAddressThrottle, AuthGlobalThrottle]


def _refused(exc: LoginRefused) -> Response:
    response = Response(error_body(exc.message, exc.code), status=exc.status_code)
    response["Retry-After"] = str(exc.retry_after)
    return response


class TokenObtainInputSerializer(TokenObtainSerializer):
    token_class = SessionRefreshToken

    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text="Code from the authenticator app, or a recovery code (clinicians and staff).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        super().validate(attrs)  # authenticates (axes counts failures) and sets self.user
        user = self.user
        assert user is not None  # super().validate() raised AuthenticationFailed otherwise
        otp_check(user=user, token=attrs.get("otp"))
        # get_token is token_class.for_user(): a SessionRefreshToken, typed as the base Token.
        refresh = cast(SessionRefreshToken, self.get_token(user))
        return {"refresh": str(refresh), "access": str(refresh.access_token)}


class TokenObtainOutputSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class TokenObtainApi(TokenObtainPairView):
    """Username, password (and `otp` for clinicians and staff) in; access and refresh out.

    Axes marks a locked-out attempt on the request it is given, and its middleware turns
    the mark into a 429. The middleware sees Django's HttpRequest, not DRF's wrapper, so
    authentication must be handed the former.
    """

    serializer_class = TokenObtainInputSerializer
    throttle_classes = AUTH_THROTTLES

    def get_serializer_context(self) -> dict[str, object]:
        context = super().get_serializer_context()
        context["request"] = self.request._request
        return context

    @extend_schema(responses={200: TokenObtainOutputSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = request.data if isinstance(request.data, dict) else {}  # the serializer says 400
        username = str(data.get("username", ""))[:150]
        address = client_ip(request._request)
        try:
            login_attempt_check(request=request._request, username=username, address=address)
        except LoginRefused as exc:
            return _refused(exc)
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except (AuthenticationFailed, ApplicationError) as exc:
            if isinstance(exc, AuthenticationFailed) or exc.code == "mfa_invalid":
                login_failure_record(username=username, address=address)
            raise
        # What a session login does: django-axes resets this pair's failures, last_login is set.
        # get_serializer() is typed as BaseSerializer; serializer_class is the one above.
        user = cast(TokenObtainInputSerializer, serializer).user
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        login_success_record(username=username)
        return Response(serializer.validated_data, status=status.HTTP_200_OK)


class ReuseDetectingRefreshSerializer(TokenRefreshSerializer):
    token_class = SessionRefreshToken

    def validate(self, attrs: dict[str, str]) -> dict[str, str]:
        try:
            return super().validate(attrs)
        except TokenError:
            refresh_token_reuse_detect(attrs["refresh"])
            raise


class TokenRefreshApi(TokenRefreshView):
    """Rotates the refresh token; replaying a rotated-out token revokes the whole family.

    A refresh token never outlives 30 days (JWT_REFRESH_ABSOLUTE_DAYS) from its sign-in.
    """

    serializer_class = ReuseDetectingRefreshSerializer
    throttle_classes = AUTH_THROTTLES


class LogoutInputSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class LogoutApi(APIView):
    """Revokes the refresh token (blacklist) and, at once, the access tokens of its sign-in."""

    permission_classes = [AllowAny]
    InputSerializer = LogoutInputSerializer

    @extend_schema(request=InputSerializer, responses={205: None})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        access_payload = getattr(request.auth, "payload", None)
        try:
            session_logout(
                refresh=serializer.validated_data["refresh"], access_payload=access_payload
            )
        except TokenError as exc:
            raise ApplicationError(
                gettext("Token is invalid or expired."),
                code="token_not_valid",
                fields={"refresh": [gettext("Token is invalid or expired.")]},
            ) from exc
        return Response(status=status.HTTP_205_RESET_CONTENT)


class ActivationInputSerializer(serializers.Serializer):
    activation_code = serializers.CharField(max_length=32)
    username = serializers.RegexField(
        r"^[\w.@+-]{3,150}$",
        error_messages={"invalid": "3-150 letters, digits and @/./+/-/_ only."},
    )
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class ActivateApi(APIView):
    """The patient claims the account the care team created, with the one-time code; or a
    caregiver signs up with the patient's invitation code (the code tells which)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    # Per real client address (core.client_ip), never a raw X-Forwarded-For.
    throttle_classes = [ClientAddressScopedThrottle]
    throttle_scope = "activation"

    InputSerializer = ActivationInputSerializer

    @extend_schema(
        request=InputSerializer,
        responses={
            201: inline_serializer(
                "ActivationOutput",
                {
                    "role": serializers.ChoiceField(choices=["patient", "caregiver"]),
                    "patient": serializers.UUIDField(
                        help_text="The patient's own id, or the patient a caregiver now helps."
                    ),
                    "caregiver_link": serializers.UUIDField(
                        allow_null=True, help_text="The caregiver's link; null for a patient."
                    ),
                    "access": serializers.CharField(),
                    "refresh": serializers.CharField(),
                },
            )
        },
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # The code tells the role: a caregiver invitation signs up a new caregiver account.
        if is_caregiver_code(data["activation_code"]):
            link = caregiver_activate(
                code=data["activation_code"],
                username=data["username"],
                password=data["password"],
                now=timezone.now(),
            )
            access_event_record(
                actor=link.caregiver,
                actor_kind=AccessEvent.ActorKind.CAREGIVER,
                patient=link.patient,
                action=AccessEvent.Action.CREATE,
                object_type="caregiver_acceptance",
                object_id=link.id,
                request=request._request,
            )
            user = link.caregiver
            body: dict[str, str | None] = {
                "role": "caregiver",
                "patient": str(link.patient_id),
                "caregiver_link": str(link.id),
            }
        else:
            patient = patient_activate(
                code=data["activation_code"],
                username=data["username"],
                password=data["password"],
            )
            user = patient.user
            body = {"role": "patient", "patient": str(patient.id), "caregiver_link": None}
        refresh = SessionRefreshToken.for_user(user)
        return Response(
            {**body, "access": str(refresh.access_token), "refresh": str(refresh)},
            status=status.HTTP_201_CREATED,
        )


class PasswordChangeInputSerializer(serializers.Serializer):
    old_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class PasswordChangeApi(APIView):
    """Change my password; every other session and token of mine stops working."""

    permission_classes = [IsAuthenticated]
    InputSerializer = PasswordChangeInputSerializer

    @extend_schema(request=InputSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payload = getattr(request.auth, "payload", None) or {}
        password_change(
            user=request.user,
            old_password=serializer.validated_data["old_password"],
            new_password=serializer.validated_data["new_password"],
            keep_sid=payload.get(SID_CLAIM),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetApi(APIView):
    """Email a single-use reset link; the answer never says whether the account exists."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [ClientAddressScopedThrottle]
    throttle_scope = "password_reset"
    InputSerializer = PasswordResetInputSerializer

    @extend_schema(
        request=InputSerializer,
        responses={
            202: inline_serializer("PasswordResetOutput", {"detail": serializers.CharField()})
        },
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        password_reset_request(email=serializer.validated_data["email"])
        return Response(
            {"detail": gettext("If an account uses this address, we have sent it a reset link.")},
            status=status.HTTP_202_ACCEPTED,
        )


class PasswordResetConfirmInputSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class PasswordResetConfirmApi(APIView):
    """Set a new password with the link's uid and token (works once, for 1 hour)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [ClientAddressScopedThrottle]
    throttle_scope = "password_reset"
    InputSerializer = PasswordResetConfirmInputSerializer

    @extend_schema(request=InputSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        password_reset_confirm(
            uidb64=serializer.validated_data["uid"],
            token=serializer.validated_data["token"],
            new_password=serializer.validated_data["new_password"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class TeamMemberUnlockApi(APIView):
    """A coordinator clears a team member's failed sign-ins (audited); others get 404."""

    permission_classes = [IsClinician]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, user_id: int) -> Response:
        clinician_unlock(actor=request.user, user=_member(user_id), request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TeamMemberMfaResetApi(APIView):
    """A coordinator removes a team member's MFA devices so they enroll again (audited)."""

    permission_classes = [IsClinician]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, user_id: int) -> Response:
        mfa_reset(actor=request.user, user=_member(user_id), request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _member(user_id: int) -> Any:
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise ApplicationError(gettext("Not found."), code="not_found", status_code=404)
    return user
