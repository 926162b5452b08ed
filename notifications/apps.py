from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications (delivery)"
    default_auto_field = "django.db.models.BigAutoField"
    # The outbox sweep's beat entry (every minute) is in backend/celery.py, with every other's.
