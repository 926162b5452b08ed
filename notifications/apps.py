from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications (delivery)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from celery.schedules import crontab

        from backend.celery import register_beat

        # Every minute (https://crontab.guru/#*_*_*_*_*): re-drive rows the broker lost.
        register_beat("notifications-sweep-outbox", "notifications.tasks.sweep_outbox", crontab())
