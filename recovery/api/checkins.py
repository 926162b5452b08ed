"""Patient check-ins (mobile): create (replay-safe), batch upload of an offline queue, list.

Replays: a POST whose `id` this patient already sent answers 200 with the original body and
creates nothing (a first POST answers 201). An `id` that belongs to another patient is a 409
that says nothing about that record.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from core.exceptions import ApplicationError, error_body
from core.pagination import CreatedCursorPagination
from core.schema import ErrorSerializer
from recovery.api.permissions import IsPatient
from recovery.models import CheckIn, Patient
from recovery.models.checkins import (
    BOOLEAN_FIELDS,
    DRAINAGE_CHOICES,
    INTEGER_RANGES,
    SYMPTOM_FIELDS,
    TEMPERATURE_C_RANGE,
)
from recovery.selectors import patient_for_user
from recovery.services.checkins import checkin_create, checkin_get_for_replay

BATCH_LIMIT = 100
# Two readings of the same thermometer disagree by rounding only: allow 0.2 C.
TEMPERATURE_TOLERANCE_C = 0.2
TEMPERATURE_F_RANGE = tuple(round(c * 9 / 5 + 32, 1) for c in TEMPERATURE_C_RANGE)


def fahrenheit_to_celsius(value: float) -> float:
    return (value - 32) * 5 / 9


class StrictBooleanField(serializers.BooleanField):
    """true, false or null only: "yes" or 1 from a buggy client must not become a symptom."""

    default_error_messages = {"invalid": "Must be true, false or null."}

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        self.fail("invalid")
        raise AssertionError  # unreachable: fail() raises


def _integer_field(name: str) -> serializers.IntegerField:
    low, high = INTEGER_RANGES[name]
    message = f"Enter a whole number from {low} to {high}."
    return serializers.IntegerField(
        min_value=low,
        max_value=high,
        required=False,
        allow_null=True,
        error_messages={"invalid": message, "min_value": message, "max_value": message},
    )


def _temperature_field(low: float, high: float, unit: str) -> serializers.FloatField:
    message = f"Enter a temperature from {low:g} to {high:g} °{unit}."
    return serializers.FloatField(
        min_value=low,
        max_value=high,
        required=False,
        allow_null=True,
        error_messages={"invalid": message, "min_value": message, "max_value": message},
    )


class CheckInInputSerializer(serializers.Serializer):
    id = serializers.UUIDField(error_messages={"invalid": "Must be a UUID made by the app."})
    recorded_at = serializers.DateTimeField()
    temperature_c = _temperature_field(*TEMPERATURE_C_RANGE, "C")
    temperature_f = _temperature_field(*TEMPERATURE_F_RANGE, "F")
    wound_drainage = serializers.ChoiceField(
        choices=DRAINAGE_CHOICES, required=False, allow_null=True
    )
    notes = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", trim_whitespace=True
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for name in INTEGER_RANGES:
            fields[name] = _integer_field(name)
        for name in BOOLEAN_FIELDS:
            fields[name] = StrictBooleanField(required=False, allow_null=True)
        return fields

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise ValidationError(
                    {name: ["Unknown field; check the field name."] for name in unknown}
                )
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        celsius = attrs.get("temperature_c")
        fahrenheit = attrs.pop("temperature_f", None)
        if fahrenheit is not None:
            converted = fahrenheit_to_celsius(fahrenheit)
            if celsius is not None and abs(converted - celsius) > TEMPERATURE_TOLERANCE_C:
                raise ValidationError(
                    {
                        "temperature_f": [
                            f"Does not match temperature_c ({fahrenheit:g} °F is "
                            f"{converted:.1f} °C); send one of the two."
                        ]
                    }
                )
            if celsius is None:
                celsius = converted
        if celsius is not None:
            attrs["temperature_c"] = round(celsius, 1)
        return attrs


class CheckInFlagOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    category = serializers.CharField()
    severity = serializers.CharField()
    advice = serializers.CharField()


class CheckInOutputSerializer(serializers.ModelSerializer):
    flags = CheckInFlagOutputSerializer(many=True, read_only=True)

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "recorded_at",
            "received_at",
            "postop_day",
            *SYMPTOM_FIELDS,
            "notes",
            "flags",
        ]


class CheckInCursorPagination(CreatedCursorPagination):
    ordering = ("-recorded_at", "-id")  # the patient's clock order, not arrival order


def _parse_id(item: Any) -> UUID | None:
    try:
        return UUID(str(item["id"]))
    except (KeyError, TypeError, ValueError):
        return None


def checkin_submit(*, patient: Patient, item: Any) -> tuple[int, dict[str, Any]]:
    """Apply one check-in body; returns (HTTP status, response body) or raises a 4xx."""
    serializer = CheckInInputSerializer(data=item)
    if not serializer.is_valid():
        # A replay answers from the stored row even if the retried body no longer validates.
        # (A valid body's replay is answered by checkin_create, under the patient lock.)
        checkin_id = _parse_id(item)
        existing = checkin_id and checkin_get_for_replay(patient=patient, checkin_id=checkin_id)
        if existing:
            return status.HTTP_200_OK, CheckInOutputSerializer(existing).data
        raise ValidationError(serializer.errors)
    data = dict(serializer.validated_data)
    result = checkin_create(
        patient=patient, checkin_id=data.pop("id"), data=data, now=timezone.now()
    )
    code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
    return code, CheckInOutputSerializer(result.checkin).data


class _PatientMixin:
    permission_classes = [IsPatient]
    throttle_scope = "checkin"
    request: Request

    def get_throttles(self) -> list[Any]:
        # Writes are rate-limited per user; reading one's own history is not.
        return [ScopedRateThrottle()] if self.request.method == "POST" else []

    def patient(self) -> Patient:
        patient = patient_for_user(self.request.user)
        assert patient is not None  # IsPatient ran first
        return patient


class CheckInListCreateApi(_PatientMixin, ListAPIView):
    """GET: the caller's own check-ins, newest first. POST: one check-in (201; replay 200)."""

    serializer_class = CheckInOutputSerializer
    pagination_class = CheckInCursorPagination

    def get_queryset(self) -> QuerySet[CheckIn]:
        return CheckIn.objects.filter(patient=self.patient())

    @extend_schema(
        request=CheckInInputSerializer,
        responses={
            201: CheckInOutputSerializer,
            200: CheckInOutputSerializer,
            409: ErrorSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        code, body = checkin_submit(patient=self.patient(), item=request.data)
        return Response(body, status=code)


class CheckInBatchInputSerializer(serializers.Serializer):
    check_ins = serializers.ListField(
        child=serializers.JSONField(),
        min_length=1,
        max_length=BATCH_LIMIT,
        error_messages={
            "max_length": f"Send at most {BATCH_LIMIT} check-ins per batch.",
            "min_length": "Send at least one check-in.",
        },
    )


def _sort_key(item: Any) -> tuple[int, Any]:
    # Oldest first, so each check-in is triaged against the ones recorded before it.
    try:
        return (0, serializers.DateTimeField().to_internal_value(item["recorded_at"]))
    except (KeyError, TypeError, ValidationError):
        return (1, None)


class CheckInBatchApi(_PatientMixin, APIView):
    """Up to 100 queued check-ins; each is applied on its own, like a single POST.

    Always 200 with one result per item, in the order sent: `status` is the HTTP status the
    item would have had alone (201, 200 for a replay, 400, 409), with `check_in` or `error`.
    """

    @extend_schema(
        request=CheckInBatchInputSerializer,
        responses={
            200: inline_serializer(
                "CheckInBatchOutput",
                {
                    "results": serializers.ListField(
                        child=inline_serializer(
                            "CheckInBatchItemOutput",
                            {
                                "index": serializers.IntegerField(),
                                "id": serializers.CharField(allow_null=True),
                                "status": serializers.IntegerField(),
                                "check_in": CheckInOutputSerializer(required=False),
                                "error": serializers.DictField(required=False),
                            },
                        )
                    )
                },
            )
        },
    )
    def post(self, request: Request) -> Response:
        serializer = CheckInBatchInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        items = serializer.validated_data["check_ins"]
        patient = self.patient()
        results: list[dict[str, Any]] = [{} for _ in items]
        order = sorted(range(len(items)), key=lambda index: _sort_key(items[index]))
        for index in order:
            item = items[index]
            item_id = _parse_id(item)
            result: dict[str, Any] = {"index": index, "id": str(item_id) if item_id else None}
            try:
                code, body = checkin_submit(patient=patient, item=item)
                result.update(status=code, check_in=body)
            except ValidationError as exc:
                detail = exc.detail
                if not isinstance(detail, dict):
                    detail = {"non_field_errors": detail}
                result.update(
                    status=status.HTTP_400_BAD_REQUEST,
                    error=error_body("Invalid input.", "invalid", detail),
                )
            except ApplicationError as exc:
                result.update(
                    status=exc.status_code, error=error_body(exc.message, exc.code, exc.fields)
                )
            results[index] = result
        return Response({"results": results}, status=status.HTTP_200_OK)
