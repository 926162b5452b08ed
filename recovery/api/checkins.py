"""Patient check-ins (mobile): create (replay-safe), batch upload of an offline queue, list.

Replays: a POST whose `id` this patient already sent answers 200 with the original body and
creates nothing (a first POST answers 201). An `id` that belongs to another patient is a 409
that says nothing about that record.

Partial input: each answer is validated on its own. An invalid one is dropped and named in
`rejected` ({"field": ["message"]}); the rest is stored and triaged (201). Only a body that
cannot be read is a 400: not a JSON object, or no usable `id` or `recorded_at`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import application_error_body
from core.pagination import CreatedCursorPagination
from core.schema import ErrorSerializer
from core.throttles import RedisScopedRateThrottle
from recovery.api.permissions import IsPatient
from recovery.models import CheckIn, Flag, Patient
from recovery.models.checkins import (
    BOOLEAN_FIELDS,
    DRAINAGE_CHOICES,
    INTEGER_RANGES,
    LEG_SIDE_CHOICES,
    SYMPTOM_FIELDS,
    TEMPERATURE_C_RANGE,
)
from recovery.selectors import patient_for_user
from recovery.services.checkins import (
    BatchItemOutcome,
    CheckInResult,
    CheckInSubmission,
    checkin_submit,
    checkins_submit_batch,
)
from recovery.temperature import temperature_display

BATCH_LIMIT = 100
# Two readings of the same thermometer disagree by rounding only: allow 0.2 C.
TEMPERATURE_TOLERANCE_C = 0.2
TEMPERATURE_F_RANGE = (  # a pair, like the Celsius range
    round(TEMPERATURE_C_RANGE[0] * 9 / 5 + 32, 1),
    round(TEMPERATURE_C_RANGE[1] * 9 / 5 + 32, 1),
)


def fahrenheit_to_celsius(value: float) -> float:
    return (value - 32) * 5 / 9


class StrictBooleanField(serializers.BooleanField):
    """true, false or null only: "yes" or 1 from a buggy client must not become a symptom."""

    default_error_messages = {"invalid": _("Must be true, false or null.")}

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        self.fail("invalid")
        raise AssertionError  # unreachable: fail() raises


def _integer_field(name: str) -> serializers.IntegerField:
    low, high = INTEGER_RANGES[name]
    message = format_lazy(gettext("Enter a whole number from {low} to {high}."), low=low, high=high)
    return serializers.IntegerField(
        min_value=low,
        max_value=high,
        required=False,
        allow_null=True,
        error_messages={"invalid": message, "min_value": message, "max_value": message},
    )


def _temperature_field(low: float, high: float, unit: str) -> serializers.FloatField:
    message = format_lazy(
        gettext("Enter a temperature from {low} to {high} °{unit}."),
        low=f"{low:g}",
        high=f"{high:g}",
        unit=unit,
    )
    return serializers.FloatField(
        min_value=low,
        max_value=high,
        required=False,
        allow_null=True,
        error_messages={"invalid": message, "min_value": message, "max_value": message},
    )


class CheckInInputSerializer(serializers.Serializer):
    """The check-in contract (and its OpenAPI schema). `checkin_parse` validates a body with
    these fields one answer at a time, so one bad answer cannot sink the others."""

    id = serializers.UUIDField(error_messages={"invalid": _("Must be a UUID made by the app.")})
    recorded_at = serializers.DateTimeField()
    temperature_c = _temperature_field(*TEMPERATURE_C_RANGE, "C")
    temperature_f = _temperature_field(*TEMPERATURE_F_RANGE, "F")
    wound_drainage = serializers.ChoiceField(
        choices=DRAINAGE_CHOICES, required=False, allow_null=True
    )
    leg_symptom_side = serializers.ChoiceField(
        choices=LEG_SIDE_CHOICES,
        required=False,
        allow_null=True,
        help_text="Which leg the leg pain, numbness and weakness answers are about.",
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


@functools.lru_cache(maxsize=8)
def _input_fields(language: str | None) -> Mapping[str, serializers.Field]:
    return CheckInInputSerializer().fields


def checkin_input_fields() -> Mapping[str, serializers.Field]:
    """The input serializer's fields, built once per language (issue 23).

    Building them is most of a small body's validation time. They keep no request state,
    but their messages are translated when built: hence one set per active language.
    """
    return _input_fields(get_language())


# The fields that make a body readable; every other key is an answer, kept or dropped alone.
ENVELOPE_FIELDS = ("id", "recorded_at")
UNKNOWN_FIELD = _("Unknown field; check the field name.")
# `rejected` is stored with the check-in: only a few identifier-like unknown keys are named
# there, so free text sent as a key (a name, a sentence) is never kept. The rest are counted.
MAX_UNKNOWN_REPORTED = 20
FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
OTHER_KEYS = "non_field_errors"


def _messages(exc: ValidationError) -> list[str]:
    detail = exc.detail
    items = detail if isinstance(detail, list) else [detail]
    return [str(item) for item in items]


def _temperature_rejections(answers: dict[str, Any], rejected: dict[str, list[str]]) -> None:
    """Turn temperature_f into temperature_c; drop both readings if they disagree."""
    celsius = answers.get("temperature_c")
    fahrenheit = answers.pop("temperature_f", None)
    if fahrenheit is not None:
        converted = fahrenheit_to_celsius(fahrenheit)
        if celsius is not None and abs(converted - celsius) > TEMPERATURE_TOLERANCE_C:
            # Either may be the typo: triage on neither, and ask the patient again.
            message = gettext(
                "temperature_c (%(celsius)s °C) and temperature_f (%(fahrenheit)s °F is "
                "%(converted)s °C) disagree; send one of the two."
            ) % {
                "celsius": f"{celsius:g}",
                "fahrenheit": f"{fahrenheit:g}",
                "converted": f"{converted:.1f}",
            }
            rejected["temperature_c"] = [message]
            rejected["temperature_f"] = [message]
            del answers["temperature_c"]
            return
        if celsius is None:
            celsius = converted
    if celsius is not None:
        answers["temperature_c"] = round(celsius, 1)


def _fahrenheit_hint(value: Any) -> str | None:
    low, high = TEMPERATURE_F_RANGE
    if isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high:
        hint = gettext("%(value)s looks like °F: send it as temperature_f.")
        return hint % {"value": f"{value:g}"}
    return None


def checkin_parse(
    body: Any, *, fields: Mapping[str, serializers.Field] | None = None
) -> CheckInSubmission:
    """Read one check-in body answer by answer (see the module docstring).

    `fields` lets a batch build the serializer's fields once for all its items.
    """
    if not isinstance(body, Mapping):
        return CheckInSubmission(
            checkin_id=None,
            recorded_at=None,
            unreadable={"non_field_errors": [gettext("Send each check-in as a JSON object.")]},
        )
    fields = fields if fields is not None else checkin_input_fields()
    envelope: dict[str, Any] = {}
    answers: dict[str, Any] = {}
    rejected: dict[str, list[str]] = {}
    unreadable: dict[str, list[str]] = {}
    named = unnamed = 0
    for name, value in body.items():
        field = fields.get(name)
        if field is None:
            if named < MAX_UNKNOWN_REPORTED and FIELD_NAME.fullmatch(str(name)):
                rejected[name] = [str(UNKNOWN_FIELD)]  # stored with the check-in
                named += 1
            else:
                unnamed += 1
            continue
        try:
            validated = field.run_validation(value)
        except ValidationError as exc:
            messages = _messages(exc)
            if name in ENVELOPE_FIELDS:
                unreadable[name] = messages
            else:
                hint = _fahrenheit_hint(value) if name == "temperature_c" else None
                rejected[name] = [*messages, hint] if hint else messages
            continue
        (envelope if name in ENVELOPE_FIELDS else answers)[name] = validated
    for name in ENVELOPE_FIELDS:
        if name not in body:
            unreadable[name] = [gettext("This field is required.")]
    _temperature_rejections(answers, rejected)
    if unnamed:
        rejected[OTHER_KEYS] = [
            gettext("Ignored %(count)d more unknown key(s); check the field names.")
            % {"count": unnamed}
        ]
    return CheckInSubmission(
        checkin_id=envelope.get("id"),
        recorded_at=envelope.get("recorded_at"),
        answers=answers,
        rejected=rejected,
        unreadable=unreadable,
    )


class CheckInFlagOutputSerializer(serializers.Serializer):
    # The same FlagCategory and Severity enums as the care team's flag endpoints.
    id = serializers.UUIDField()
    category = serializers.ChoiceField(choices=Flag.Category.choices)
    severity = serializers.ChoiceField(choices=Flag.Severity.choices)
    advice = serializers.CharField()
    # issue 19: the language the advice was given in (check-ins stored before it: English).
    language = serializers.CharField(default="en")


class CheckInOutputSerializer(serializers.ModelSerializer):
    flags = CheckInFlagOutputSerializer(many=True, read_only=True)
    # issue 19: the reading as the patient reads it (their unit, their locale); the views pass
    # the unit in the context ("temperature_unit"), Celsius without one.
    temperature_display = serializers.SerializerMethodField(
        help_text=(
            "temperature_c in the patient's preferred unit and language, e.g. '37.2 °C', "
            "'99.0 °F' or '37,2 °C'; null without a reading. For display only."
        )
    )
    rejected = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        read_only=True,
        help_text=(
            "Answers dropped as invalid, with why ({} when none): the rest was stored and "
            "triaged; ask the patient these questions again."
        ),
    )

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "recorded_at",
            "received_at",
            "postop_day",
            *SYMPTOM_FIELDS,
            "temperature_display",
            "notes",
            "flags",
            "rejected",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_temperature_display(self, checkin: CheckIn) -> str | None:
        return temperature_display(checkin.temperature_c, self.context.get("temperature_unit", ""))


class CheckInCursorPagination(CreatedCursorPagination):
    ordering = ("-recorded_at", "-id")  # the patient's clock order, not arrival order


@functools.lru_cache(maxsize=16)
def _output_fields(context: tuple[tuple[str, str], ...]) -> list[tuple[str, serializers.Field]]:
    return list(CheckInOutputSerializer(context=dict(context)).fields.items())


def checkin_representation(
    checkin: CheckIn, *, context: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """`CheckInOutputSerializer(checkin, context=context).data`, without building the
    serializer for every response (issue 23).

    A ModelSerializer builds its ~50 fields from the model for every instance. The bound
    fields hold no request state (no translated output either), so they are built once per
    context (plain strings, e.g. a display unit, that method fields read from their parent
    serializer); the loop is DRF's Serializer.to_representation: the same body, the same schema.
    """
    body: dict[str, Any] = {}
    for name, field in _output_fields(tuple(sorted((context or {}).items()))):
        value = field.get_attribute(checkin)
        body[name] = None if value is None else field.to_representation(value)
    return body


def _output(result: CheckInResult, *, temperature_unit: str) -> tuple[int, dict[str, Any]]:
    code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
    context = {"temperature_unit": temperature_unit}
    return code, checkin_representation(result.checkin, context=context)


class _PatientMixin(APIView):
    # An APIView itself, so its attributes are typed like the views it is mixed into.
    permission_classes = [IsPatient]
    throttle_scope = "checkin"
    request: Request

    def get_throttles(self) -> list[Any]:
        # Writes are rate-limited per user; reading one's own history is not.
        # issue 23: DRF's scoped throttle, in one Redis round trip.
        return [RedisScopedRateThrottle()] if self.request.method == "POST" else []

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

    def get_serializer_context(self) -> dict[str, Any]:
        # The patient's preference row is already loaded (their language, IsPatient).
        return {
            **super().get_serializer_context(),
            "temperature_unit": self.patient().temperature_unit,
        }

    @extend_schema(
        request=CheckInInputSerializer,
        responses={
            201: CheckInOutputSerializer,
            200: CheckInOutputSerializer,
            400: ErrorSerializer,
            409: ErrorSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        patient = self.patient()
        result = checkin_submit(
            patient=patient, submission=checkin_parse(request.data), now=timezone.now()
        )
        code, body = _output(result, temperature_unit=patient.temperature_unit)
        return Response(body, status=code)


@extend_schema_field(CheckInInputSerializer)
class CheckInBatchItemField(serializers.JSONField):
    """Any JSON, read by `checkin_parse` item by item (one unreadable item is that item's 400,
    not the batch's); documented as the check-in input it should be."""


class CheckInBatchInputSerializer(serializers.Serializer):
    check_ins = serializers.ListField(
        child=CheckInBatchItemField(),
        min_length=1,
        max_length=BATCH_LIMIT,
        error_messages={
            "max_length": format_lazy(
                _("Send at most {limit} check-ins per batch."), limit=BATCH_LIMIT
            ),
            "min_length": _("Send at least one check-in."),
        },
    )


class CheckInBatchItemOutputSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The item's position in `check_ins`, from 0.")
    id = serializers.UUIDField(allow_null=True, help_text="null when the item had no usable id.")
    status = serializers.IntegerField(help_text="The status the item would have had alone.")
    # Exactly one of the two is present: the stored check-in, or why the item was refused.
    check_in = CheckInOutputSerializer(required=False, help_text="With status 200 or 201.")
    error = ErrorSerializer(required=False, help_text="With status 400 or 409.")


class CheckInBatchOutputSerializer(serializers.Serializer):
    results = CheckInBatchItemOutputSerializer(many=True, help_text="One per item, in order.")


def _batch_result(outcome: BatchItemOutcome, *, temperature_unit: str) -> dict[str, Any]:
    result: dict[str, Any] = {
        "index": outcome.index,
        "id": str(outcome.checkin_id) if outcome.checkin_id else None,
    }
    if outcome.error is not None:
        result.update(status=outcome.error.status_code, error=application_error_body(outcome.error))
    else:
        assert outcome.result is not None
        code, body = _output(outcome.result, temperature_unit=temperature_unit)
        result.update(status=code, check_in=body)
    return result


class CheckInBatchApi(_PatientMixin, APIView):
    """Up to 100 queued check-ins; each is applied on its own, like a single POST.

    Always 200 with one result per item, in the order sent: `status` is the HTTP status the
    item would have had alone (201, 200 for a replay, 400 for an unreadable item, 409), with
    `check_in` (its `rejected` naming any answer dropped) or `error`.
    """

    @extend_schema(
        request=CheckInBatchInputSerializer,
        responses={200: CheckInBatchOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = CheckInBatchInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = checkin_input_fields()
        items = [
            checkin_parse(item, fields=fields) for item in serializer.validated_data["check_ins"]
        ]
        patient = self.patient()
        outcomes = checkins_submit_batch(patient=patient, items=items, now=timezone.now())
        unit = patient.temperature_unit
        return Response(
            {"results": [_batch_result(outcome, temperature_unit=unit) for outcome in outcomes]},
            status=status.HTTP_200_OK,
        )
