"""Caregivers (issue 22): the patient's and care team's management, and the caregiver's own API.

- `/me/caregivers/...`: the patient invites, lists, re-scopes and revokes;
- `/care/patients/{id}/caregivers/...`: the care team does the same on the patient's request
  (audited, `patient_asked` recorded);
- `/caregiving/...`: the caregiver acts for a patient within the scopes granted. The link is
  read from the database on every request: no link (or a revoked one) is a 404, a missing
  scope a 403 `scope_not_granted`. Questionnaires are never reachable here: they must be the
  patient's own answers.

Plan, checklist and check-ins reuse the patient's own code paths with the patient and the
reporter: a check-in is read by `checkin_parse` and stored by
`recovery.services.checkins.checkin_submit`, exactly as POST /me/check-ins/, so partial input
(`rejected`), triage, the team's alert and replay behave exactly as for the patient.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from core.pagination import CreatedCursorPagination
from core.schema import ErrorSerializer
from core.throttles import RedisScopedRateThrottle
from recovery.api.checkins import (
    CheckInInputSerializer,
    CheckInOutputSerializer,
    checkin_parse,
)
from recovery.api.permissions import IsClinician, IsPatient
from recovery.api.plan_serializers import (
    ChecklistEntryOutputSerializer,
    ChecklistOutputSerializer,
    MilestoneCursorPagination,
    MilestoneOutputSerializer,
    PlanOutputSerializer,
    checklist_payload,
    plan_payload,
)
from recovery.api.plans import (
    _DATE_PARAM,
    _ENTRY_REQUEST,
    _ENTRY_RESPONSE,
    _STATUS_PARAM,
    _entry_rows,
    _query_date,
    _status_filter,
)
from recovery.api.reported_by import ReportedByField
from recovery.models import AccessEvent, CaregiverLink, CaregiverScope, Flag, Patient
from recovery.selectors.caregivers import (
    caregiver_link_for_patient,
    caregiver_link_get,
    caregiver_links_for_patient,
    caregiver_scope_require,
    caregiving_links,
)
from recovery.selectors.patients import patient_for_user, patient_get_for_clinician
from recovery.selectors.plans import (
    checklist_day,
    milestones_for_patient,
    patient_today,
    plan_summary,
)
from recovery.services.audit import (
    access_event_record,
    access_events_record_list,
    patient_access_for_clinician,
)
from recovery.services.caregivers import (
    caregiver_accept,
    caregiver_invite,
    caregiver_revoke,
    caregiver_scopes_update,
)
from recovery.services.checkins import checkin_submit
from recovery.services.checklists import EntryInput, checklist_entries_record

CAREGIVER = AccessEvent.ActorKind.CAREGIVER


# ---------------------------------------------------------------------------------------------
# Serializers
# ---------------------------------------------------------------------------------------------


class CaregiverInviteInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="How the patient calls them.")
    relationship = serializers.CharField(max_length=50, help_text="e.g. daughter, husband.")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=CaregiverScope.values),
        allow_empty=False,
        max_length=len(CaregiverScope.values),
    )


class CareCaregiverInviteInputSerializer(CaregiverInviteInputSerializer):
    patient_asked = serializers.BooleanField(
        help_text="Must be true: the care team invites only at the patient's request."
    )


class CaregiverScopesInputSerializer(serializers.Serializer):
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=CaregiverScope.values),
        max_length=len(CaregiverScope.values),
    )


class CaregiverLinkOutputSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=CaregiverScope.values))
    status = serializers.SerializerMethodField()

    class Meta:
        model = CaregiverLink
        fields = [
            "id",
            "name",
            "relationship",
            "email",
            "scopes",
            "status",
            "invited_by",
            "patient_asked",
            "created_at",
            "accepted_at",
            "revoked_at",
        ]

    def get_status(self, link: CaregiverLink) -> str:
        if link.revoked_at is not None:
            return "revoked"
        return "active" if link.caregiver_id is not None else "pending"


class CaregiverInvitationOutputSerializer(serializers.Serializer):
    caregiver = CaregiverLinkOutputSerializer()
    invitation_code = serializers.CharField(help_text="Shown once; single use.")
    expires_at = serializers.DateTimeField()


class CaregivingPatientOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="patient.id")
    first_name = serializers.CharField(source="patient.first_name")
    last_name = serializers.CharField(source="patient.last_name")
    caregiver_link = serializers.UUIDField(source="id")
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=CaregiverScope.values))


class CaregivingAcceptInputSerializer(serializers.Serializer):
    activation_code = serializers.CharField(max_length=32)


class CaregiverCheckInOutputSerializer(CheckInOutputSerializer):
    reported_by = ReportedByField()

    class Meta(CheckInOutputSerializer.Meta):
        fields = [*CheckInOutputSerializer.Meta.fields, "reported_by"]


class CaregiverAdviceOutputSerializer(serializers.ModelSerializer):
    # A plain string: the flag statuses' enum is already named by the care team's schema.
    status = serializers.CharField(help_text="open, acknowledged, resolved or dismissed.")

    class Meta:
        model = Flag
        fields = ["id", "category", "severity", "status", "opened_at", "advice"]


class AdviceCursorPagination(CreatedCursorPagination):
    ordering = ("-opened_at", "-id")


def _invitation_body(link: CaregiverLink, code: str) -> dict[str, Any]:
    return {
        "caregiver": CaregiverLinkOutputSerializer(link).data,
        "invitation_code": code,
        "expires_at": link.invitations.get(used_at__isnull=True).expires_at,
    }


# ---------------------------------------------------------------------------------------------
# The patient's own management (/me/caregivers/)
# ---------------------------------------------------------------------------------------------


def _own_patient(request: Request) -> Patient:
    patient = patient_for_user(request.user)
    assert patient is not None  # IsPatient ran first
    return patient


class MyCaregiverListCreateApi(ListAPIView):
    """GET: my caregivers (pending, active, revoked). POST: invite one; returns the code."""

    permission_classes = [IsPatient]
    serializer_class = CaregiverLinkOutputSerializer
    pagination_class = CreatedCursorPagination

    def get_queryset(self) -> QuerySet[CaregiverLink]:
        return caregiver_links_for_patient(patient=_own_patient(self.request))

    @extend_schema(
        request=CaregiverInviteInputSerializer,
        responses={201: CaregiverInvitationOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = CaregiverInviteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        link, code = caregiver_invite(
            patient=_own_patient(request),
            display_name=data["name"],
            relationship=data["relationship"],
            email=data["email"],
            scopes=data["scopes"],
            invited_by_user=request.user,
            now=timezone.now(),
        )
        return Response(_invitation_body(link, code), status=status.HTTP_201_CREATED)


class MyCaregiverDetailApi(APIView):
    """PATCH: change the scopes. DELETE: revoke at once."""

    permission_classes = [IsPatient]

    @extend_schema(request=CaregiverScopesInputSerializer, responses=CaregiverLinkOutputSerializer)
    def patch(self, request: Request, caregiver_id: str) -> Response:
        link = caregiver_link_for_patient(patient=_own_patient(request), link_id=caregiver_id)
        serializer = CaregiverScopesInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        link = caregiver_scopes_update(link=link, scopes=serializer.validated_data["scopes"])
        return Response(CaregiverLinkOutputSerializer(link).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, caregiver_id: str) -> Response:
        link = caregiver_link_for_patient(patient=_own_patient(request), link_id=caregiver_id)
        caregiver_revoke(link=link, actor=request.user, now=timezone.now())
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------------------------------------
# The care team, on the patient's behalf (/care/patients/{id}/caregivers/)
# ---------------------------------------------------------------------------------------------


class CarePatientCaregiverListCreateApi(ListAPIView):
    """GET: the patient's caregivers. POST: invite one at the patient's request (audited)."""

    permission_classes = [IsClinician]
    serializer_class = CaregiverLinkOutputSerializer
    pagination_class = CreatedCursorPagination

    def get_queryset(self) -> QuerySet[CaregiverLink]:
        patient = patient_access_for_clinician(
            clinician=self.request.user,
            patient_id=self.kwargs["patient_id"],
            request=self.request._request,
            purpose="caregiver_link",
            action=AccessEvent.Action.LIST,
        )
        return caregiver_links_for_patient(patient=patient)

    @extend_schema(
        request=CareCaregiverInviteInputSerializer,
        responses={201: CaregiverInvitationOutputSerializer},
    )
    def post(self, request: Request, patient_id: str) -> Response:
        patient = patient_get_for_clinician(clinician=request.user, patient_id=patient_id)
        serializer = CareCaregiverInviteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        link, code = caregiver_invite(
            patient=patient,
            display_name=data["name"],
            relationship=data["relationship"],
            email=data["email"],
            scopes=data["scopes"],
            invited_by_user=request.user,
            now=timezone.now(),
            by_care_team=True,
            patient_asked=data["patient_asked"],
        )
        access_event_record(
            actor=request.user,
            patient=patient,
            action=AccessEvent.Action.CREATE,
            object_type="caregiver_link",
            object_id=link.id,
            request=request._request,
        )
        return Response(_invitation_body(link, code), status=status.HTTP_201_CREATED)


class CarePatientCaregiverDetailApi(APIView):
    """DELETE: revoke a caregiver's access (audited)."""

    permission_classes = [IsClinician]

    @extend_schema(responses={204: None})
    def delete(self, request: Request, patient_id: str, caregiver_id: str) -> Response:
        patient = patient_get_for_clinician(clinician=request.user, patient_id=patient_id)
        link = caregiver_link_for_patient(patient=patient, link_id=caregiver_id)
        caregiver_revoke(link=link, actor=request.user, now=timezone.now())
        access_event_record(
            actor=request.user,
            patient=patient,
            action=AccessEvent.Action.UPDATE,
            object_type="caregiver_revocation",
            object_id=link.id,
            request=request._request,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------------------------------------
# The caregiver (/caregiving/)
# ---------------------------------------------------------------------------------------------


class CaregivingListApi(ListAPIView):
    """The patients I help, with the scopes each granted me."""

    permission_classes = [IsAuthenticated]
    serializer_class = CaregivingPatientOutputSerializer
    pagination_class = CreatedCursorPagination

    def get_queryset(self) -> QuerySet[CaregiverLink]:
        return caregiving_links(user=self.request.user)

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = self.list(request, *args, **kwargs)
        access_events_record_list(
            actor=request.user,
            patients=[Patient(id=row["id"]) for row in response.data["results"]],
            object_type="caregiving",
            request=request._request,
            actor_kind=CAREGIVER,
        )
        return response


class CaregivingAcceptApi(APIView):
    """A signed-in person redeems another invitation code (one may help several patients)."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "activation"

    @extend_schema(
        request=CaregivingAcceptInputSerializer, responses={201: CaregivingPatientOutputSerializer}
    )
    def post(self, request: Request) -> Response:
        serializer = CaregivingAcceptInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        link = caregiver_accept(
            code=serializer.validated_data["activation_code"],
            user=request.user,
            now=timezone.now(),
        )
        access_event_record(
            actor=request.user,
            actor_kind=CAREGIVER,
            patient=link.patient,
            action=AccessEvent.Action.CREATE,
            object_type="caregiver_acceptance",
            object_id=link.id,
            request=request._request,
        )
        return Response(
            CaregivingPatientOutputSerializer(link).data, status=status.HTTP_201_CREATED
        )


class _CaregivingApi(APIView):
    """Resolves the caller's live link to the patient on every request, then the scope."""

    permission_classes = [IsAuthenticated]

    def link(self, request: Request, patient_id: Any, scope: str) -> CaregiverLink:
        link = caregiver_link_get(user=request.user, patient_id=patient_id)
        caregiver_scope_require(link=link, scope=scope)
        return link

    def audit(
        self, request: Request, link: CaregiverLink, action: str, object_type: str, oid: object = ""
    ) -> None:
        access_event_record(
            actor=request.user,
            actor_kind=CAREGIVER,
            patient=link.patient,
            action=action,
            object_type=object_type,
            object_id=oid or link.patient_id,
            request=request._request,
        )


class CaregivingPlanApi(_CaregivingApi):
    @extend_schema(responses=PlanOutputSerializer)
    def get(self, request: Request, patient_id: str) -> Response:
        link = self.link(request, patient_id, CaregiverScope.VIEW_PLAN)
        summary = plan_summary(patient=link.patient, now=timezone.now())
        self.audit(request, link, AccessEvent.Action.VIEW, "plan", summary.plan.id)
        return Response(plan_payload(summary))


class CaregivingChecklistApi(_CaregivingApi):
    """GET (view_plan): the day's items and answers. POST (report_check_ins): answer for the
    patient; same rules as the patient's own POST /me/checklist/, attributed to the caregiver."""

    @extend_schema(parameters=[_DATE_PARAM], responses=ChecklistOutputSerializer)
    def get(self, request: Request, patient_id: str) -> Response:
        link = self.link(request, patient_id, CaregiverScope.VIEW_PLAN)
        checklist = checklist_day(
            patient=link.patient, now=timezone.now(), day=_query_date(request)
        )
        self.audit(request, link, AccessEvent.Action.VIEW, "checklist")
        return Response(checklist_payload(checklist))

    @extend_schema(request=_ENTRY_REQUEST, responses={200: _ENTRY_RESPONSE, 201: _ENTRY_RESPONSE})
    def post(self, request: Request, patient_id: str) -> Response:
        link = self.link(request, patient_id, CaregiverScope.REPORT_CHECK_INS)
        many = isinstance(request.data, list)
        rows = _entry_rows(request.data, many=many)
        results = checklist_entries_record(
            patient=link.patient,
            entries=[EntryInput(**row) for row in rows],
            today=patient_today(link.patient),
            reported_by=link,
        )
        for result in results:
            result.entry.outcome = result.outcome  # type: ignore[attr-defined]
        self.audit(request, link, AccessEvent.Action.CREATE, "checklist_entry")
        created = any(r.outcome == "created" for r in results)
        entries = [r.entry for r in results]
        if many:
            data: Any = {"results": ChecklistEntryOutputSerializer(entries, many=True).data}
        else:
            data = ChecklistEntryOutputSerializer(entries[0]).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class CaregivingMilestoneListApi(_CaregivingApi, ListAPIView):
    serializer_class = MilestoneOutputSerializer
    pagination_class = MilestoneCursorPagination

    def get_queryset(self) -> Any:
        link = self.link(self.request, self.kwargs["patient_id"], CaregiverScope.VIEW_PLAN)
        self.audit(self.request, link, AccessEvent.Action.VIEW, "milestones")
        return milestones_for_patient(patient=link.patient, status=_status_filter(self.request))

    @extend_schema(parameters=[_STATUS_PARAM])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class CaregivingCheckInApi(_CaregivingApi):
    """One check-in for the patient: same body, validation, triage and advice as POST
    /me/check-ins/ (201; a replay of the same id 200); the emergency advice comes back here."""

    # The check-in budget, counted with the patient's own check-ins (one Redis log).
    throttle_classes = [RedisScopedRateThrottle]
    throttle_scope = "checkin"

    @extend_schema(
        request=CheckInInputSerializer,
        responses={
            201: CaregiverCheckInOutputSerializer,
            200: CaregiverCheckInOutputSerializer,
            400: ErrorSerializer,
            409: ErrorSerializer,
        },
    )
    def post(self, request: Request, patient_id: str) -> Response:
        link = self.link(request, patient_id, CaregiverScope.REPORT_CHECK_INS)
        # The patient's own path (recovery.api.checkins.CheckInListCreateApi.post), attributed.
        result = checkin_submit(
            patient=link.patient,
            submission=checkin_parse(request.data),
            now=timezone.now(),
            reported_by=link,
        )
        self.audit(request, link, AccessEvent.Action.CREATE, "checkin", result.checkin.id)
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        # Temperatures read back in the patient's unit, as on the patient's own path.
        context = {"temperature_unit": link.patient.temperature_unit}
        body = CaregiverCheckInOutputSerializer(result.checkin, context=context).data
        return Response(body, status=code)


class CaregivingAdviceApi(_CaregivingApi, ListAPIView):
    """Flags raised for the patient and the advice they were given, newest first.

    Flags raised from questionnaires are left out: those answers are the patient's own.
    """

    serializer_class = CaregiverAdviceOutputSerializer
    pagination_class = AdviceCursorPagination

    def get_queryset(self) -> QuerySet[Flag]:
        link = self.link(self.request, self.kwargs["patient_id"], CaregiverScope.VIEW_ADVICE)
        self.audit(self.request, link, AccessEvent.Action.VIEW, "advice")
        return (
            Flag.objects.filter(patient=link.patient)
            .exclude(origin=Flag.Origin.PROM)
            .only(*CaregiverAdviceOutputSerializer.Meta.fields)
        )
