"""Recovery plan endpoints: the patient's own (`/me/...`) and the care team's (`/care/...`).

Both audiences see the same shapes. Days are post-operative days (surgery date = day 0) on the
patient's calendar: "today" is the patient's local date, whoever asks.
"""

from __future__ import annotations

import datetime
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.exceptions import ApplicationError
from backend.pagination import CreatedCursorPagination
from recovery.api.permissions import IsClinician, IsPatient
from recovery.api.plan_serializers import (
    MAX_ENTRIES_PER_REQUEST,
    AdherenceOutputSerializer,
    ChecklistEntryInputSerializer,
    ChecklistEntryListOutputSerializer,
    ChecklistEntryOutputSerializer,
    ChecklistOutputSerializer,
    ChecklistQueryInputSerializer,
    ClinicianAdjustmentOutputSerializer,
    ImagingResultCreateOutputSerializer,
    ImagingResultInputSerializer,
    ImagingResultOutputSerializer,
    MilestoneCursorPagination,
    MilestoneOutputSerializer,
    MilestoneStatusInputSerializer,
    MilestoneStatusOutputSerializer,
    PlanItemAdjustInputSerializer,
    PlanItemAdjustOutputSerializer,
    PlanItemOutputSerializer,
    PlanOutputSerializer,
    SurgeryPatchInputSerializer,
    SurgeryUpdateOutputSerializer,
    adherence_payload,
    checklist_payload,
    plan_payload,
)
from recovery.api.serializers import SurgeryOutputSerializer
from recovery.models import AccessEvent, Milestone, Patient
from recovery.selectors import current_surgery, patient_get_for_clinician
from recovery.selectors.plans import (
    adherence_report,
    adjustments_for_patient,
    milestones_for_patient,
    patient_today,
    plan_snapshot,
)
from recovery.services.adjustments import (
    imaging_result_record,
    milestone_status_set,
    plan_item_adjust,
)
from recovery.services.audit import access_event_record
from recovery.services.checklists import EntryInput, checklist_entries_record
from recovery.services.plans import surgery_update


def _query_date(request: Request, today: datetime.date) -> datetime.date:
    query = ChecklistQueryInputSerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data.get("date") or today


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
        return Response(adherence_payload(adherence_report(snapshot=snapshot)))


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
        return Response(adherence_payload(adherence_report(snapshot=snapshot)))


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
