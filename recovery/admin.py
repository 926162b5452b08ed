"""Admin: teams are managed here; patient data is read-only, limited to the admin's own care
teams (a superuser with no team sees none) and every read is in the access trail.

Patient identity and clinical records change only through the services and the care API, which
validate and audit each change. Each change list records one `list` access event per row shown
(searches included) and each detail page one `view` event, as the API does.
"""

from operator import attrgetter
from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse

from recovery.models import (
    AccessEvent,
    ActivationCode,
    BreakGlassGrant,
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
from recovery.selectors import care_teams_for_clinician
from recovery.services.audit import access_events_record_rows


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


class PatientDataAdmin(_ReadOnlyAdmin):
    """Read-only, scoped to the admin user's care teams, and audited on every read."""

    # Path from the model to its Patient, in ORM lookup form; "" when the model is Patient.
    patient_path = "patient"

    def _patient_prefix(self) -> str:
        return f"{self.patient_path}__" if self.patient_path else ""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        teams = care_teams_for_clinician(clinician=request.user).values("id")
        return (
            super()
            .get_queryset(request)
            .filter(**{f"{self._patient_prefix()}care_team_id__in": teams})
        )

    def _patient_id(self, obj: Any) -> Any:
        if not self.patient_path:
            return obj.pk
        return attrgetter(self.patient_path.replace("__", ".") + "_id")(obj)

    def _object_type(self) -> str:
        return f"admin:{self.model._meta.model_name}"

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            access_events_record_rows(
                actor=request.user,
                rows=[(self._patient_id(obj), obj.pk) for obj in changelist.result_list],
                object_type=self._object_type(),
                request=request,
            )
        return response

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any
    ) -> HttpResponse:
        obj = kwargs.get("obj")
        if obj is not None:  # the detail page of one record
            access_events_record_rows(
                actor=request.user,
                rows=[(self._patient_id(obj), obj.pk)],
                object_type=self._object_type(),
                action=AccessEvent.Action.VIEW,
                request=request,
            )
        return super().render_change_form(request, context, *args, **kwargs)


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
    can_delete = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Patient)
class PatientAdmin(PatientDataAdmin):
    patient_path = ""
    list_display = ["id", "last_name", "first_name", "care_team", "smoking_status", "created_at"]
    list_filter = ["smoking_status", "bone_quality", "diabetes"]
    search_fields = ["last_name", "first_name", "id"]
    list_select_related = ["care_team"]
    raw_id_fields = ["user"]
    readonly_fields = ["time_zone"]
    inlines = [SurgeryInline]

    @admin.display(description="time zone (notification preferences)")
    def time_zone(self, obj: Patient) -> str:
        return obj.timezone_name


@admin.register(Surgery)
class SurgeryAdmin(PatientDataAdmin):
    list_display = ["id", "patient", "date", "levels", "approach", "technique"]
    list_filter = ["approach", "technique", "indication"]
    raw_id_fields = ["patient", "created_by"]


@admin.register(ActivationCode)
class ActivationCodeAdmin(PatientDataAdmin):
    list_display = ["patient", "expires_at", "used_at", "created_at"]
    exclude = ["code_digest"]
    raw_id_fields = ["patient"]


@admin.register(AccessEvent)
class AccessEventAdmin(PatientDataAdmin):
    """The audit trail: read-only here, append-only in the database. Events about patients
    outside the admin's teams are hidden; events with no patient (cohort views) are shown."""

    list_display = ["seq", "created_at", "actor", "action", "object_type", "object_id", "patient"]
    list_filter = ["action", "object_type"]
    list_select_related = ["actor", "patient"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        teams = care_teams_for_clinician(clinician=request.user).values("id")
        return admin.ModelAdmin.get_queryset(self, request).filter(
            Q(patient__care_team_id__in=teams) | Q(patient__isnull=True)
        )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = admin.ModelAdmin.changelist_view(self, request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            access_events_record_rows(
                actor=request.user,
                rows=[(e.patient_id, e.pk) for e in changelist.result_list if e.patient_id],
                object_type=self._object_type(),
                request=request,
            )
        return response


@admin.register(BreakGlassGrant)
class BreakGlassGrantAdmin(PatientDataAdmin):
    """Emergency accesses to this team's patients, for the coordinators' review."""

    list_display = ["created_at", "clinician", "patient", "expires_at"]
    list_select_related = ["clinician"]
    raw_id_fields = ["clinician", "patient"]


_PLAN_ITEM_FIELDS = (
    "position",
    "phase_code",
    "code",
    "kind",
    "start_day",
    "end_day",
    "adjusted_end_day",
)


class PlanItemInline(admin.TabularInline):
    model = PlanItem
    extra = 0
    # One tuple of names for both (a list would be typed as `fields`' field groups).
    fields = _PLAN_ITEM_FIELDS
    readonly_fields = _PLAN_ITEM_FIELDS
    can_delete = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(PatientPlan)
class PatientPlanAdmin(PatientDataAdmin):
    list_display = ["id", "patient", "template_code", "template_version", "created_at"]
    list_filter = ["template_code", "template_version"]
    raw_id_fields = ["patient", "surgery"]
    inlines = [PlanItemInline]


@admin.register(Milestone)
class MilestoneAdmin(PatientDataAdmin):
    patient_path = "plan__patient"
    list_display = ["code", "occurrence", "plan", "status", "target_date_min", "target_date_max"]
    list_filter = ["status", "kind", "template_code"]
    list_select_related = ["plan"]
    raw_id_fields = ["plan", "recorded_by"]


@admin.register(ChecklistEntry)
class ChecklistEntryAdmin(PatientDataAdmin):
    list_display = ["patient", "item", "date", "kept", "updated_at"]
    list_filter = ["kept"]
    list_select_related = ["item"]
    raw_id_fields = ["patient", "item"]


@admin.register(ClinicianAdjustment)
class ClinicianAdjustmentAdmin(PatientDataAdmin):
    list_display = ["created_at", "patient", "kind", "actor"]
    list_filter = ["kind"]
    list_select_related = ["actor"]
    raw_id_fields = ["patient", "actor", "item", "milestone", "imaging_result"]


@admin.register(ImagingResult)
class ImagingResultAdmin(PatientDataAdmin):
    list_display = ["date", "patient", "modality", "finding", "recorded_by"]
    list_filter = ["modality", "finding"]
    raw_id_fields = ["patient", "recorded_by"]


@admin.register(CheckIn)
class CheckInAdmin(PatientDataAdmin):
    list_display = ["id", "patient", "recorded_at", "postop_day", "received_at"]
    list_filter = ["recorded_at"]
    search_fields = ["id", "patient__id"]
    raw_id_fields = ["patient", "surgery"]
    date_hierarchy = "recorded_at"


@admin.register(Flag)
class FlagAdmin(PatientDataAdmin):
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
class QuestionnaireResponseAdmin(PatientDataAdmin):
    """Answers are scored on submission and are part of the clinical record."""

    list_display = ["id", "patient", "instrument", "timepoint", "score", "valid", "submitted_at"]
    list_filter = ["instrument", "timepoint", "valid"]
    list_select_related = ["patient"]
    search_fields = ["id", "patient__id"]
    raw_id_fields = ["patient", "surgery"]


# Accounts: a patient's sign-in account carries their name and e-mail address, so patients'
# accounts are not listed here at all (they are managed through enrolment and the care API).
User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).filter(patient__isnull=True)
