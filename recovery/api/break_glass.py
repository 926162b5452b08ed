"""POST /api/v1/care/patients/{id}/break-glass/: emergency access with a stated reason."""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from recovery.api.permissions import IsClinician
from recovery.models import BreakGlassGrant
from recovery.models.break_glass import BREAK_GLASS_REASON_MAX
from recovery.services.break_glass import break_glass_open


class BreakGlassInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=BREAK_GLASS_REASON_MAX)


class BreakGlassOutputSerializer(serializers.ModelSerializer):
    patient = serializers.UUIDField(source="patient_id")

    class Meta:
        model = BreakGlassGrant
        fields = ["id", "patient", "reason", "created_at", "expires_at"]


class BreakGlassApi(APIView):
    """Open a patient outside your teams for a limited time. Audited; coordinators are told."""

    permission_classes = [IsClinician]

    @extend_schema(request=BreakGlassInputSerializer, responses={201: BreakGlassOutputSerializer})
    def post(self, request: Request, patient_id: Any) -> Response:
        serializer = BreakGlassInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        grant = break_glass_open(
            clinician=request.user,
            patient_id=patient_id,
            reason=serializer.validated_data["reason"],
            now=timezone.now(),
            request=request,
        )
        return Response(BreakGlassOutputSerializer(grant).data, status=status.HTTP_201_CREATED)
