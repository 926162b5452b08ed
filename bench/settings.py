"""Benchmark-only settings: the production settings plus a floor view (bench/urls.py).

Plain HTTP on loopback, so the HTTPS redirect is off; everything else (middleware, throttles,
Redis cache, connection reuse) is as deployed.
"""

import os

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

# bench/reminders.py --worker counts the SQL statements its worker processes run: each
# database connection gets an execute wrapper that adds to a Redis counter.
if os.environ.get("BENCH_COUNT_SQL") == "1":
    from bench.sql_counter import install as _install_sql_counter

    _install_sql_counter()
