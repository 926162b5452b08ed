"""Who looked at a patient's record: for the care team, and for the patients themselves."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView

from recovery.api.permissions import IsClinician, IsPatient, caller
from recovery.models import AccessEvent, CareTeamMembership
from recovery.selectors import patient_for_user, patient_get_for_clinician


class AccessEventOutputSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.get_username")
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = AccessEvent
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_name",
            "actor_kind",
            "action",
            "object_type",
            "object_id",
            "request_id",
            "ip_address",
        ]

    def get_actor_name(self, event: AccessEvent) -> str:
        return event.actor.get_full_name() or event.actor.get_username()


class PatientAccessEventOutputSerializer(serializers.ModelSerializer):
    """What a patient sees: who (name and role), what and when; no IPs or request ids."""

    viewer = serializers.SerializerMethodField()
    role = serializers.SerializerMethodField()

    class Meta:
        model = AccessEvent
        fields = ["id", "created_at", "viewer", "role", "action", "object_type"]

    def get_viewer(self, event: AccessEvent) -> str:
        # A display name, never the username (a sign-in credential; issue 17).
        return event.actor.get_full_name() or "Care team member"

    def get_role(self, event: AccessEvent) -> str:
        if event.actor_kind == AccessEvent.ActorKind.CAREGIVER:
            return "caregiver"  # someone the patient invited (issue 22)
        roles = {m.role for m in event.actor.care_memberships.all()}
        return ", ".join(sorted(roles)) or "staff"


class PatientAccessLogApi(ListAPIView):
    """A patient's access history, for their care team (newest first)."""

    permission_classes = [IsClinician]
    serializer_class = AccessEventOutputSerializer

    def get_queryset(self) -> QuerySet[AccessEvent]:
        patient = patient_get_for_clinician(
            clinician=self.request.user, patient_id=self.kwargs["patient_id"]
        )
        return AccessEvent.objects.filter(patient=patient).select_related("actor")


class MyAccessLogApi(ListAPIView):
    """Who viewed or changed my record."""

    permission_classes = [IsPatient]
    serializer_class = PatientAccessEventOutputSerializer

    @extend_schema(operation_id="me_access_log_list")
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[AccessEvent]:
        from django.db.models import Prefetch

        patient = patient_for_user(self.request.user)
        return (
            AccessEvent.objects.filter(patient=patient)
            .exclude(actor=caller(self.request))
            .select_related("actor")
            .prefetch_related(
                Prefetch("actor__care_memberships", queryset=CareTeamMembership.objects.all())
            )
        )
