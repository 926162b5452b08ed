from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "recovery"
    verbose_name = "Recovery (clinical domain)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from celery.schedules import crontab

        from backend.celery import register_beat
        from recovery import checks  # noqa: F401  (registers system checks)
        from recovery.reminders import receivers  # noqa: F401  (re-times reminders)

        register_beat("recovery-escalate-flags", "recovery.tasks.escalate_flags", 60.0)
        register_beat("recovery-send-due-reminders", "recovery.tasks.send_due_reminders", 60.0)
        register_beat(
            "recovery-evaluate-trends", "recovery.tasks.evaluate_trends", crontab(minute=7)
        )
