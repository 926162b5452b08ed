"""Shared helpers every app may import: the error shape, pagination, the schema base, on-commit
task publishing and process-start signals.

The dependency rule: `core` imports neither `backend` nor an app; apps (recovery,
notifications) import `core`, never `backend`; `backend` (the Django project: settings, URLs,
the Celery app) may import all of them. tests/test_boundaries.py enforces it.
"""
