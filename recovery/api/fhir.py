"""FHIR R4 export endpoints: a care team's patient, or the calling patient's own record."""

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from recovery.api.permissions import IsClinician, IsPatient
from recovery.fhir.export import MEDIA_TYPE, FhirExport, fhir_export_start
from recovery.models import Patient
from recovery.selectors import patient_for_user, patient_get_for_clinician


class FhirJsonRenderer(JSONRenderer):
    """Lets a client ask for `application/fhir+json`; errors still use the one error shape."""

    media_type = MEDIA_TYPE
    format = "fhir"


def _streaming_response(export: FhirExport) -> StreamingHttpResponse:
    response = StreamingHttpResponse(export.chunks, content_type=f"{MEDIA_TYPE}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store"  # a whole clinical record: never in a shared cache
    return response


FHIR_BUNDLE_RESPONSE = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="A FHIR R4 Bundle (type `collection`) of the patient's recovery record.",
)


class CarePatientFhirExportApi(APIView):
    permission_classes = [IsClinician]
    renderer_classes = [JSONRenderer, FhirJsonRenderer]

    @extend_schema(
        operation_id="care_patient_fhir_export",
        responses={(200, MEDIA_TYPE): FHIR_BUNDLE_RESPONSE},
    )
    def get(self, request: Request, patient_id: str) -> StreamingHttpResponse:
        patient = patient_get_for_clinician(clinician=request.user, patient_id=patient_id)
        return _streaming_response(
            fhir_export_start(patient=patient, actor=request.user, request=request)
        )


class MeFhirExportApi(APIView):
    permission_classes = [IsPatient]
    renderer_classes = [JSONRenderer, FhirJsonRenderer]

    @extend_schema(
        operation_id="me_fhir_export",
        responses={(200, MEDIA_TYPE): FHIR_BUNDLE_RESPONSE},
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        patient: Patient = patient_for_user(request.user)  # type: ignore[assignment]
        return _streaming_response(
            fhir_export_start(patient=patient, actor=request.user, request=request)
        )
