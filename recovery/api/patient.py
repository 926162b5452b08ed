"""Patient (mobile) endpoints. The caller is always request.user.patient."""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from recovery.api.permissions import IsPatient, caller
from recovery.api.serializers import PatientOutputSerializer
from recovery.models import Patient
from recovery.selectors import with_surgeries


class MeApi(APIView):
    permission_classes = [IsPatient]

    @extend_schema(responses=PatientOutputSerializer)
    def get(self, request: Request) -> Response:
        patient = with_surgeries(Patient.objects.filter(user=caller(request))).get()
        return Response(PatientOutputSerializer(patient).data)
