"""Settings for the worker subprocesses of test_worker_e2e.py: the test settings plus a push
transport that can be held mid-send, and sweep timings short enough for a test."""

from backend.settings.test import *  # noqa: F403

NOTIFICATIONS = {
    "PUSH_TRANSPORT": "tests.notifications.gated_transport.GatedTransport",
    "SWEEP_GRACE_SECONDS": 1,
    "BATCH_SIZE": 100,
}
