"""Settings for the worker subprocesses of test_worker_e2e.py: the test settings plus a push
transport that can be held mid-send, and sweep timings short enough for a test."""

import os

from backend.settings.test import *  # noqa: F403

NOTIFICATIONS = {
    "PUSH_TRANSPORT": "tests.notifications.gated_transport.GatedTransport",
    "SWEEP_GRACE_SECONDS": 1,
    "BATCH_SIZE": 100,
    # Sends are recorded per provider call: with calls of three, worker A finishes and
    # records one call, then is killed inside the next before anything of it left.
    "DELIVERY_CHUNK": int(os.environ.get("NOTIF_E2E_BLOCK_AFTER", "3")),
}
