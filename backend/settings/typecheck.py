"""Settings for mypy's django-stubs plugin, which imports the project but starts nothing.

The test settings insist on PostgreSQL and Redis; type checking needs neither, so `make lint` runs
anywhere. Never used to serve or test.
"""

import os

os.environ.setdefault("SECRET_KEY", "typecheck-only-secret-key-with-enough-length-0123456789")
# The plugin runs django.setup(); with the default filesystem broker, ready() would create var/.
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
os.environ.setdefault("JWT_SIGNING_KEY", "typecheck-only-jwt-key-with-enough-length-9876543210")

from backend.settings.base import *  # noqa: F403
