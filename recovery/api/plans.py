"""Recovery plan endpoints: the patient's own (`/me/...`) and the care team's (`/care/...`).

Both audiences see the same shapes. Days are post-operative days (surgery date = day 0) on the
patient's calendar: "today" is the patient's local date, whoever asks.
"""

from __future__ import annotations

import datetime
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.exceptions import ApplicationError
from backend.pagination import CreatedCursorPagination
from recovery.api.permissions import IsClinician, IsPatient
from recovery.api.serializers import SurgeryOutputSerializer
from recovery.models import (
    AccessEvent,
    ChecklistEntry,
    ClinicianAdjustment,
    ImagingResult,
    Milestone,
    Patient,
    PlanItem,
    Surgery,
)
from recovery.plan_selectors import (
    AdherenceReport,
    AdherenceWindow,
    PlanSnapshot,
    adherence_report,
    adjustments_for_patient,
    checklist_for_date,
    items_in_force,
    milestones_for_patient,
    patient_today,
    phase_on,
    plan_snapshot,
)
from recovery.selectors import current_surgery, patient_get_for_clinician
from recovery.services.adjustments import (
    imaging_result_record,
    milestone_status_set,
    plan_item_adjust,
)
from recovery.services.audit import access_event_record
from recovery.services.checklists import EntryInput, checklist_entries_record, grace_days
from recovery.services.plans import surgery_update

ADHERENCE_DEFINITION = (
    "Per item-day: an item due on a date is kept, not kept or unknown (unanswered). "
    "rate = kept / (kept + not_kept), over answered item-days only; null when nothing was "
    "answered. Unanswered item-days are counted in 'unknown', never as kept or not kept. A date "
    "with nothing due is left out (it is not a 100% day). Windows include both ends: "
    "last_7_days is today and the 6 days before it (from the surgery date at the earliest); "
    "since_surgery runs from the surgery date to today. Rates are rounded to 4 decimals."
)
MAX_ENTRIES_PER_REQUEST = 100


# ---------------------------------------------------------------------------------------------
# Serializers
# ---------------------------------------------------------------------------------------------


class PhaseOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    start_day = serializers.IntegerField()
    end_day = serializers.IntegerField(allow_null=True, help_text="Inclusive; null = open-ended.")


class PlanItemOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField()
    title = serializers.CharField()
    detail = serializers.CharField()
    kind = serializers.ChoiceField(choices=PlanItem.Kind.choices)
    daily_check = serializers.BooleanField(
        help_text="True: ticked on the daily checklist and counted in adherence."
    )
    phase_code = serializers.CharField()
    phase_title = serializers.CharField()
    start_day = serializers.IntegerField()
    end_day = serializers.IntegerField(
        source="effective_end_day",
        allow_null=True,
        help_text="Last post-operative day in force (inclusive), after any clinician "
        "adjustment; null = open-ended.",
    )
    planned_end_day = serializers.IntegerField(source="end_day", allow_null=True)
    start_date = serializers.SerializerMethodField()
    end_date = serializers.SerializerMethodField()
    values = serializers.DictField(child=serializers.FloatField())
    sources = serializers.ListField(child=serializers.CharField())
    range_note = serializers.CharField()
    adjusted = serializers.SerializerMethodField()
    lifted = serializers.SerializerMethodField()
    adjusted_at = serializers.DateTimeField(allow_null=True)
    adjustment_reason = serializers.CharField()
    template_code = serializers.CharField()
    template_version = serializers.IntegerField()

    def _date(self, day: int | None) -> datetime.date | None:
        if day is None:
            return None
        return self.context["surgery_date"] + datetime.timedelta(days=day)

    def get_start_date(self, item: PlanItem) -> datetime.date | None:
        return self._date(item.start_day)

    def get_end_date(self, item: PlanItem) -> datetime.date | None:
        return self._date(item.effective_end_day)

    def get_adjusted(self, item: PlanItem) -> bool:
        return item.adjusted_at is not None

    def get_lifted(self, item: PlanItem) -> bool:
        return item.lifted_at is not None


class MilestoneOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = [
            "id",
            "code",
            "occurrence",
            "title",
            "detail",
            "kind",
            "day_min",
            "day_max",
            "target_date_min",
            "target_date_max",
            "repeat_every_days",
            "status",
            "achieved_on",
            "status_changed_at",
            "note",
            "sources",
            "range_note",
            "template_code",
            "template_version",
        ]


class AdherenceCountsOutputSerializer(serializers.Serializer):
    due = serializers.IntegerField()
    kept = serializers.IntegerField()
    not_kept = serializers.IntegerField()
    unknown = serializers.IntegerField(help_text="Due but unanswered.")
    answered = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class AdherenceItemOutputSerializer(AdherenceCountsOutputSerializer):
    code = serializers.CharField()
    title = serializers.CharField()


class AdherenceWindowOutputSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    days_due = serializers.IntegerField()
    days_answered = serializers.IntegerField()
    overall = AdherenceCountsOutputSerializer()
    per_item = AdherenceItemOutputSerializer(many=True)


class AdherenceOutputSerializer(serializers.Serializer):
    definition = serializers.CharField()
    last_7_days = AdherenceWindowOutputSerializer()
    since_surgery = AdherenceWindowOutputSerializer()


class PlanOutputSerializer(serializers.Serializer):
    template_code = serializers.CharField()
    template_version = serializers.IntegerField()
    surgery_date = serializers.DateField()
    today = serializers.DateField(help_text="The patient's local date.")
    postop_day = serializers.IntegerField()
    phase = PhaseOutputSerializer(allow_null=True)
    restrictions = PlanItemOutputSerializer(many=True)
    tasks_and_goals = PlanItemOutputSerializer(many=True)
    upcoming_milestones = MilestoneOutputSerializer(many=True)
    overdue_milestones = MilestoneOutputSerializer(many=True)
    adherence = AdherenceOutputSerializer()


class ChecklistEntryStateOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistEntry
        fields = ["id", "kept", "note", "client_id", "created_at", "updated_at"]


class ChecklistItemOutputSerializer(PlanItemOutputSerializer):
    entry = serializers.SerializerMethodField()

    @extend_schema_field(ChecklistEntryStateOutputSerializer(allow_null=True))
    def get_entry(self, item: PlanItem) -> dict[str, Any] | None:
        entry = self.context["entries"].get(item.id)
        return ChecklistEntryStateOutputSerializer(entry).data if entry else None


class ChecklistOutputSerializer(serializers.Serializer):
    date = serializers.DateField()
    postop_day = serializers.IntegerField()
    phase = PhaseOutputSerializer(allow_null=True)
    editable = serializers.BooleanField(
        help_text="Entries can be recorded for this date (not in the future, within the grace "
        "window)."
    )
    grace_days = serializers.IntegerField()
    items = ChecklistItemOutputSerializer(many=True)


class ChecklistQueryInputSerializer(serializers.Serializer):
    date = serializers.DateField(required=False)


class ChecklistEntryInputSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The patient's local calendar date.")
    item = serializers.CharField(
        max_length=64,
        help_text="The plan item's id (UUID), or its code (e.g. 'no_blt'), resolved among the "
        "items due on that date.",
    )
    kept = serializers.BooleanField()
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    client_id = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Optional id generated by the phone; a replay with the same id is a no-op.",
    )


class ChecklistEntryOutputSerializer(serializers.ModelSerializer):
    item_code = serializers.CharField(source="item.code")
    result = serializers.ChoiceField(
        choices=["created", "updated", "unchanged"], source="outcome", read_only=True
    )

    class Meta:
        model = ChecklistEntry
        fields = [
            "id",
            "item",
            "item_code",
            "date",
            "kept",
            "note",
            "client_id",
            "created_at",
            "updated_at",
            "result",
        ]


class ChecklistEntryListOutputSerializer(serializers.Serializer):
    results = ChecklistEntryOutputSerializer(many=True)


class SurgeryPatchInputSerializer(serializers.Serializer):
    date = serializers.DateField(required=False)
    levels = serializers.RegexField(
        r"^(T12-L1|L[1-5]-L[2-5]|L5-S1)(,(T12-L1|L[1-5]-L[2-5]|L5-S1))*$",
        required=False,
        error_messages={"invalid": "Use segments such as 'L3-L4' or 'L3-L4,L4-L5'."},
    )
    indication = serializers.ChoiceField(choices=Surgery.Indication.choices, required=False)
    approach = serializers.ChoiceField(choices=Surgery.Approach.choices, required=False)
    technique = serializers.ChoiceField(choices=Surgery.Technique.choices, required=False)
    brace_prescribed = serializers.BooleanField(required=False)
    discharge_date = serializers.DateField(required=False, allow_null=True)
    surgeon = serializers.CharField(max_length=120, required=False, allow_blank=True)
    instrumentation = serializers.CharField(required=False, allow_blank=True)
    graft = serializers.CharField(required=False, allow_blank=True)


class SurgeryUpdateOutputSerializer(serializers.Serializer):
    surgery = SurgeryOutputSerializer()
    changed = serializers.ListField(child=serializers.CharField())
    plan_rebuilt = serializers.BooleanField()
    template_code = serializers.CharField()
    template_version = serializers.IntegerField()


class PlanItemAdjustInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["lift", "extend"])
    end_day = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=0,
        help_text="Required for extend: the new last post-operative day in force.",
    )
    reason = serializers.CharField(max_length=2000)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["action"] == "extend" and attrs.get("end_day") is None:
            raise serializers.ValidationError({"end_day": ["Required to extend an item."]})
        return attrs


class ClinicianAdjustmentOutputSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", help_text="Who (username).")

    class Meta:
        model = ClinicianAdjustment
        fields = [
            "id",
            "kind",
            "actor",
            "created_at",
            "reason",
            "payload",
            "item",
            "milestone",
            "imaging_result",
        ]


class PlanItemAdjustOutputSerializer(serializers.Serializer):
    adjustment = ClinicianAdjustmentOutputSerializer()
    item = PlanItemOutputSerializer()


class MilestoneStatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["achieved", "missed"])
    date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Default: the patient's today."
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class MilestoneStatusOutputSerializer(serializers.Serializer):
    adjustment = ClinicianAdjustmentOutputSerializer()
    milestone = MilestoneOutputSerializer()


class ImagingResultInputSerializer(serializers.Serializer):
    date = serializers.DateField()
    modality = serializers.ChoiceField(choices=ImagingResult.Modality.choices)
    finding = serializers.ChoiceField(choices=ImagingResult.Finding.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ImagingResultOutputSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.username")

    class Meta:
        model = ImagingResult
        fields = ["id", "date", "modality", "finding", "note", "recorded_by", "created_at"]


class ImagingResultCreateOutputSerializer(serializers.Serializer):
    imaging_result = ImagingResultOutputSerializer()
    adjustment = ClinicianAdjustmentOutputSerializer()
    milestones_achieved = serializers.ListField(child=serializers.CharField())


class MilestoneCursorPagination(CursorPagination):
    """Chronological by target window; a cursor stays stable while statuses change."""

    ordering = ("day_min", "day_max", "code", "occurrence")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


# ---------------------------------------------------------------------------------------------
# Payload builders shared by both audiences
# ---------------------------------------------------------------------------------------------


def _phase(snapshot: PlanSnapshot, day: int) -> dict[str, Any] | None:
    phase = phase_on(snapshot.items, day)
    if phase is None:
        return None
    return {
        "code": phase.code,
        "title": phase.title,
        "start_day": phase.start_day,
        "end_day": phase.end_day,
    }


def _counts(counts: Any) -> dict[str, Any]:
    rate = counts.rate
    return {
        "due": counts.due,
        "kept": counts.kept,
        "not_kept": counts.not_kept,
        "unknown": counts.unknown,
        "answered": counts.answered,
        "rate": round(rate, 4) if rate is not None else None,
    }


def _window(window: AdherenceWindow, titles: dict[str, str]) -> dict[str, Any]:
    result = window.result
    return {
        "start": window.start,
        "end": window.end,
        "days_due": result.days_due,
        "days_answered": result.days_answered,
        "overall": _counts(result.overall),
        "per_item": [
            {"code": code, "title": titles.get(code, code), **_counts(counts)}
            for code, counts in result.per_item.items()
        ],
    }


def _adherence(report: AdherenceReport) -> dict[str, Any]:
    return {
        "definition": ADHERENCE_DEFINITION,
        "last_7_days": _window(report.last_7_days, report.titles),
        "since_surgery": _window(report.since_surgery, report.titles),
    }


def plan_payload(snapshot: PlanSnapshot) -> dict[str, Any]:
    day = snapshot.postop_day
    in_force = items_in_force(snapshot.items, day)
    context = {"surgery_date": snapshot.surgery_date}
    pending = [m for m in snapshot.milestones if m.status == Milestone.Status.PENDING]
    return {
        "template_code": snapshot.plan.template_code,
        "template_version": snapshot.plan.template_version,
        "surgery_date": snapshot.surgery_date,
        "today": snapshot.today,
        "postop_day": day,
        "phase": _phase(snapshot, day),
        "restrictions": PlanItemOutputSerializer(
            [i for i in in_force if i.kind == PlanItem.Kind.RESTRICTION], many=True, context=context
        ).data,
        "tasks_and_goals": PlanItemOutputSerializer(
            [i for i in in_force if i.kind != PlanItem.Kind.RESTRICTION], many=True, context=context
        ).data,
        "upcoming_milestones": MilestoneOutputSerializer(
            [m for m in pending if m.day_max >= day], many=True
        ).data,
        "overdue_milestones": MilestoneOutputSerializer(
            [m for m in pending if m.day_max < day], many=True
        ).data,
        "adherence": _adherence(adherence_report(snapshot=snapshot)),
    }


def _query_date(request: Request, today: datetime.date) -> datetime.date:
    query = ChecklistQueryInputSerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data.get("date") or today


def checklist_payload(*, patient: Patient, day: datetime.date, today: datetime.date) -> dict:
    snapshot, due, entries = checklist_for_date(patient=patient, day=day, today=today)
    postop = snapshot.day_of(day)
    context = {"surgery_date": snapshot.surgery_date, "entries": entries}
    return {
        "date": day,
        "postop_day": postop,
        "phase": _phase(snapshot, postop),
        "editable": today - datetime.timedelta(days=grace_days()) <= day <= today,
        "grace_days": grace_days(),
        "items": ChecklistItemOutputSerializer(due, many=True, context=context).data,
    }


def _status_filter(request: Request) -> str | None:
    value = request.query_params.get("status")
    if value and value not in Milestone.Status.values:
        raise ApplicationError(
            "Unknown status.",
            fields={"status": [f"Use one of: {', '.join(Milestone.Status.values)}."]},
        )
    return value or None


_DATE_PARAM = OpenApiParameter(
    "date", OpenApiTypes.DATE, description="A local date of the patient (default: their today)."
)
_STATUS_PARAM = OpenApiParameter("status", str, enum=Milestone.Status.values)
_ENTRY_REQUEST = PolymorphicProxySerializer(
    component_name="ChecklistEntryPost",
    serializers=[ChecklistEntryInputSerializer, ChecklistEntryInputSerializer(many=True)],
    resource_type_field_name=None,
    many=False,
)
_ENTRY_RESPONSE = PolymorphicProxySerializer(
    component_name="ChecklistEntryResponse",
    serializers=[ChecklistEntryOutputSerializer, ChecklistEntryListOutputSerializer],
    resource_type_field_name=None,
    many=False,
)


# ---------------------------------------------------------------------------------------------
# Patient endpoints (the caller is request.user.patient)
# ---------------------------------------------------------------------------------------------


class MePlanApi(APIView):
    permission_classes = [IsPatient]

    @extend_schema(responses=PlanOutputSerializer)
    def get(self, request: Request) -> Response:
        patient = request.user.patient
        snapshot = plan_snapshot(patient=patient, today=patient_today(patient))
        return Response(plan_payload(snapshot))


class MeChecklistApi(APIView):
    """GET: the items due on a date and their entries. POST: record entries.

    POST takes one entry or a list of up to 100. `item` is the plan item's id or its code.
    Same values again: 200 "unchanged"; new: 201 "created"; changed within the grace window:
    200 "updated". A list is all-or-nothing. Refusals (400, `code`): future_date, item_not_due,
    outside_grace_window, duplicate_entry, client_id_reused, invalid_entries (a list).
    """

    permission_classes = [IsPatient]

    @extend_schema(parameters=[_DATE_PARAM], responses=ChecklistOutputSerializer)
    def get(self, request: Request) -> Response:
        patient = request.user.patient
        today = patient_today(patient)
        day = _query_date(request, today)
        return Response(checklist_payload(patient=patient, day=day, today=today))

    @extend_schema(request=_ENTRY_REQUEST, responses={200: _ENTRY_RESPONSE, 201: _ENTRY_RESPONSE})
    def post(self, request: Request) -> Response:
        patient = request.user.patient
        many = isinstance(request.data, list)
        rows = _entry_rows(request.data, many=many)
        results = checklist_entries_record(
            patient=patient,
            entries=[EntryInput(**row) for row in rows],
            today=patient_today(patient),
        )
        for result in results:
            result.entry.outcome = result.outcome  # type: ignore[attr-defined]
        code = (
            status.HTTP_201_CREATED
            if any(r.outcome == "created" for r in results)
            else status.HTTP_200_OK
        )
        entries = [r.entry for r in results]
        if many:
            data = {"results": ChecklistEntryOutputSerializer(entries, many=True).data}
        else:
            data = ChecklistEntryOutputSerializer(entries[0]).data
        return Response(data, status=code)


def _entry_rows(data: Any, *, many: bool) -> list[dict[str, Any]]:
    if not many:
        serializer = ChecklistEntryInputSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        return [serializer.validated_data]
    if not data or len(data) > MAX_ENTRIES_PER_REQUEST:
        raise ApplicationError(
            "Send between 1 and 100 entries.",
            fields={"non_field_errors": [f"Send 1 to {MAX_ENTRIES_PER_REQUEST} entries."]},
        )
    rows, fields = [], {}
    for index, raw in enumerate(data):
        serializer = ChecklistEntryInputSerializer(data=raw)
        if serializer.is_valid():
            rows.append(serializer.validated_data)
            continue
        errors = serializer.errors
        for name, messages in errors.items():
            fields[f"entries[{index}].{name}"] = [str(m) for m in messages]
    if fields:
        raise ApplicationError("Invalid input.", fields=fields)
    return rows


class MeMilestoneListApi(ListAPIView):
    permission_classes = [IsPatient]
    serializer_class = MilestoneOutputSerializer
    pagination_class = MilestoneCursorPagination

    def get_queryset(self) -> Any:
        patient = self.request.user.patient
        return milestones_for_patient(patient=patient, status=_status_filter(self.request))

    @extend_schema(parameters=[_STATUS_PARAM])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class MeAdherenceApi(APIView):
    permission_classes = [IsPatient]

    @extend_schema(responses=AdherenceOutputSerializer)
    def get(self, request: Request) -> Response:
        patient = request.user.patient
        snapshot = plan_snapshot(patient=patient, today=patient_today(patient))
        return Response(_adherence(adherence_report(snapshot=snapshot)))


# ---------------------------------------------------------------------------------------------
# Care-team endpoints (patients of the caller's teams; others are 404)
# ---------------------------------------------------------------------------------------------


class _CareApi(APIView):
    permission_classes = [IsClinician]

    def patient(self, request: Request, patient_id: Any) -> Patient:
        return patient_get_for_clinician(clinician=request.user, patient_id=patient_id)

    def audit(
        self,
        request: Request,
        patient: Patient,
        action: str,
        object_type: str,
        object_id: object = "",
    ) -> None:
        access_event_record(
            actor=request.user,
            patient=patient,
            action=action,
            object_type=object_type,
            object_id=object_id or patient.id,
            request=request,
        )


class CarePlanApi(_CareApi):
    @extend_schema(responses=PlanOutputSerializer)
    def get(self, request: Request, patient_id: str) -> Response:
        patient = self.patient(request, patient_id)
        snapshot = plan_snapshot(patient=patient, today=patient_today(patient))
        self.audit(request, patient, AccessEvent.Action.VIEW, "plan", snapshot.plan.id)
        return Response(plan_payload(snapshot))


class CareChecklistApi(_CareApi):
    @extend_schema(parameters=[_DATE_PARAM], responses=ChecklistOutputSerializer)
    def get(self, request: Request, patient_id: str) -> Response:
        patient = self.patient(request, patient_id)
        today = patient_today(patient)
        day = _query_date(request, today)
        payload = checklist_payload(patient=patient, day=day, today=today)
        self.audit(request, patient, AccessEvent.Action.VIEW, "checklist")
        return Response(payload)


class CareMilestoneListApi(_CareApi, ListAPIView):
    serializer_class = MilestoneOutputSerializer
    pagination_class = MilestoneCursorPagination

    def get_queryset(self) -> Any:
        patient = self.patient(self.request, self.kwargs["patient_id"])
        self.audit(self.request, patient, AccessEvent.Action.VIEW, "milestones")
        return milestones_for_patient(patient=patient, status=_status_filter(self.request))

    @extend_schema(parameters=[_STATUS_PARAM])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class CareAdherenceApi(_CareApi):
    @extend_schema(responses=AdherenceOutputSerializer)
    def get(self, request: Request, patient_id: str) -> Response:
        patient = self.patient(request, patient_id)
        snapshot = plan_snapshot(patient=patient, today=patient_today(patient))
        self.audit(request, patient, AccessEvent.Action.VIEW, "adherence")
        return Response(_adherence(adherence_report(snapshot=snapshot)))


class CareAdjustmentListApi(_CareApi, ListAPIView):
    """Who changed the plan, when and why; newest first."""

    serializer_class = ClinicianAdjustmentOutputSerializer
    pagination_class = CreatedCursorPagination

    def get_queryset(self) -> Any:
        patient = self.patient(self.request, self.kwargs["patient_id"])
        self.audit(self.request, patient, AccessEvent.Action.VIEW, "adjustments")
        return adjustments_for_patient(patient=patient)


class PlanItemAdjustApi(_CareApi):
    """Lift (ends today, with the same item in later phases) or extend (to `end_day`)."""

    @extend_schema(request=PlanItemAdjustInputSerializer, responses=PlanItemAdjustOutputSerializer)
    def post(self, request: Request, patient_id: str, item_id: str) -> Response:
        patient = self.patient(request, patient_id)
        serializer = PlanItemAdjustInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        today = patient_today(patient)
        adjustment = plan_item_adjust(
            patient=patient,
            item_id=item_id,
            actor=request.user,
            today=today,
            **serializer.validated_data,
        )
        self.audit(request, patient, AccessEvent.Action.UPDATE, "plan_item", item_id)
        item = adjustment.item
        assert item is not None
        return Response(
            {
                "adjustment": ClinicianAdjustmentOutputSerializer(adjustment).data,
                "item": PlanItemOutputSerializer(
                    item, context={"surgery_date": item.plan.surgery.date}
                ).data,
            }
        )


class MilestoneStatusApi(_CareApi):
    @extend_schema(
        request=MilestoneStatusInputSerializer, responses=MilestoneStatusOutputSerializer
    )
    def post(self, request: Request, patient_id: str, milestone_id: str) -> Response:
        patient = self.patient(request, patient_id)
        serializer = MilestoneStatusInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        adjustment = milestone_status_set(
            patient=patient,
            milestone_id=milestone_id,
            status=data["status"],
            on=data["date"],
            note=data["note"],
            actor=request.user,
            today=patient_today(patient),
        )
        self.audit(request, patient, AccessEvent.Action.UPDATE, "milestone", milestone_id)
        return Response(
            {
                "adjustment": ClinicianAdjustmentOutputSerializer(adjustment).data,
                "milestone": MilestoneOutputSerializer(adjustment.milestone).data,
            }
        )


class ImagingResultCreateApi(_CareApi):
    """Record an imaging result; a solid fusion marks the fusion milestones achieved."""

    @extend_schema(
        request=ImagingResultInputSerializer, responses={201: ImagingResultCreateOutputSerializer}
    )
    def post(self, request: Request, patient_id: str) -> Response:
        patient = self.patient(request, patient_id)
        serializer = ImagingResultInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result, adjustment = imaging_result_record(
            patient=patient,
            on=data["date"],
            modality=data["modality"],
            finding=data["finding"],
            note=data["note"],
            actor=request.user,
            today=patient_today(patient),
        )
        self.audit(request, patient, AccessEvent.Action.CREATE, "imaging_result", result.id)
        return Response(
            {
                "imaging_result": ImagingResultOutputSerializer(result).data,
                "adjustment": ClinicianAdjustmentOutputSerializer(adjustment).data,
                "milestones_achieved": adjustment.payload["milestones_achieved"],
            },
            status=status.HTTP_201_CREATED,
        )


class SurgeryUpdateApi(_CareApi):
    """Correct the current surgery; a new date, technique or brace prescription rebuilds the
    plan's future (items starting after today, pending milestones); the past is kept."""

    @extend_schema(request=SurgeryPatchInputSerializer, responses=SurgeryUpdateOutputSerializer)
    def patch(self, request: Request, patient_id: str) -> Response:
        patient = self.patient(request, patient_id)
        surgery = current_surgery(patient)
        if surgery is None:
            raise ApplicationError(
                "This patient has no surgery.", code="not_found", status_code=404
            )
        serializer = SurgeryPatchInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        update = surgery_update(
            surgery=surgery, data=serializer.validated_data, today=patient_today(patient)
        )
        self.audit(request, patient, AccessEvent.Action.UPDATE, "surgery", surgery.id)
        plan = update.rebuild.plan if update.rebuild else getattr(surgery, "plan", None)
        return Response(
            {
                "surgery": SurgeryOutputSerializer(update.surgery).data,
                "changed": list(update.changed),
                "plan_rebuilt": update.rebuild is not None,
                "template_code": plan.template_code if plan else "",
                "template_version": plan.template_version if plan else 0,
            }
        )
