"""Test settings: the suite runs against real PostgreSQL and real Redis, never stand-ins.

`make test` starts both on loopback and exports DATABASE_URL, REDIS_URL and CELERY_BROKER_URL.
"""

import os
import tempfile

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-with-enough-length-0123456789")
os.environ.setdefault("JWT_SIGNING_KEY", "test-only-jwt-signing-key-not-the-secret-key-0123456789")

from django.core.exceptions import ImproperlyConfigured

from backend.settings.base import *  # noqa: F403
from backend.settings.base import DATABASES, REDIS_URL

if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        "Tests need PostgreSQL: run them with `make test`, or set DATABASE_URL=postgres://..."
    )
if not REDIS_URL:
    raise ImproperlyConfigured("Tests need Redis: run them with `make test`, or set REDIS_URL.")

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECURE_SSL_REDIRECT = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Wound photos (issue 21): a throwaway directory per test run, never under MEDIA/static.
STORAGES["wound_photos"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {
        "location": tempfile.mkdtemp(prefix="wound-photos-"),
        "base_url": "/no-public-url/",
    },
}
DATABASES["default"]["CONN_MAX_AGE"] = 0
AXES_FAILURE_LIMIT = 5
# Live-server tests serve static files through Django's staticfiles handler instead.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]  # pytest-django adds "testserver"
