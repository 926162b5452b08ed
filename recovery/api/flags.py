"""Care-team flag endpoints: the worklist and the acknowledge/resolve/dismiss/assign actions.

Every flag is looked up through the caller's teams: another team's flag is a 404, exactly like
a missing one. Every action and every page of the list is written to the access log.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from core.pagination import page_size_from
from recovery.api.permissions import IsClinician, caller
from recovery.api.reported_by import ReportedByOutputSerializer
from recovery.models import AccessEvent, CheckIn, Flag, FlagFinding, Patient
from recovery.selectors import care_teams_for_clinician
from recovery.selectors.caregivers import reported_by
from recovery.services.audit import access_event_record, access_events_record_list
from recovery.services.flag_assignment import flag_assign, flag_unassign
from recovery.services.flags import flag_acknowledge, flag_dismiss, flag_resolve
from recovery.triage.wording import facts_in_words


def flag_list_for_clinician(*, clinician: Any) -> QuerySet[Flag]:
    team_ids = care_teams_for_clinician(clinician=clinician).values("id")
    # The list shows each linked check-in's id only (newest first): fetch no symptom columns.
    # Each check-in's reporter is joined in (issue 22): no query per flag.
    linked = Prefetch(
        "checkins",
        queryset=CheckIn.objects.select_related("reported_by_caregiver").only(
            "id",
            "recorded_at",
            "flags",  # which language each flag's advice was shown in (issue 19)
            "patient_id",
            "reported_by_caregiver__display_name",
            "reported_by_caregiver__relationship",
        ),
    )
    return (
        Flag.objects.filter(patient__care_team_id__in=team_ids)
        .select_related("owner")  # issue 16: the owner's name, joined (no query per flag)
        .prefetch_related(linked)
    )


def flag_get_for_clinician(*, clinician: Any, flag_id: UUID | str) -> Flag:
    """Another team's flag is indistinguishable from a missing one (404, not 403)."""
    try:
        return flag_list_for_clinician(clinician=clinician).get(id=flag_id)
    except (Flag.DoesNotExist, ValueError) as exc:
        raise Http404("No such flag.") from exc


class FlagOwnerOutputSerializer(serializers.Serializer):
    """Who is handling a flag: the care-team member who took it (Assign to me)."""  # issue 16

    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.SerializerMethodField(
        help_text="The full name, or the username when none is recorded."
    )

    def get_display_name(self, user: Any) -> str:
        return str(user.get_full_name() or user.get_username())


class FlagOutputSerializer(serializers.ModelSerializer):
    patient = serializers.UUIDField(source="patient_id")
    sources = serializers.ListField(child=serializers.CharField(), help_text="Source ids (R..).")
    checkins = serializers.SerializerMethodField()
    reported_by = serializers.SerializerMethodField()
    acknowledged_by = serializers.IntegerField(source="acknowledged_by_id", allow_null=True)
    resolved_by = serializers.IntegerField(source="resolved_by_id", allow_null=True)
    dismissed_by = serializers.IntegerField(source="dismissed_by_id", allow_null=True)
    owner = FlagOwnerOutputSerializer(
        allow_null=True, help_text="Who took the flag (Assign to me); null: nobody yet."
    )
    # Blank until resolved; a plain string keeps one enum (the resolve input's) in the schema.
    advice_language = serializers.SerializerMethodField()
    resolution_outcome = serializers.CharField(
        help_text="One of the resolve outcomes, or blank while the flag is not resolved."
    )

    class Meta:
        model = Flag
        fields = [
            "id",
            "patient",
            "category",
            "severity",
            "status",
            "origin",
            "rule_id",
            "rule_version",
            "ruleset_version",
            "advice",
            "advice_language",
            "rationale",
            "sources",
            "facts",
            "checkins",
            "reported_by",
            "opened_at",
            "updated_at",
            "alerted_at",
            "escalation_level",
            "escalated_at",
            "acknowledged_by",
            "acknowledged_at",
            "resolved_by",
            "resolved_at",
            "resolution_outcome",
            "resolution_note",
            "dismissed_by",
            "dismissed_at",
            "dismiss_reason",
            "owner",
            "assigned_at",
        ]

    @extend_schema_field(ReportedByOutputSerializer(allow_null=True))
    def get_reported_by(self, flag: Flag) -> dict[str, str | None] | None:
        """Who reported the latest check-in behind the flag (null: no check-in, e.g. silence)."""
        rows = sorted(flag.checkins.all(), key=lambda row: row.recorded_at, reverse=True)
        return reported_by(rows[0].reported_by_caregiver) if rows else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_advice_language(self, flag: Flag) -> str | None:
        """issue 19: the language the patient was shown this flag's advice in, at check-in
        (`advice` above stays in the care team's English); null when none was shown."""
        for row in sorted(flag.checkins.all(), key=lambda row: row.recorded_at, reverse=True):
            for shown in row.flags or []:
                if shown.get("id") == str(flag.id):
                    return str(shown.get("language", "en"))
        return None

    def get_checkins(self, flag: Flag) -> list[str]:
        # Ordered in Python: the prefetch cache serves .all() without another query.
        rows = sorted(flag.checkins.all(), key=lambda row: row.recorded_at, reverse=True)
        return [str(row.id) for row in rows]


class FlagFindingOutputSerializer(serializers.ModelSerializer):
    check_in = serializers.UUIDField(
        source="checkin_id",
        allow_null=True,
        help_text="The check-in the finding came from (null for a trend finding).",
    )
    answers = serializers.SerializerMethodField(
        help_text="The answers that fired the rule, in words (issue 16)."
    )

    class Meta:
        model = FlagFinding
        fields = ["rule_id", "rule_version", "severity", "check_in", "facts", "answers", "at"]

    def get_answers(self, finding: FlagFinding) -> list[str]:
        return facts_in_words(finding.facts)


class FlagDetailOutputSerializer(FlagOutputSerializer):
    """A flag with every rule that fired on it, oldest first (the list leaves them out)."""

    findings = serializers.SerializerMethodField()

    class Meta(FlagOutputSerializer.Meta):
        fields = [*FlagOutputSerializer.Meta.fields, "findings"]

    @extend_schema_field(FlagFindingOutputSerializer(many=True))
    def get_findings(self, flag: Flag) -> list[dict[str, Any]]:
        rows = FlagFinding.objects.filter(flag=flag).order_by("at", "id")
        # many=True builds a ListSerializer (a list); the stubs type the call as the child class.
        return FlagFindingOutputSerializer(rows, many=True).data  # type: ignore[return-value]


def _choices(allowed: list[str]) -> serializers.CharField:
    return serializers.CharField(
        required=False, help_text=f"One or more of {', '.join(allowed)}, comma-separated."
    )


class FlagFilterSerializer(serializers.Serializer):
    status = _choices(Flag.Status.values)
    severity = _choices(Flag.Severity.values)
    category = _choices(Flag.Category.values)
    patient = serializers.UUIDField(required=False)
    mine = serializers.BooleanField(
        required=False, help_text="true: only the flags assigned to the caller."
    )

    ALLOWED = {
        "status": Flag.Status.values,
        "severity": Flag.Severity.values,
        "category": Flag.Category.values,
    }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors = {}
        for name, allowed in self.ALLOWED.items():
            if name not in attrs:
                continue
            values = [value.strip() for value in attrs[name].split(",") if value.strip()]
            wrong = [value for value in values if value not in allowed]
            if wrong or not values:
                errors[name] = [f"Choose from: {', '.join(allowed)}."]
            attrs[name] = values
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class WorklistPagination(BasePagination):
    """Keyset pagination on (severity desc, opened_at, id): stable while flags arrive.

    DRF's CursorPagination keys on the first ordering field only and falls back to offsets,
    which breaks down on a column with three values such as severity.
    """

    page_size = 50
    max_page_size = 200
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def _page_size(self, request: Request) -> int:
        return page_size_from(
            request,
            param=self.page_size_query_param,
            default=self.page_size,
            maximum=self.max_page_size,
        )

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The pagination cursor value.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": "Number of results to return per page.",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]

    @staticmethod
    def _decode(raw: str) -> tuple[int, datetime, UUID]:
        try:
            rank, opened, flag_id = json.loads(base64.urlsafe_b64decode(raw.encode()))
            return int(rank), datetime.fromisoformat(opened), UUID(flag_id)
        except (ValueError, TypeError) as exc:
            raise NotFound("Invalid cursor.") from exc

    @staticmethod
    def _encode(flag: Flag) -> str:
        key = [flag.severity_rank, flag.opened_at.isoformat(), str(flag.id)]
        return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()

    # Keyed on Flag's own columns; DRF's stubs declare this method generic over every model.
    def paginate_queryset(  # type: ignore[override]
        self,
        queryset: QuerySet[Flag],  # type: ignore[override]
        request: Request,
        view: Any = None,
    ) -> list[Flag]:
        self.request = request
        queryset = queryset.order_by("-severity_rank", "opened_at", "id")
        if raw := request.query_params.get(self.cursor_query_param):
            rank, opened, flag_id = self._decode(raw)
            queryset = queryset.filter(
                Q(severity_rank__lt=rank)
                | Q(severity_rank=rank, opened_at__gt=opened)
                | Q(severity_rank=rank, opened_at=opened, id__gt=flag_id)
            )
        size = self._page_size(request)
        rows = list(queryset[: size + 1])
        self.has_next = len(rows) > size
        self.page = rows[:size]
        return self.page

    def get_paginated_response(self, data: Any) -> Response:
        next_url = None
        if self.has_next:
            next_url = replace_query_param(
                self.request.build_absolute_uri(),
                self.cursor_query_param,
                self._encode(self.page[-1]),
            )
        return Response({"next": next_url, "previous": None, "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }


class FlagListApi(ListAPIView):
    """The caller's teams' flags, most severe first, then oldest first."""

    permission_classes = [IsClinician]
    serializer_class = FlagOutputSerializer
    pagination_class = WorklistPagination

    def get_queryset(self) -> QuerySet[Flag]:
        filters = FlagFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        queryset = flag_list_for_clinician(clinician=self.request.user)
        for name in ("status", "severity", "category"):
            if name in wanted:
                queryset = queryset.filter(**{f"{name}__in": wanted[name]})
        if "patient" in wanted:
            queryset = queryset.filter(patient_id=wanted["patient"])
        if wanted.get("mine"):
            queryset = queryset.filter(owner=caller(self.request))
        return queryset

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, description="open, acknowledged, resolved, dismissed"),
            OpenApiParameter("severity", str, description="routine, urgent, emergency"),
            OpenApiParameter("category", str),
            OpenApiParameter("patient", UUID),
            OpenApiParameter("mine", bool, description="true: only flags assigned to me."),
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = self.list(request, *args, **kwargs)
        shown = list(dict.fromkeys(row["patient"] for row in response.data["results"]))
        access_events_record_list(
            actor=request.user,
            patients=[Patient(id=pid) for pid in shown],
            object_type="flag",
            request=request,
        )
        return response


class FlagDetailApi(APIView):
    permission_classes = [IsClinician]

    @extend_schema(responses=FlagDetailOutputSerializer)
    def get(self, request: Request, flag_id: UUID) -> Response:
        flag = flag_get_for_clinician(clinician=request.user, flag_id=flag_id)
        access_event_record(
            actor=request.user,
            patient=Patient(id=flag.patient_id),
            action=AccessEvent.Action.VIEW,
            object_type="flag",
            object_id=flag.id,
            request=request,
        )
        return Response(FlagDetailOutputSerializer(flag).data)


def _flag_response(request: Request, flag: Flag) -> Response:
    # Re-read through the scoped selector so the body matches the list's shape.
    return Response(
        FlagOutputSerializer(flag_get_for_clinician(clinician=request.user, flag_id=flag.id)).data
    )


class FlagAcknowledgeApi(APIView):
    permission_classes = [IsClinician]

    @extend_schema(request=None, responses=FlagOutputSerializer)
    def post(self, request: Request, flag_id: UUID) -> Response:
        flag = flag_get_for_clinician(clinician=request.user, flag_id=flag_id)
        flag = flag_acknowledge(flag=flag, actor=request.user, now=timezone.now(), request=request)
        return _flag_response(request, flag)


class FlagResolveInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Flag.Outcome.choices)
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class FlagResolveApi(APIView):
    permission_classes = [IsClinician]

    @extend_schema(request=FlagResolveInputSerializer, responses=FlagOutputSerializer)
    def post(self, request: Request, flag_id: UUID) -> Response:
        flag = flag_get_for_clinician(clinician=request.user, flag_id=flag_id)
        serializer = FlagResolveInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        flag = flag_resolve(
            flag=flag,
            actor=request.user,
            outcome=serializer.validated_data["outcome"],
            note=serializer.validated_data["note"],
            now=timezone.now(),
            request=request,
        )
        return _flag_response(request, flag)


class FlagDismissInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)


class FlagDismissApi(APIView):
    permission_classes = [IsClinician]

    @extend_schema(request=FlagDismissInputSerializer, responses=FlagOutputSerializer)
    def post(self, request: Request, flag_id: UUID) -> Response:
        flag = flag_get_for_clinician(clinician=request.user, flag_id=flag_id)
        serializer = FlagDismissInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        flag = flag_dismiss(
            flag=flag,
            actor=request.user,
            reason=serializer.validated_data["reason"],
            now=timezone.now(),
            request=request,
        )
        return _flag_response(request, flag)


# issue 16: flag ownership.
class FlagAssignApi(APIView):
    """Assign to me: the caller takes an open or acknowledged flag, from whoever held it.

    Only for oneself; a flag the caller already owns is returned unchanged.
    """

    permission_classes = [IsClinician]

    @extend_schema(request=None, responses=FlagOutputSerializer)
    def post(self, request: Request, flag_id: UUID) -> Response:
        flag = flag_get_for_clinician(clinician=request.user, flag_id=flag_id)
        flag = flag_assign(flag=flag, actor=request.user, now=timezone.now(), request=request)
        return _flag_response(request, flag)


class FlagUnassignApi(APIView):
    """The owner gives the flag back: nobody owns it after. Anyone else takes it with assign."""

    permission_classes = [IsClinician]

    @extend_schema(request=None, responses=FlagOutputSerializer)
    def post(self, request: Request, flag_id: UUID) -> Response:
        flag = flag_get_for_clinician(clinician=request.user, flag_id=flag_id)
        flag = flag_unassign(flag=flag, actor=request.user, now=timezone.now(), request=request)
        return _flag_response(request, flag)
