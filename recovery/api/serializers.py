"""Serializers shared by the patient and care-team APIs (output shapes of core records)."""

from datetime import datetime

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from recovery.models import Patient, Surgery


class SurgeryOutputSerializer(serializers.ModelSerializer):
    implants = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        help_text="Implants as entered at enrolment, each a map of text attributes.",
    )

    class Meta:
        model = Surgery
        fields = [
            "id",
            "date",
            "levels",
            "indication",
            "approach",
            "technique",
            "instrumentation",
            "graft",
            "implants",
            "brace_prescribed",
            "discharge_date",
            "surgeon",
        ]


class PatientOutputSerializer(serializers.ModelSerializer):
    care_team = serializers.UUIDField(source="care_team_id")
    care_team_name = serializers.CharField(source="care_team.name")
    # patient app (issue 20): the urgent-advice screen dials it.
    care_team_phone = serializers.CharField(source="care_team.phone")
    surgery = serializers.SerializerMethodField()
    postop_day = serializers.SerializerMethodField()
    activated = serializers.BooleanField(source="user.is_active")
    # Stored once, on the notification preferences; the public field name stays.
    timezone = serializers.CharField(source="timezone_name", max_length=64)
    # Stored once too (issue 19): the preference's code, or the deployment's default.
    language = serializers.CharField(read_only=True, max_length=16)

    class Meta:
        model = Patient
        fields = [
            "id",
            "first_name",
            "last_name",
            "date_of_birth",
            "sex",
            "timezone",
            "language",
            "email",
            "phone",
            "care_team",
            "care_team_name",
            "care_team_phone",
            "smoking_status",
            "smoking_quit_date",
            "diabetes",
            "hba1c",
            "bmi",
            "bone_quality",
            "t_score",
            "steroid_use",
            "activated",
            "surgery",
            "postop_day",
            "created_at",
        ]
        # API contract (issue 18): clinical measurements are JSON numbers, not decimal strings.
        extra_kwargs = {name: {"coerce_to_string": False} for name in ("hba1c", "bmi", "t_score")}

    def _now(self) -> datetime:
        return self.context.get("now") or timezone.now()

    @extend_schema_field(SurgeryOutputSerializer(allow_null=True))
    def get_surgery(self, patient: Patient) -> dict | None:
        surgery = patient.latest_surgery()
        return SurgeryOutputSerializer(surgery).data if surgery else None

    @extend_schema_field(OpenApiTypes.INT)
    def get_postop_day(self, patient: Patient) -> int | None:
        return patient.postop_day_at(self._now())
