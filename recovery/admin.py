from django.contrib import admin

from recovery.models import (
    AccessEvent,
    ActivationCode,
    CareTeam,
    CareTeamMembership,
    Patient,
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
