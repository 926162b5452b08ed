"""Serializers and response builders of the recovery plan API (both audiences share them)."""

from __future__ import annotations

import datetime
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.pagination import CursorPagination

from recovery.api.reported_by import MilestoneReportedByField, ReportedByField
from recovery.api.serializers import SurgeryOutputSerializer
from recovery.models import (
    ChecklistEntry,
    ClinicianAdjustment,
    ImagingResult,
    Milestone,
    PlanItem,
    Surgery,
)
from recovery.models.fields import FREE_TEXT_MAX
from recovery.selectors.plans import (
    AdherenceReport,
    AdherenceWindow,
    ChecklistDay,
    PhaseInfo,
    PlanSummary,
)

ADHERENCE_DEFINITION = (
    "Per item-day: an item due on a date is kept, not kept or unknown (unanswered). "
    "rate = kept / (kept + not_kept), over answered item-days only; null when nothing was "
    "answered. Unanswered item-days are counted in 'unknown', never as kept or not kept. A date "
    "with nothing due is left out (it is not a 100% day). Windows include both ends: "
    "last_7_days is today and the 6 days before it (from the surgery date at the earliest); "
    "since_surgery runs from the surgery date to today. Rates are rounded to 4 decimals."
)
MAX_ENTRIES_PER_REQUEST = 100


# ---------------------------------------------------------------------------------------------
# Serializers
# ---------------------------------------------------------------------------------------------


class PhaseOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    start_day = serializers.IntegerField()
    end_day = serializers.IntegerField(allow_null=True, help_text="Inclusive; null = open-ended.")


class PlanItemOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField()
    # In the reader's language (the patient's on /me/, issue 19), falling back to English.
    title = serializers.CharField(source="title_text")
    detail = serializers.CharField(source="detail_text")
    kind = serializers.ChoiceField(choices=PlanItem.Kind.choices)
    daily_check = serializers.BooleanField(
        help_text="True: ticked on the daily checklist and counted in adherence."
    )
    phase_code = serializers.CharField()
    phase_title = serializers.CharField(source="phase_title_text")
    start_day = serializers.IntegerField()
    end_day = serializers.IntegerField(
        source="effective_end_day",
        allow_null=True,
        help_text="Last post-operative day in force (inclusive), after any clinician "
        "adjustment; null = open-ended.",
    )
    planned_end_day = serializers.IntegerField(source="end_day", allow_null=True)
    start_date = serializers.SerializerMethodField()
    end_date = serializers.SerializerMethodField()
    values = serializers.DictField(child=serializers.FloatField())
    sources = serializers.ListField(child=serializers.CharField())
    range_note = serializers.CharField()
    adjusted = serializers.SerializerMethodField()
    lifted = serializers.SerializerMethodField()
    adjusted_at = serializers.DateTimeField(allow_null=True)
    adjustment_reason = serializers.CharField()
    template_code = serializers.CharField()
    template_version = serializers.IntegerField()

    def _date(self, day: int | None) -> datetime.date | None:
        if day is None:
            return None
        return self.context["surgery_date"] + datetime.timedelta(days=day)

    def get_start_date(self, item: PlanItem) -> datetime.date | None:
        return self._date(item.start_day)

    def get_end_date(self, item: PlanItem) -> datetime.date | None:
        return self._date(item.effective_end_day)

    def get_adjusted(self, item: PlanItem) -> bool:
        return item.adjusted_at is not None

    def get_lifted(self, item: PlanItem) -> bool:
        return item.lifted_at is not None


class MilestoneOutputSerializer(serializers.ModelSerializer):
    sources = serializers.ListField(child=serializers.CharField(), help_text="Source ids (R..).")
    reported_by = MilestoneReportedByField()
    title = serializers.CharField(source="title_text")  # the reader's language (issue 19)
    detail = serializers.CharField(source="detail_text")

    class Meta:
        model = Milestone
        fields = [
            "id",
            "code",
            "occurrence",
            "title",
            "detail",
            "kind",
            "day_min",
            "day_max",
            "target_date_min",
            "target_date_max",
            "repeat_every_days",
            "status",
            "achieved_on",
            "status_changed_at",
            "note",
            "sources",
            "range_note",
            "template_code",
            "template_version",
            "reported_by",
            "self_report",
        ]


class AdherenceCountsOutputSerializer(serializers.Serializer):
    due = serializers.IntegerField()
    kept = serializers.IntegerField()
    not_kept = serializers.IntegerField()
    unknown = serializers.IntegerField(help_text="Due but unanswered.")
    answered = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class AdherenceItemOutputSerializer(AdherenceCountsOutputSerializer):
    code = serializers.CharField()
    title = serializers.CharField()


class AdherenceWindowOutputSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    days_due = serializers.IntegerField()
    days_answered = serializers.IntegerField()
    overall = AdherenceCountsOutputSerializer()
    per_item = AdherenceItemOutputSerializer(many=True)


class AdherenceOutputSerializer(serializers.Serializer):
    definition = serializers.CharField()
    last_7_days = AdherenceWindowOutputSerializer()
    since_surgery = AdherenceWindowOutputSerializer()


class PlanOutputSerializer(serializers.Serializer):
    template_code = serializers.CharField()
    template_version = serializers.IntegerField()
    surgery_date = serializers.DateField()
    today = serializers.DateField(help_text="The patient's local date.")
    postop_day = serializers.IntegerField()
    phase = PhaseOutputSerializer(allow_null=True)
    restrictions = PlanItemOutputSerializer(many=True)
    tasks_and_goals = PlanItemOutputSerializer(many=True)
    upcoming_milestones = MilestoneOutputSerializer(many=True)
    overdue_milestones = MilestoneOutputSerializer(many=True)
    adherence = AdherenceOutputSerializer()


class ChecklistEntryStateOutputSerializer(serializers.ModelSerializer):
    reported_by = ReportedByField()

    class Meta:
        model = ChecklistEntry
        fields = ["id", "kept", "note", "client_id", "created_at", "updated_at", "reported_by"]


class ChecklistItemOutputSerializer(PlanItemOutputSerializer):
    entry = serializers.SerializerMethodField()

    @extend_schema_field(ChecklistEntryStateOutputSerializer(allow_null=True))
    def get_entry(self, item: PlanItem) -> dict[str, Any] | None:
        entry = self.context["entries"].get(item.id)
        return ChecklistEntryStateOutputSerializer(entry).data if entry else None


class ChecklistOutputSerializer(serializers.Serializer):
    date = serializers.DateField()
    postop_day = serializers.IntegerField()
    phase = PhaseOutputSerializer(allow_null=True)
    editable = serializers.BooleanField(
        help_text="Entries can be recorded for this date (not in the future, within the grace "
        "window)."
    )
    grace_days = serializers.IntegerField()
    items = ChecklistItemOutputSerializer(many=True)


class ChecklistQueryInputSerializer(serializers.Serializer):
    date = serializers.DateField(required=False)


class ChecklistEntryInputSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The patient's local calendar date.")
    item = serializers.CharField(
        max_length=64,
        help_text="The plan item's id (UUID), or its code (e.g. 'no_blt'), resolved among the "
        "items due on that date.",
    )
    kept = serializers.BooleanField()
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    client_id = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Optional id generated by the phone; a replay with the same id is a no-op.",
    )


class ChecklistEntryOutputSerializer(serializers.ModelSerializer):
    item_code = serializers.CharField(source="item.code")
    result = serializers.ChoiceField(
        choices=["created", "updated", "unchanged"], source="outcome", read_only=True
    )
    reported_by = ReportedByField()

    class Meta:
        model = ChecklistEntry
        fields = [
            "id",
            "item",
            "item_code",
            "date",
            "kept",
            "note",
            "client_id",
            "created_at",
            "updated_at",
            "result",
            "reported_by",
        ]


class ChecklistEntryListOutputSerializer(serializers.Serializer):
    results = ChecklistEntryOutputSerializer(many=True)


class SurgeryPatchInputSerializer(serializers.Serializer):
    date = serializers.DateField(required=False)
    levels = serializers.RegexField(
        r"^(T12-L1|L[1-5]-L[2-5]|L5-S1)(,(T12-L1|L[1-5]-L[2-5]|L5-S1))*$",
        required=False,
        error_messages={"invalid": "Use segments such as 'L3-L4' or 'L3-L4,L4-L5'."},
    )
    indication = serializers.ChoiceField(choices=Surgery.Indication.choices, required=False)
    approach = serializers.ChoiceField(choices=Surgery.Approach.choices, required=False)
    technique = serializers.ChoiceField(choices=Surgery.Technique.choices, required=False)
    brace_prescribed = serializers.BooleanField(required=False)
    discharge_date = serializers.DateField(required=False, allow_null=True)
    surgeon = serializers.CharField(max_length=120, required=False, allow_blank=True)
    instrumentation = serializers.CharField(
        max_length=FREE_TEXT_MAX, required=False, allow_blank=True
    )
    graft = serializers.CharField(max_length=FREE_TEXT_MAX, required=False, allow_blank=True)


class SurgeryUpdateOutputSerializer(serializers.Serializer):
    surgery = SurgeryOutputSerializer()
    changed = serializers.ListField(child=serializers.CharField())
    plan_rebuilt = serializers.BooleanField()
    template_code = serializers.CharField()
    template_version = serializers.IntegerField()


class PlanItemAdjustInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["lift", "extend"])
    end_day = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=0,
        help_text="Required for extend: the new last post-operative day in force.",
    )
    reason = serializers.CharField(max_length=2000)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["action"] == "extend" and attrs.get("end_day") is None:
            raise serializers.ValidationError({"end_day": ["Required to extend an item."]})
        return attrs


class ClinicianAdjustmentOutputSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", help_text="Who (username).")

    class Meta:
        model = ClinicianAdjustment
        fields = [
            "id",
            "kind",
            "actor",
            "created_at",
            "reason",
            "payload",
            "item",
            "milestone",
            "imaging_result",
        ]


class PlanItemAdjustOutputSerializer(serializers.Serializer):
    adjustment = ClinicianAdjustmentOutputSerializer()
    item = PlanItemOutputSerializer()


class MilestoneStatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["achieved", "missed"])
    date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Default: the patient's today."
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class MilestoneSelfReportInputSerializer(serializers.Serializer):
    """What a patient may say about their own milestone (issue 16): achieved, on a date."""

    status = serializers.ChoiceField(choices=["achieved"])
    achieved_on = serializers.DateField()


class MilestoneStatusOutputSerializer(serializers.Serializer):
    adjustment = ClinicianAdjustmentOutputSerializer()
    milestone = MilestoneOutputSerializer()


class ImagingResultInputSerializer(serializers.Serializer):
    date = serializers.DateField()
    modality = serializers.ChoiceField(choices=ImagingResult.Modality.choices)
    finding = serializers.ChoiceField(choices=ImagingResult.Finding.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ImagingResultOutputSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.username")

    class Meta:
        model = ImagingResult
        fields = ["id", "date", "modality", "finding", "note", "recorded_by", "created_at"]


class ImagingResultCreateOutputSerializer(serializers.Serializer):
    imaging_result = ImagingResultOutputSerializer()
    adjustment = ClinicianAdjustmentOutputSerializer()
    milestones_achieved = serializers.ListField(child=serializers.CharField())


class MilestoneCursorPagination(CursorPagination):
    """Chronological by target window; a cursor stays stable while statuses change."""

    ordering = ("day_min", "day_max", "code", "occurrence")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


# ---------------------------------------------------------------------------------------------
# Payload builders shared by both audiences
# ---------------------------------------------------------------------------------------------


def _phase(phase: PhaseInfo | None) -> dict[str, Any] | None:
    if phase is None:
        return None
    return {
        "code": phase.code,
        "title": phase.title,
        "start_day": phase.start_day,
        "end_day": phase.end_day,
    }


def _counts(counts: Any) -> dict[str, Any]:
    rate = counts.rate
    return {
        "due": counts.due,
        "kept": counts.kept,
        "not_kept": counts.not_kept,
        "unknown": counts.unknown,
        "answered": counts.answered,
        "rate": round(rate, 4) if rate is not None else None,
    }


def _window(window: AdherenceWindow, titles: dict[str, str]) -> dict[str, Any]:
    result = window.result
    return {
        "start": window.start,
        "end": window.end,
        "days_due": result.days_due,
        "days_answered": result.days_answered,
        "overall": _counts(result.overall),
        "per_item": [
            {"code": code, "title": titles.get(code, code), **_counts(counts)}
            for code, counts in result.per_item.items()
        ],
    }


def adherence_payload(report: AdherenceReport) -> dict[str, Any]:
    return {
        "definition": ADHERENCE_DEFINITION,
        "last_7_days": _window(report.last_7_days, report.titles),
        "since_surgery": _window(report.since_surgery, report.titles),
    }


def plan_payload(summary: PlanSummary) -> dict[str, Any]:
    context = {"surgery_date": summary.surgery_date}
    return {
        "template_code": summary.plan.template_code,
        "template_version": summary.plan.template_version,
        "surgery_date": summary.surgery_date,
        "today": summary.today,
        "postop_day": summary.postop_day,
        "phase": _phase(summary.phase),
        "restrictions": PlanItemOutputSerializer(
            summary.restrictions, many=True, context=context
        ).data,
        "tasks_and_goals": PlanItemOutputSerializer(
            summary.tasks_and_goals, many=True, context=context
        ).data,
        "upcoming_milestones": MilestoneOutputSerializer(
            summary.upcoming_milestones, many=True
        ).data,
        "overdue_milestones": MilestoneOutputSerializer(summary.overdue_milestones, many=True).data,
        "adherence": adherence_payload(summary.adherence),
    }


def checklist_payload(checklist: ChecklistDay) -> dict[str, Any]:
    context = {"surgery_date": checklist.surgery_date, "entries": checklist.entries}
    return {
        "date": checklist.date,
        "postop_day": checklist.postop_day,
        "phase": _phase(checklist.phase),
        "editable": checklist.editable,
        "grace_days": checklist.grace_days,
        "items": ChecklistItemOutputSerializer(checklist.items, many=True, context=context).data,
    }
