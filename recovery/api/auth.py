"""Authentication for the mobile app and API clients (JWT), plus account activation."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from backend.exceptions import ApplicationError
from recovery.models import AccessEvent
from recovery.services.activation import patient_activate
from recovery.services.audit import access_event_record
from recovery.services.caregivers import caregiver_activate, is_caregiver_code
from recovery.services.tokens import refresh_token_reuse_detect


class TokenObtainApi(TokenObtainPairView):
    """Username and password in, access and refresh tokens out; lockout by django-axes.

    Axes marks a locked-out attempt on the request it is given, and its middleware turns
    the mark into a 429. The middleware sees Django's HttpRequest, not DRF's wrapper, so
    authentication must be handed the former.
    """

    def get_serializer_context(self) -> dict[str, object]:
        context = super().get_serializer_context()
        context["request"] = self.request._request
        return context


class ReuseDetectingRefreshSerializer(TokenRefreshSerializer):
    def validate(self, attrs: dict[str, str]) -> dict[str, str]:
        try:
            return super().validate(attrs)
        except TokenError:
            refresh_token_reuse_detect(attrs["refresh"])
            raise


class TokenRefreshApi(TokenRefreshView):
    """Rotates the refresh token; replaying a rotated-out token revokes the whole family."""

    serializer_class = ReuseDetectingRefreshSerializer


class LogoutInputSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class LogoutApi(APIView):
    """Revokes the refresh token (blacklist); the short-lived access token simply expires."""

    permission_classes = [AllowAny]
    InputSerializer = LogoutInputSerializer

    @extend_schema(request=InputSerializer, responses={205: None})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            RefreshToken(serializer.validated_data["refresh"]).blacklist()
        except TokenError as exc:
            raise ApplicationError(
                "Token is invalid or expired.",
                code="token_not_valid",
                fields={"refresh": ["Token is invalid or expired."]},
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
    throttle_classes = [ScopedRateThrottle]
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
                    "caregiver_link": serializers.UUIDField(required=False),
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
                request=request,
            )
            user = link.caregiver
            body = {
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
            body = {"role": "patient", "patient": str(patient.id)}
        refresh = RefreshToken.for_user(user)
        return Response(
            {**body, "access": str(refresh.access_token), "refresh": str(refresh)},
            status=status.HTTP_201_CREATED,
        )
