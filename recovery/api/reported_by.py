"""`reported_by` on what a patient or a caregiver recorded (issue 22), for every serializer."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from recovery.selectors.caregivers import reported_by


class ReportedByOutputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["patient", "caregiver", "care_team"])
    name = serializers.CharField(
        allow_null=True, help_text="The caregiver as the patient named them; null otherwise."
    )
    relationship = serializers.CharField(allow_null=True, help_text="Null unless a caregiver.")


@extend_schema_field(ReportedByOutputSerializer)
class ReportedByField(serializers.Field):
    """Reads `reported_by_caregiver` (load it with select_related): patient or caregiver."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("source", "*")
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, instance: Any) -> dict[str, str | None] | None:
        return reported_by(instance.reported_by_caregiver)


@extend_schema_field(ReportedByOutputSerializer(allow_null=True))
class MilestoneReportedByField(ReportedByField):
    """A milestone is settled by the patient, a caregiver, the care team, or nobody yet (null).

    List selectors annotate `patient_user_id`, so telling the patient's own record from the
    care team's costs no query; a single milestone without it reads its plan's patient.
    """

    def to_representation(self, instance: Any) -> dict[str, str | None] | None:
        if instance.reported_by_caregiver_id is not None:
            return reported_by(instance.reported_by_caregiver)
        if instance.recorded_by_id is None:
            return None
        patient_user_id = getattr(instance, "patient_user_id", None)
        if patient_user_id is None:
            patient_user_id = instance.plan.patient.user_id
        if instance.recorded_by_id == patient_user_id:
            return reported_by(None)  # the patient themselves
        return {"kind": "care_team", "name": None, "relationship": None}
