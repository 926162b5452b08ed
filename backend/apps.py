from django.apps import AppConfig


class BackendConfig(AppConfig):
    name = "backend"
    verbose_name = "Project plumbing"

    def ready(self) -> None:
        from backend import (
            checks,  # noqa: F401  (registers system checks)
            session_idle,  # noqa: F401  (stamps sign-in time: issue 17)
        )
        from backend.celery import ensure_filesystem_broker_dirs

        ensure_filesystem_broker_dirs()
