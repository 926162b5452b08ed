from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "recovery"
    verbose_name = "Recovery (clinical domain)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from recovery import checks  # noqa: F401  (registers system checks)
