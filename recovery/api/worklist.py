"""The grouped worklist (issue 16): one entry per patient with a live flag, in triage order.

`GET /api/v1/care/flags/` keeps its contract (one entry per flag); this endpoint serves the
same flags grouped by patient: the patient's highest severity, every live flag with every
finding on it and the answers that fired it in words, the day after surgery and when the
first unacknowledged finding came in. Emergencies first, then urgent, then the longest wait.
Keyset pagination on that order; a fixed number of queries per page.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from core.pagination import page_size_from
from recovery.api.flags import FlagOwnerOutputSerializer
from recovery.api.permissions import IsClinician
from recovery.models import Flag
from recovery.selectors.worklist import FindingData, FlagItem, PatientRow, RowKey, worklist_rows
from recovery.services.audit import access_events_record_list
from recovery.triage.wording import facts_in_words, merged_words

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


class WorklistFindingOutputSerializer(serializers.Serializer):
    rule_id = serializers.CharField()
    severity = serializers.ChoiceField(choices=Flag.Severity.choices)
    check_in = serializers.UUIDField(source="checkin_id", allow_null=True)
    facts = serializers.DictField(help_text="Exactly the facts the rule looked at.")
    answers = serializers.SerializerMethodField(
        help_text="The answers that fired the rule, in words."
    )
    at = serializers.DateTimeField()

    def get_answers(self, finding: FindingData) -> list[str]:
        return facts_in_words(finding.facts)


class WorklistFlagOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="flag.id")
    category = serializers.CharField(source="flag.category")
    severity = serializers.ChoiceField(source="flag.severity", choices=Flag.Severity.choices)
    status = serializers.CharField(source="flag.status")
    rule_id = serializers.CharField(source="flag.rule_id")
    opened_at = serializers.DateTimeField(source="flag.opened_at")
    alerted_at = serializers.DateTimeField(source="flag.alerted_at", allow_null=True)
    acknowledged_by = serializers.IntegerField(source="flag.acknowledged_by_id", allow_null=True)
    acknowledged_at = serializers.DateTimeField(source="flag.acknowledged_at", allow_null=True)
    # issue 16: who took the flag ("Assign to me"); null: nobody yet.
    owner = FlagOwnerOutputSerializer(source="flag.owner", allow_null=True)
    assigned_at = serializers.DateTimeField(source="flag.assigned_at", allow_null=True)
    answers = serializers.SerializerMethodField(
        help_text="Every finding's answers, each once, in words."
    )
    findings = WorklistFindingOutputSerializer(many=True)

    def get_answers(self, item: FlagItem) -> list[str]:
        return merged_words(item.all_facts)


class WorklistRowOutputSerializer(serializers.Serializer):
    patient = serializers.UUIDField(source="patient.id")
    first_name = serializers.CharField(source="patient.first_name")
    last_name = serializers.CharField(source="patient.last_name")
    severity = serializers.ChoiceField(
        choices=Flag.Severity.choices, help_text="The most severe live flag's severity."
    )
    postop_day = serializers.IntegerField(allow_null=True)
    waiting_since = serializers.DateTimeField(
        allow_null=True,
        help_text="When the first unacknowledged finding came in; null when all are acknowledged.",
    )
    answers = serializers.SerializerMethodField(
        help_text="The answers behind every live flag, each once, in words."
    )
    flags = WorklistFlagOutputSerializer(many=True)

    def get_answers(self, row: PatientRow) -> list[str]:
        return merged_words(row.all_facts)


class WorklistPageOutputSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = WorklistRowOutputSerializer(many=True)


class WorklistFilterSerializer(serializers.Serializer):
    severity = serializers.CharField(required=False)
    category = serializers.CharField(required=False)
    cursor = serializers.CharField(required=False)
    mine = serializers.BooleanField(required=False)

    ALLOWED = {"severity": Flag.Severity.values, "category": Flag.Category.values}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors = {}
        for name, allowed in self.ALLOWED.items():
            if name not in attrs:
                continue
            values = [value.strip() for value in attrs[name].split(",") if value.strip()]
            if not values or any(value not in allowed for value in values):
                errors[name] = [f"Choose from: {', '.join(allowed)}."]
            attrs[name] = values
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


def _encode(key: RowKey) -> str:
    raw = [key.rank, key.has_open, key.sort_at.isoformat(), str(key.patient_id)]
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode()


def _decode(value: str) -> RowKey:
    try:
        rank, has_open, sort_at, patient_id = json.loads(base64.urlsafe_b64decode(value.encode()))
        return RowKey(int(rank), int(has_open), datetime.fromisoformat(sort_at), UUID(patient_id))
    except (ValueError, TypeError) as exc:
        raise NotFound("Invalid cursor.") from exc


class WorklistApi(APIView):
    """One entry per patient with a live flag: emergency, then urgent, then the longest wait."""

    permission_classes = [IsClinician]

    @extend_schema(
        parameters=[
            OpenApiParameter("severity", str, description="routine, urgent, emergency"),
            OpenApiParameter("category", str),
            OpenApiParameter("cursor", str, description="The pagination cursor value."),
            OpenApiParameter(
                "mine", bool, description="true: only patients with a flag assigned to me."
            ),
            OpenApiParameter(
                "page_size", int, description=f"Patients per page (1 to {MAX_PAGE_SIZE})."
            ),
        ],
        responses=WorklistPageOutputSerializer,
    )
    def get(self, request: Request) -> Response:
        filters = WorklistFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        size = page_size_from(request, param="page_size", default=PAGE_SIZE, maximum=MAX_PAGE_SIZE)
        rows, more = worklist_rows(
            clinician=request.user,
            now=timezone.now(),
            limit=size,
            severities=wanted.get("severity"),
            categories=wanted.get("category"),
            after=_decode(wanted["cursor"]) if "cursor" in wanted else None,
            owner=request.user if wanted.get("mine") else None,
        )
        access_events_record_list(
            actor=request.user,
            patients=[row.patient for row in rows],
            object_type="worklist",
            request=request,
        )
        next_url = None
        if more:
            next_url = replace_query_param(
                request.build_absolute_uri(), "cursor", _encode(rows[-1].key)
            )
        body = {"next": next_url, "previous": None, "results": rows}
        return Response(WorklistPageOutputSerializer(body).data)
