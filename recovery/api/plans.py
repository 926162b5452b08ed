"""Recovery plan endpoints: the patient's own (`/me/...`) and the care team's (`/care/...`).

Both audiences see the same shapes. Days are post-operative days (surgery date = day 0) on the
patient's calendar: "today" is the patient's local date, whoever asks.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import ApplicationError
from core.pagination import CreatedCursorPagination
from recovery.api.permissions import IsClinician, IsPatient, caller
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
    MilestoneSelfReportInputSerializer,
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
    adjustments_for_patient,
    checklist_day,
    milestones_for_patient,
    patient_today,
    plan_adherence,
    plan_summary,
)
from recovery.services.adjustments import (
    imaging_result_record,
    milestone_status_set,
    plan_item_adjust,
)
from recovery.services.audit import access_event_record, patient_access_for_clinician
from recovery.services.checklists import EntryInput, checklist_entries_record
from recovery.services.milestone_self_report import milestone_self_report
from recovery.services.plans import surgery_update


def _query_date(request: Request) -> datetime.date | None:
    """The `date` asked for; None means the patient's today (the selector knows it)."""
    query = ChecklistQueryInputSerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data.get("date")


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
        summary = plan_summary(patient=caller(request).patient, now=timezone.now())
        return Response(plan_payload(summary))


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
        checklist = checklist_day(
            patient=caller(request).patient, now=timezone.now(), day=_query_date(request)
        )
        return Response(checklist_payload(checklist))

    @extend_schema(request=_ENTRY_REQUEST, responses={200: _ENTRY_RESPONSE, 201: _ENTRY_RESPONSE})
    def post(self, request: Request) -> Response:
        patient = caller(request).patient
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
        patient = caller(self.request).patient
        return milestones_for_patient(patient=patient, status=_status_filter(self.request))

    @extend_schema(parameters=[_STATUS_PARAM])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class MeMilestoneApi(APIView):
    """The patient marks a self-reportable milestone achieved (issue 16)."""

    permission_classes = [IsPatient]

    @extend_schema(request=MilestoneSelfReportInputSerializer, responses=MilestoneOutputSerializer)
    def patch(self, request: Request, milestone_id: str) -> Response:
        patient = caller(request).patient
        # Another patient's milestone is a 404 whatever the body says.
        if not milestones_for_patient(patient=patient).filter(id=milestone_id).exists():
            raise ApplicationError("No such milestone.", code="not_found", status_code=404)
        serializer = MilestoneSelfReportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The same service and rule as POST me/milestones/{id}/achieved/ (the patient app).
        adjustment = milestone_self_report(
            patient=patient,
            milestone_id=milestone_id,
            actor=request.user,
            today=patient_today(patient),
            on=serializer.validated_data["achieved_on"],
            date_field="achieved_on",
        )
        return Response(MilestoneOutputSerializer(adjustment.milestone).data)


class MeAdherenceApi(APIView):
    permission_classes = [IsPatient]

    @extend_schema(responses=AdherenceOutputSerializer)
    def get(self, request: Request) -> Response:
        report = plan_adherence(patient=caller(request).patient, now=timezone.now())
        return Response(adherence_payload(report))


# ---------------------------------------------------------------------------------------------
# Care-team endpoints (patients of the caller's teams; others are 404)
# ---------------------------------------------------------------------------------------------


# Care-team endpoints. A read goes through `read_patient` (scope + one access event, the one
# audited path); a write scopes with `patient` and records the change after it. (A comment, not
# a docstring: drf-spectacular would publish a docstring as every subclass's description.)
class _CareApi(APIView):
    permission_classes = [IsClinician]

    def read_patient(self, request: Request, patient_id: Any, purpose: str) -> Patient:
        return patient_access_for_clinician(
            clinician=request.user, patient_id=patient_id, request=request, purpose=purpose
        )

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
        patient = self.read_patient(request, patient_id, "plan")
        return Response(plan_payload(plan_summary(patient=patient, now=timezone.now())))


class CareChecklistApi(_CareApi):
    @extend_schema(parameters=[_DATE_PARAM], responses=ChecklistOutputSerializer)
    def get(self, request: Request, patient_id: str) -> Response:
        patient = self.read_patient(request, patient_id, "checklist")
        checklist = checklist_day(patient=patient, now=timezone.now(), day=_query_date(request))
        return Response(checklist_payload(checklist))


class CareMilestoneListApi(_CareApi, ListAPIView):
    serializer_class = MilestoneOutputSerializer
    pagination_class = MilestoneCursorPagination

    def get_queryset(self) -> Any:
        patient = self.read_patient(self.request, self.kwargs["patient_id"], "milestones")
        return milestones_for_patient(patient=patient, status=_status_filter(self.request))

    @extend_schema(parameters=[_STATUS_PARAM])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class CareAdherenceApi(_CareApi):
    @extend_schema(responses=AdherenceOutputSerializer)
    def get(self, request: Request, patient_id: str) -> Response:
        patient = self.read_patient(request, patient_id, "adherence")
        return Response(adherence_payload(plan_adherence(patient=patient, now=timezone.now())))


class CareAdjustmentListApi(_CareApi, ListAPIView):
    """Who changed the plan, when and why; newest first."""

    serializer_class = ClinicianAdjustmentOutputSerializer
    pagination_class = CreatedCursorPagination

    def get_queryset(self) -> Any:
        patient = self.read_patient(self.request, self.kwargs["patient_id"], "adjustments")
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
