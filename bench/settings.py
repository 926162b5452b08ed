"""Benchmark-only settings: the production settings plus a floor view (bench/urls.py).

Plain HTTP on loopback, so the HTTPS redirect is off; everything else (middleware, throttles,
Redis cache, connection reuse) is as deployed.
"""

from backend.settings.base import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]  # testserver: in-process Client
SECURE_SSL_REDIRECT = False
NOTIFICATIONS = {"PUSH_TRANSPORT": "bench.transport.CountingTransport"}
# No collectstatic in a benchmark run: plain storage instead of the hashed manifest.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
