"""Staff see delivery failures here: disabled endpoints and failed rows, filterable.

Notification rows are read-only: they are a record of what was sent to whom (a patient's
reminders included), so they are neither edited nor deleted by hand. Their texts are fixed
catalogue sentences and their context opaque ids (notifications.catalogue), so no health data
shows here.
"""

from django.contrib import admin

from notifications.models import Endpoint, Notification, Preference


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "kind", "platform", "disabled", "disabled_reason", "last_error"]
    list_filter = ["disabled", "kind", "platform"]
    search_fields = ["id", "user__username"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    # The token is a credential for reaching a device: never shown in lists.
    exclude = ["token"]
    readonly_fields = ["last_error", "last_delivery_at", "created_at", "updated_at"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "recipient", "template", "channel", "status", "attempts", "created_at"]
    list_filter = ["status", "channel", "template", "urgent"]
    search_fields = ["id", "idempotency_key", "recipient__username"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient", "endpoint"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: object) -> bool:
        return False  # rows come from notify(); hand-made ones would bypass the catalogue

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "timezone", "push_enabled", "email_enabled"]
    raw_id_fields = ["user"]
