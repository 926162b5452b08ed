"""Care-team endpoints (dashboard and API). Every object is scoped to the caller's teams."""

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.i18n import LanguageField
from recovery.api.permissions import IsClinician
from recovery.api.serializers import PatientOutputSerializer
from recovery.models import AccessEvent, Patient, Surgery
from recovery.models.fields import FREE_TEXT_MAX
from recovery.selectors import patient_get_for_clinician, patient_list_for_clinician
from recovery.services.audit import (
    access_event_record,
    access_events_record_list,
    patient_access_for_clinician,
)
from recovery.services.enrollment import PatientData, SurgeryData, patient_enroll


class SurgeryInputSerializer(serializers.Serializer):
    date = serializers.DateField()
    levels = serializers.RegexField(
        r"^(T12-L1|L[1-5]-L[2-5]|L5-S1)(,(T12-L1|L[1-5]-L[2-5]|L5-S1))*$",
        default="L3-L4",
        error_messages={"invalid": "Use segments such as 'L3-L4' or 'L3-L4,L4-L5'."},
    )
    indication = serializers.ChoiceField(choices=Surgery.Indication.choices)
    approach = serializers.ChoiceField(choices=Surgery.Approach.choices)
    technique = serializers.ChoiceField(choices=Surgery.Technique.choices)
    brace_prescribed = serializers.BooleanField(default=False)
    discharge_date = serializers.DateField(required=False, allow_null=True, default=None)
    surgeon = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    instrumentation = serializers.CharField(
        max_length=FREE_TEXT_MAX, required=False, allow_blank=True, default=""
    )
    graft = serializers.CharField(
        max_length=FREE_TEXT_MAX, required=False, allow_blank=True, default=""
    )
    implants = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField(max_length=120)),
        required=False,
        default=list,
        max_length=50,
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        if attrs.get("discharge_date") and attrs["discharge_date"] < attrs["date"]:
            errors["discharge_date"] = ["Discharge cannot be before the surgery date."]
        if attrs["technique"] == "mis_tlif" and attrs["approach"] != "mis":
            errors["approach"] = ["MIS-TLIF is a minimally invasive ('mis') approach."]
        if attrs["technique"] == "tlif" and attrs["approach"] != "open":
            errors["technique"] = ["Use 'mis_tlif' for a minimally invasive TLIF."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class PatientEnrollInputSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField()
    sex = serializers.ChoiceField(choices=Patient.Sex.choices, default="unknown")
    timezone = serializers.CharField(max_length=64)
    language = LanguageField(default="en")  # issue 19: a supported code, or 400 listing them
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.RegexField(
        r"^\+?[0-9 ()-]{6,31}$",
        required=False,
        allow_blank=True,
        default="",
        error_messages={"invalid": "Enter a phone number in international format."},
    )
    care_team = serializers.UUIDField(required=False, allow_null=True, default=None)
    smoking_status = serializers.ChoiceField(choices=Patient.SmokingStatus.choices, default="never")
    smoking_quit_date = serializers.DateField(required=False, allow_null=True, default=None)
    diabetes = serializers.BooleanField(default=False)
    hba1c = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        coerce_to_string=False,
        min_value=3,
        max_value=20,
        required=False,
        allow_null=True,
        default=None,
    )
    bmi = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        coerce_to_string=False,
        min_value=10,
        max_value=90,
        required=False,
        allow_null=True,
        default=None,
    )
    bone_quality = serializers.ChoiceField(choices=Patient.BoneQuality.choices, default="unknown")
    t_score = serializers.DecimalField(
        max_digits=3,
        decimal_places=1,
        coerce_to_string=False,
        min_value=-7,
        max_value=5,
        required=False,
        allow_null=True,
        default=None,
    )
    steroid_use = serializers.BooleanField(default=False)
    surgery = SurgeryInputSerializer()

    def validate_timezone(self, value: str) -> str:
        import zoneinfo

        if value not in zoneinfo.available_timezones():
            raise serializers.ValidationError("Use an IANA time zone such as 'America/New_York'.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("smoking_quit_date") and attrs["smoking_status"] != "former":
            raise serializers.ValidationError(
                {"smoking_quit_date": ["Only a former smoker has a quit date."]}
            )
        if attrs["surgery"]["date"] < attrs["date_of_birth"]:
            raise serializers.ValidationError(
                {"date_of_birth": ["The date of birth must be before the surgery."]}
            )
        return attrs


class PatientListCreateApi(ListAPIView):
    """GET: the caller's teams' patients. POST: enroll a patient and their surgery."""

    permission_classes = [IsClinician]
    serializer_class = PatientOutputSerializer

    def get_queryset(self) -> Any:
        return patient_list_for_clinician(clinician=self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        shown = [row["id"] for row in response.data["results"]]
        patients = [Patient(id=pid) for pid in shown]
        access_events_record_list(
            actor=request.user, patients=patients, object_type="patient", request=request
        )
        return response

    @extend_schema(
        request=PatientEnrollInputSerializer,
        responses={
            201: inline_serializer(
                "PatientEnrollOutput",
                {
                    "id": serializers.UUIDField(),
                    "activation_code": serializers.CharField(),
                    "activation_expires_in_hours": serializers.IntegerField(),
                    "patient": PatientOutputSerializer(),
                },
            )
        },
    )
    def post(self, request: Request) -> Response:
        from django.conf import settings

        serializer = PatientEnrollInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        care_team_id = data.pop("care_team")
        surgery_data = data.pop("surgery")
        surgery = SurgeryData(**{**surgery_data, "implants": tuple(surgery_data["implants"])})
        enrollment = patient_enroll(
            clinician=request.user,
            data=PatientData(surgery=surgery, **data),
            care_team_id=care_team_id,
        )
        access_event_record(
            actor=request.user,
            patient=enrollment.patient,
            action=AccessEvent.Action.CREATE,
            object_type="patient",
            object_id=enrollment.patient.id,
            request=request,
        )
        patient = patient_get_for_clinician(
            clinician=request.user, patient_id=enrollment.patient.id
        )
        return Response(
            {
                "id": str(enrollment.patient.id),
                "activation_code": enrollment.activation_code,
                "activation_expires_in_hours": settings.ACTIVATION_CODE_TTL_HOURS,
                "patient": PatientOutputSerializer(patient).data,
            },
            status=status.HTTP_201_CREATED,
        )


class PatientDetailApi(APIView):
    permission_classes = [IsClinician]

    @extend_schema(responses=PatientOutputSerializer)
    def get(self, request: Request, patient_id: str) -> Response:
        patient = patient_access_for_clinician(
            clinician=request.user, patient_id=patient_id, request=request, purpose="patient"
        )
        return Response(PatientOutputSerializer(patient).data)
