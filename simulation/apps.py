from django.apps import AppConfig


class SimulationConfig(AppConfig):
    """Installed for its management command (simulate_cohort) only: no models, no URLs.

    The simulator sits outside the clinical domain: it calls recovery's services, selectors
    and the triage engine, and recovery never imports it (tests/test_boundaries.py).
    """

    name = "simulation"
    verbose_name = "Synthetic cohort (demos, tests, benchmarks)"
