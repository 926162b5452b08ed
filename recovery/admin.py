from django.contrib import admin

from recovery.models import (
    AccessEvent,
    ActivationCode,
    CareTeam,
    CareTeamMembership,
    CheckIn,
    ChecklistEntry,
    ClinicianAdjustment,
    Flag,
    ImagingResult,
    Milestone,
    Patient,
    PatientPlan,
    PlanItem,
    QuestionnaireResponse,
    Surgery,
)


class MembershipInline(admin.TabularInline):
    model = CareTeamMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(CareTeam)
class CareTeamAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(CareTeamMembership)
class CareTeamMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role"]
    list_filter = ["role", "team"]
    list_select_related = ["user", "team"]


class SurgeryInline(admin.StackedInline):
    model = Surgery
    extra = 0
    exclude = ["created_by"]


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["id", "last_name", "first_name", "care_team", "smoking_status", "created_at"]
    list_filter = ["care_team", "smoking_status", "bone_quality", "diabetes"]
    search_fields = ["last_name", "first_name", "id"]
    list_select_related = ["care_team"]
    raw_id_fields = ["user"]
    inlines = [SurgeryInline]


@admin.register(Surgery)
class SurgeryAdmin(admin.ModelAdmin):
    list_display = ["id", "patient", "date", "levels", "approach", "technique"]
    list_filter = ["approach", "technique", "indication"]
    raw_id_fields = ["patient", "created_by"]


@admin.register(ActivationCode)
class ActivationCodeAdmin(admin.ModelAdmin):
    list_display = ["patient", "expires_at", "used_at", "created_at"]
    readonly_fields = ["patient", "code_digest", "expires_at", "used_at", "created_by"]
    raw_id_fields = ["patient"]


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail cannot be edited or deleted through the application."""

    list_display = ["created_at", "actor", "action", "object_type", "object_id", "patient"]
    list_filter = ["action", "object_type"]
    list_select_related = ["actor"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


# Recovery plans: plan rows are read-only here (they change through services that record who
# and why); adjustments and checklist entries are history.
# Check-ins and flags (issue 4) are read-only too: flags change through the care-team API,
# which audits every action.
class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


class PlanItemInline(admin.TabularInline):
    model = PlanItem
    extra = 0
    fields = ["position", "phase_code", "code", "kind", "start_day", "end_day", "adjusted_end_day"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(PatientPlan)
class PatientPlanAdmin(_ReadOnlyAdmin):
    list_display = ["id", "patient", "template_code", "template_version", "created_at"]
    list_filter = ["template_code", "template_version"]
    raw_id_fields = ["patient", "surgery"]
    inlines = [PlanItemInline]


@admin.register(Milestone)
class MilestoneAdmin(_ReadOnlyAdmin):
    list_display = ["code", "occurrence", "plan", "status", "target_date_min", "target_date_max"]
    list_filter = ["status", "kind", "template_code"]
    raw_id_fields = ["plan", "recorded_by"]


@admin.register(ChecklistEntry)
class ChecklistEntryAdmin(_ReadOnlyAdmin):
    list_display = ["patient", "item", "date", "kept", "updated_at"]
    list_filter = ["kept"]
    list_select_related = ["item"]
    raw_id_fields = ["patient", "item"]


@admin.register(ClinicianAdjustment)
class ClinicianAdjustmentAdmin(_ReadOnlyAdmin):
    list_display = ["created_at", "patient", "kind", "actor"]
    list_filter = ["kind"]
    list_select_related = ["actor"]
    raw_id_fields = ["patient", "actor", "item", "milestone", "imaging_result"]


@admin.register(ImagingResult)
class ImagingResultAdmin(_ReadOnlyAdmin):
    list_display = ["date", "patient", "modality", "finding", "recorded_by"]
    list_filter = ["modality", "finding"]
    raw_id_fields = ["patient", "recorded_by"]


@admin.register(CheckIn)
class CheckInAdmin(_ReadOnlyAdmin):
    list_display = ["id", "patient", "recorded_at", "postop_day", "received_at"]
    list_filter = ["recorded_at"]
    search_fields = ["id", "patient__id"]
    raw_id_fields = ["patient", "surgery"]
    date_hierarchy = "recorded_at"


@admin.register(Flag)
class FlagAdmin(_ReadOnlyAdmin):
    list_display = [
        "id",
        "patient",
        "category",
        "severity",
        "status",
        "escalation_level",
        "opened_at",
        "rule_id",
    ]
    list_filter = ["status", "severity", "category", "origin"]
    search_fields = ["id", "patient__id", "rule_id"]
    raw_id_fields = ["patient", "acknowledged_by", "resolved_by", "dismissed_by", "checkins"]


@admin.register(QuestionnaireResponse)
class QuestionnaireResponseAdmin(admin.ModelAdmin):
    """Read-only: answers are scored on submission and are part of the clinical record."""

    list_display = ["id", "patient", "instrument", "timepoint", "score", "valid", "submitted_at"]
    list_filter = ["instrument", "timepoint", "valid"]
    list_select_related = ["patient"]
    search_fields = ["id", "patient__id"]
    raw_id_fields = ["patient", "surgery"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
