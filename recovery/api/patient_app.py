"""Endpoints the patient app needs beyond the others (issue 20).

- GET triage/emergency-answers/: the answers that are emergencies on their own, generated from
  the rule set in force and versioned, so the app can show the emergency screen offline.
- POST me/milestones/<id>/achieved/: the patient records one of their self-reportable
  milestones (the same service and rule as PATCH me/milestones/<id>/).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.schema import ErrorSerializer
from recovery.api.permissions import IsPatient
from recovery.api.plan_serializers import MilestoneOutputSerializer
from recovery.selectors import patient_for_user
from recovery.selectors.plans import patient_today
from recovery.services.milestone_self_report import milestone_self_report
from recovery.services.triage_facts import triage_ruleset
from recovery.triage.emergency_answers import emergency_answers, emergency_answers_version


class EmergencyAnswerOutputSerializer(serializers.Serializer):
    fact = serializers.CharField(help_text="A check-in field whose `true` is an emergency alone.")
    rule_id = serializers.CharField()
    category = serializers.CharField()
    advice = serializers.CharField()


class EmergencyAnswersOutputSerializer(serializers.Serializer):
    version = serializers.CharField(help_text="Changes whenever the list or its advice changes.")
    emergency_number = serializers.CharField()
    answers = EmergencyAnswerOutputSerializer(many=True)


class EmergencyAnswersApi(APIView):
    """Public: rules, not health data, and the app fetches them before anyone signs in."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(responses=EmergencyAnswersOutputSerializer)
    def get(self, request: Request) -> Response:
        ruleset = triage_ruleset()
        answers = emergency_answers(ruleset)
        return Response(
            {
                "version": emergency_answers_version(ruleset, answers),
                "emergency_number": ruleset.emergency_number,
                "answers": [
                    {
                        "fact": a.fact,
                        "rule_id": a.rule_id,
                        "category": a.category,
                        "advice": a.advice,
                    }
                    for a in answers
                ],
            }
        )


class MilestoneAchievedInputSerializer(serializers.Serializer):
    date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Default: the patient's today."
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class MeMilestoneAchievedApi(APIView):
    permission_classes = [IsPatient]

    @extend_schema(
        request=MilestoneAchievedInputSerializer,
        responses={
            200: MilestoneOutputSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def post(self, request: Request, milestone_id: str) -> Response:
        patient = patient_for_user(request.user)
        assert patient is not None  # IsPatient ran first
        serializer = MilestoneAchievedInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        adjustment = milestone_self_report(
            patient=patient,
            milestone_id=milestone_id,
            actor=request.user,
            today=patient_today(patient),
            on=serializer.validated_data["date"],
            note=serializer.validated_data["note"],
        )
        return Response(MilestoneOutputSerializer(adjustment.milestone).data)
