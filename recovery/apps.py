from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "recovery"
    verbose_name = "Recovery (clinical domain)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.signals import process_ready
        from recovery import checks  # noqa: F401  (registers system checks)
        from recovery.reminders import receivers  # noqa: F401  (re-times reminders)

        # Loaded when a web or Celery worker starts, not in a patient's request. The beat
        # schedule of recovery's sweeps is in backend/celery.py, with every other app's.
        process_ready.connect(warm_triage_rules, dispatch_uid="recovery.warm_triage_rules")


def warm_triage_rules(**kwargs: object) -> None:
    """core.signals.process_ready receiver: load and compile the triage rule set once."""
    from recovery.services.triage_facts import triage_ruleset_warm

    triage_ruleset_warm()  # logs the rule set version and how long it took
