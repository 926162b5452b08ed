"""Questionnaires and outcomes: patient (mobile) endpoints, care-team numbers, cohort table.

Scores always come from the server (recovery.instruments); a client `score` is ignored.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import renderers, serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from recovery import instruments
from recovery.api.permissions import IsClinician, IsPatient, caller
from recovery.api.questionnaires import questionnaire_response_schema, questionnaire_submit_schema
from recovery.models import AccessEvent, Patient, QuestionnaireResponse, Surgery
from recovery.selectors import cohort
from recovery.selectors.outcomes import patient_outcomes
from recovery.services.audit import access_event_record, patient_access_for_clinician
from recovery.services.outcomes import NO_BASELINE, MeasureOutcome
from recovery.services.questionnaires import (
    instrument_wording,
    questionnaire_submit,
    questionnaires_due,
)

# --- serializers -----------------------------------------------------------------------------


class QuestionnaireSubmitInputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    instrument = serializers.CharField(max_length=32)
    timepoint = serializers.ChoiceField(choices=QuestionnaireResponse.Timepoint.choices)
    # Shape depends on the instrument (odi: list of 10; nrs_pain: {"back", "leg"}); the
    # instrument package validates each item and names it in the error path.
    answers = serializers.JSONField(allow_null=True)


class QuestionnaireResponseOutputSerializer(serializers.ModelSerializer):
    score = serializers.FloatField(allow_null=True)
    scores = serializers.DictField(
        child=serializers.FloatField(), help_text='Every score by key, e.g. {"back": 6, "leg": 3}.'
    )
    reason = serializers.SerializerMethodField()

    class Meta:
        model = QuestionnaireResponse
        fields = [
            "id",
            "instrument",
            "instrument_version",
            "definition_version",
            "timepoint",
            "answers",
            "score",
            "scores",
            "valid",
            "reason",
            "details",
            "submitted_at",
            "created_at",
        ]

    def get_reason(self, response: QuestionnaireResponse) -> str | None:
        return response.details.get("reason")


class QuestionnaireItemOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    min = serializers.IntegerField()
    max = serializers.IntegerField()
    skippable = serializers.BooleanField()
    prompt = serializers.CharField(
        allow_null=True,
        help_text="The licensed question text, or null when the deployment has not installed "
        "it (the ODI wording is never shipped): show `title`; GET "
        "/api/v1/me/questionnaires/{instrument}/ gives the placeholders.",
    )
    options = serializers.DictField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="Option text keyed by answer value; null when the wording is not installed.",
    )


class QuestionnaireDueOutputSerializer(serializers.Serializer):
    instrument = serializers.CharField()
    instrument_name = serializers.CharField()
    answer_format = serializers.CharField()
    timepoint = serializers.CharField()
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()
    overdue = serializers.BooleanField()
    items = QuestionnaireItemOutputSerializer(many=True)


class OutcomeFollowUpOutputSerializer(serializers.Serializer):
    timepoint = serializers.CharField()
    score = serializers.FloatField()
    change = serializers.FloatField(allow_null=True)
    percent_change = serializers.FloatField(allow_null=True)
    improvement = serializers.FloatField(allow_null=True)
    mcid_reached = serializers.BooleanField(allow_null=True)
    scb_reached = serializers.BooleanField(allow_null=True)
    worse_than_baseline = serializers.BooleanField(allow_null=True)
    mcid_attainable = serializers.BooleanField(allow_null=True)
    summary = serializers.CharField()


class OutcomeMeasureOutputSerializer(serializers.Serializer):
    measure = serializers.CharField()
    # A field named `label` shadows Field.label in the stubs; DRF reads declared fields.
    label = serializers.CharField()  # type: ignore[assignment]
    instrument = serializers.CharField()
    baseline = serializers.FloatField(allow_null=True)
    follow_ups = OutcomeFollowUpOutputSerializer(many=True)


class MyOutcomeFollowUpOutputSerializer(serializers.Serializer):
    timepoint = serializers.CharField()
    score = serializers.FloatField()
    summary = serializers.CharField()


class MyOutcomeMeasureOutputSerializer(serializers.Serializer):
    measure = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # as above
    baseline = serializers.FloatField(allow_null=True)
    follow_ups = MyOutcomeFollowUpOutputSerializer(many=True)


class CohortCountOutputSerializer(serializers.Serializer):
    n = serializers.IntegerField(allow_null=True)
    suppressed = serializers.BooleanField()


class CohortShareOutputSerializer(serializers.Serializer):
    n = serializers.IntegerField(allow_null=True, help_text="Denominator.")
    share = serializers.FloatField(allow_null=True, help_text="0 to 1.")
    suppressed = serializers.BooleanField()


class CohortScoreOutputSerializer(serializers.Serializer):
    n = serializers.IntegerField(allow_null=True)
    median = serializers.FloatField(allow_null=True)
    p25 = serializers.FloatField(allow_null=True)
    p75 = serializers.FloatField(allow_null=True)
    suppressed = serializers.BooleanField()


class CohortMeasureOutputSerializer(serializers.Serializer):
    score = CohortScoreOutputSerializer()
    mcid = CohortShareOutputSerializer(required=False, help_text="Follow-ups only.")
    scb = CohortShareOutputSerializer(required=False, help_text="Measures with an SCB only.")
    pain_reduction = serializers.DictField(
        child=CohortShareOutputSerializer(),
        required=False,
        help_text="Pain measures at follow-ups: at_least_50, at_least_80.",
    )


class CohortTimepointOutputSerializer(serializers.Serializer):
    timepoint = serializers.ChoiceField(choices=QuestionnaireResponse.Timepoint.choices)
    eligible = CohortCountOutputSerializer(help_text="Patients whose window has opened.")
    responded = CohortCountOutputSerializer()
    completion_rate = CohortShareOutputSerializer()
    fusion = CohortShareOutputSerializer(
        required=False,
        help_text="Follow-ups: solid fusion on imaging (or the fusion milestone achieved) by the "
        "target day, among patients past it.",
    )
    measures = serializers.DictField(
        child=CohortMeasureOutputSerializer(), help_text="Keyed by measure: odi, nrs_back, ..."
    )


class CohortFlagCountOutputSerializer(serializers.Serializer):
    patients = serializers.IntegerField(allow_null=True)
    flags = serializers.IntegerField(allow_null=True)
    suppressed = serializers.BooleanField()


class CohortOutcomesOutputSerializer(serializers.Serializer):
    today = serializers.DateField()
    min_cell = serializers.IntegerField()
    thresholds_version = serializers.IntegerField()
    schedule_version = serializers.IntegerField()
    patients = CohortCountOutputSerializer()
    complications = serializers.DictField(
        child=CohortFlagCountOutputSerializer(),
        help_text="Resolved flags by category since the surgery (not 'no problem').",
    )
    revisions = CohortFlagCountOutputSerializer(
        help_text="Resolved flags whose outcome was a reoperation."
    )
    timepoints = CohortTimepointOutputSerializer(many=True)


class CohortFilterInputSerializer(serializers.Serializer):
    approach = serializers.ChoiceField(choices=Surgery.Approach.choices, required=False)
    technique = serializers.ChoiceField(choices=Surgery.Technique.choices, required=False)
    indication = serializers.ChoiceField(choices=Surgery.Indication.choices, required=False)
    age_band = serializers.ChoiceField(choices=list(cohort.AGE_BANDS), required=False)
    smoking_status = serializers.ChoiceField(choices=Patient.SmokingStatus.choices, required=False)
    bone_quality = serializers.ChoiceField(choices=Patient.BoneQuality.choices, required=False)
    surgery_from = serializers.DateField(required=False)
    surgery_to = serializers.DateField(required=False)

    def to_internal_value(self, data: Any) -> Any:
        band = data.get("age_band")
        if isinstance(band, str) and band.strip() == "75":
            # An unencoded "+" in a query string arrives as a space: "75+" -> "75 ".
            data = {**data.dict(), "age_band": "75+"} if hasattr(data, "dict") else data
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("surgery_from"), attrs.get("surgery_to")
        if start and end and start > end:
            raise serializers.ValidationError(
                {"surgery_to": ["The end of the range must not be before its start."]}
            )
        return attrs


# --- patient ----------------------------------------------------------------------------------


def _items(code: str) -> list[dict[str, Any]]:
    definition = instruments.get_instrument(code)
    wording = instrument_wording(code)
    items = []
    for item in definition.items:
        text = wording.items.get(item.key) if wording else None
        items.append(
            {
                "key": item.key,
                "title": item.title,
                "min": item.min,
                "max": item.max,
                "skippable": item.skippable,
                "prompt": text.prompt if text else None,
                "options": {str(k): v for k, v in text.options.items()} if text else None,
            }
        )
    return items


class MyQuestionnairesDueApi(APIView):
    """Questionnaires whose window is open today on the patient's calendar (and missed ones).

    `items` carries the licensed wording only when the deployment installed it
    (settings.INSTRUMENT_WORDING_DIR); otherwise prompt and options are null.
    """

    permission_classes = [IsPatient]

    @extend_schema(
        responses=inline_serializer(
            "QuestionnairesDueOutput",
            {
                "today": serializers.DateField(),
                "results": QuestionnaireDueOutputSerializer(many=True),
            },
        )
    )
    def get(self, request: Request) -> Response:
        patient = caller(request).patient
        now = timezone.now()
        due = questionnaires_due(patient=patient, now=now)
        items_by_code = {code: _items(code) for code in {d.instrument for d in due}}
        results = [
            {
                "instrument": d.instrument,
                "instrument_name": instruments.get_instrument(d.instrument).name,
                "answer_format": instruments.get_instrument(d.instrument).answer_format,
                "timepoint": d.timepoint,
                "opens_on": d.opens_on,
                "closes_on": d.closes_on,
                "overdue": d.overdue,
                "items": items_by_code[d.instrument],
            }
            for d in due
        ]
        return Response(
            {
                "today": patient.local_date(now).isoformat(),
                "results": QuestionnaireDueOutputSerializer(results, many=True).data,
            }
        )


# Listed responses document as the per-instrument variants (answers typed by `instrument`).
_RESPONSE_LIST_SCHEMA = extend_schema_view(
    get=extend_schema(
        responses=questionnaire_response_schema(QuestionnaireResponseOutputSerializer, many=True)
    )
)


@_RESPONSE_LIST_SCHEMA
class MyQuestionnaireListCreateApi(ListAPIView):
    """GET: the patient's own answers, newest first. POST: submit one questionnaire.

    POST is idempotent on `id`: a replay returns the stored response with 200; a second
    submission for an answered timepoint is refused with 409 (`already_submitted`).
    """

    permission_classes = [IsPatient]
    serializer_class = QuestionnaireResponseOutputSerializer

    def get_queryset(self) -> Any:
        return QuestionnaireResponse.objects.filter(patient__user=caller(self.request))

    @extend_schema(
        request=questionnaire_submit_schema(),
        responses={
            201: questionnaire_response_schema(QuestionnaireResponseOutputSerializer),
            200: questionnaire_response_schema(QuestionnaireResponseOutputSerializer),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = QuestionnaireSubmitInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        submission = questionnaire_submit(
            patient=caller(request).patient,
            response_id=data["id"],
            instrument=data["instrument"],
            timepoint=data["timepoint"],
            answers=data["answers"],
            now=timezone.now(),
        )
        return Response(
            QuestionnaireResponseOutputSerializer(submission.response).data,
            status=status.HTTP_201_CREATED if submission.created else status.HTTP_200_OK,
        )


def _patient_outcome_rows(outcomes: list[MeasureOutcome]) -> list[dict[str, Any]]:
    rows = []
    for outcome in outcomes:
        follow_ups = []
        for follow_up in outcome.follow_ups:
            change = follow_up.change
            follow_ups.append(
                {
                    "timepoint": follow_up.timepoint,
                    "score": follow_up.score,
                    "change": change.change if change else None,
                    "percent_change": change.percent_change if change else None,
                    "improvement": change.improvement if change else None,
                    "mcid_reached": change.mcid_reached if change else None,
                    "scb_reached": change.scb_reached if change else None,
                    "worse_than_baseline": change.worse_than_baseline if change else None,
                    "mcid_attainable": change.mcid_attainable if change else None,
                    "summary": change.summary if change else NO_BASELINE,
                }
            )
        rows.append(
            {
                "measure": outcome.measure,
                "label": outcome.label,
                "instrument": outcome.instrument,
                "baseline": outcome.baseline,
                "follow_ups": follow_ups,
            }
        )
    return rows


class MyOutcomesApi(APIView):
    """Change since before surgery, per measure, in plain words."""

    permission_classes = [IsPatient]

    @extend_schema(
        responses=inline_serializer(
            "MyOutcomesOutput", {"results": MyOutcomeMeasureOutputSerializer(many=True)}
        )
    )
    def get(self, request: Request) -> Response:
        rows = _patient_outcome_rows(patient_outcomes(patient=caller(request).patient))
        return Response({"results": MyOutcomeMeasureOutputSerializer(rows, many=True).data})


# --- care team ----------------------------------------------------------------------------------


@_RESPONSE_LIST_SCHEMA
class PatientQuestionnaireListApi(ListAPIView):
    """A patient's questionnaire answers and scores (their team only; audited)."""

    permission_classes = [IsClinician]
    serializer_class = QuestionnaireResponseOutputSerializer

    def get_queryset(self) -> Any:
        patient = patient_access_for_clinician(
            clinician=self.request.user,
            patient_id=self.kwargs["patient_id"],
            request=self.request,
            purpose="questionnaire_response",
            action=AccessEvent.Action.LIST,
        )
        return QuestionnaireResponse.objects.filter(patient=patient)


class PatientOutcomesApi(APIView):
    """Change from baseline with numbers, MCID and SCB per measure (their team only)."""

    permission_classes = [IsClinician]

    @extend_schema(
        responses=inline_serializer(
            "PatientOutcomesOutput",
            {
                "thresholds_version": serializers.IntegerField(),
                "results": OutcomeMeasureOutputSerializer(many=True),
            },
        )
    )
    def get(self, request: Request, patient_id: str) -> Response:
        patient = patient_access_for_clinician(
            clinician=request.user,
            patient_id=patient_id,
            request=request,
            purpose="patient_outcome",
        )
        rows = _patient_outcome_rows(patient_outcomes(patient=patient))
        return Response(
            {
                "thresholds_version": instruments.load_thresholds().version,
                "results": OutcomeMeasureOutputSerializer(rows, many=True).data,
            }
        )


class CohortCsvRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None):
        buffer = io.StringIO()
        rows = list(cohort.table_rows(data))
        if rows:
            # Follow-up rows carry every column; the baseline has no change columns (empty).
            columns = list(dict.fromkeys([*rows[-1], *(name for row in rows for name in row)]))
            writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        return buffer.getvalue().encode(self.charset)


_FILTER_PARAMETERS = [
    OpenApiParameter("approach", OpenApiTypes.STR, enum=Surgery.Approach.values),
    OpenApiParameter("technique", OpenApiTypes.STR, enum=Surgery.Technique.values),
    OpenApiParameter("indication", OpenApiTypes.STR, enum=Surgery.Indication.values),
    OpenApiParameter("age_band", OpenApiTypes.STR, enum=list(cohort.AGE_BANDS)),
    OpenApiParameter("smoking_status", OpenApiTypes.STR, enum=Patient.SmokingStatus.values),
    OpenApiParameter("bone_quality", OpenApiTypes.STR, enum=Patient.BoneQuality.values),
    OpenApiParameter("surgery_from", OpenApiTypes.DATE),
    OpenApiParameter("surgery_to", OpenApiTypes.DATE),
]


class CohortOutcomesApi(APIView):
    """Per-timepoint outcome table for the caller's teams' patients.

    Filters: approach, technique, indication, age_band (age at surgery: <50, 50-64, 65-74,
    75+), smoking_status, bone_quality, surgery_from / surgery_to (inclusive dates).
    Per follow-up, `fusion` is the imaging-confirmed fusion rate by that timepoint; for the
    cohort, `complications` (resolved flags by category) and `revisions` (reoperations).
    Cells under settings.OUTCOMES_MIN_CELL patients are suppressed (null, "suppressed": true).
    `?format=csv` returns the same table as CSV (text/csv, a "cohort" row then one row per
    timepoint, suppressed values written as "suppressed"); errors stay JSON in the common shape.
    """

    permission_classes = [IsClinician]
    renderer_classes = [renderers.JSONRenderer, CohortCsvRenderer]

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any):
        # Only the table itself has a CSV form: errors and OPTIONS metadata stay JSON.
        is_table = isinstance(getattr(response, "data", None), dict) and (
            "timepoints" in response.data
        )
        if not is_table or getattr(response, "exception", False):
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(parameters=_FILTER_PARAMETERS, responses={200: CohortOutcomesOutputSerializer})
    def get(self, request: Request) -> Response:
        params = request.query_params.copy()
        params.pop("format", None)
        serializer = CohortFilterInputSerializer(data=params)
        serializer.is_valid(raise_exception=True)
        table = cohort.cohort_outcome_table(
            clinician=request.user,
            filters=cohort.CohortFilters(**serializer.validated_data),
            today=timezone.now().date(),
        )
        exporting = request.accepted_renderer.format == "csv"
        access_event_record(
            actor=request.user,
            action=AccessEvent.Action.EXPORT if exporting else AccessEvent.Action.VIEW,
            object_type="cohort_outcomes",
            object_id=request.get_full_path()[:64],
            request=request,
        )
        response = Response(table)
        if exporting:
            response["Content-Disposition"] = 'attachment; filename="cohort-outcomes.csv"'
        return response
