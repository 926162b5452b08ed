"""Flag latency: a dangerous check-in POST until the care team's notification rows are `sent`.

    bash scripts/with-services.sh -- .venv/bin/python bench/flag_latency.py [--samples 40]

One real Celery worker (prefork, concurrency 1) on the Redis broker. Each sample: a patient
of a simulated cohort posts a check-in reporting saddle numbness (an emergency flag); the
clock runs from just before the POST until every outbox row for that flag is `sent`
(polled every 10 ms). Every clinician has a push device, so the rows are the in-app alerts
(written `sent` with the check-in) and the pushes the worker delivers. The POST goes through
Django's test Client in-process (the request path is the same as under gunicorn; the ingest
benchmark measures the server separately).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (
    BENCH_ENV,
    ROOT,
    django_setup,
    migrate,
    percentile,
    print_machine,
    table,
)

TERMINAL = ("sent", "failed", "skipped")


def start_worker() -> subprocess.Popen:
    env = {**os.environ, **BENCH_ENV}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "backend", "worker", "-c", "1",
         "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
        cwd=ROOT, env=env,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()
    django_setup()
    migrate()
    print_machine()
    from django.test import Client
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import AccessToken

    from notifications.models import Notification
    from recovery.models import Patient
    from simulation.run import Plan, cohort_simulate

    now = timezone.now()
    cohort_simulate(Plan(args.samples, 20, 902, now.date() - timedelta(days=19), 1, now),
                    workers=2, progress=False)  # fmt: skip
    patients = list(Patient.objects.select_related("user").order_by("last_name"))
    # Every clinician has a phone, so each alert is an in-app row (written `sent` with the
    # check-in) and a push row the worker must deliver: the clock waits for both.
    from notifications.models import Endpoint
    from recovery.models import CareTeamMembership

    Endpoint.objects.bulk_create(
        Endpoint(user_id=uid, kind="push", platform="android", token=f"bench-phone-{uid}")
        for uid in set(CareTeamMembership.objects.values_list("user_id", flat=True))
    )
    worker = start_worker()
    client = Client()
    latencies, statuses = [], {}
    try:
        # The worker is ready once it has delivered a first alert; that one is not counted.
        for number, patient in enumerate(patients):
            token = str(AccessToken.for_user(patient.user))
            body = {"id": str(uuid.uuid4()), "recorded_at": datetime.now(UTC).isoformat(),
                    "back_pain": 4, "saddle_numbness": True}  # fmt: skip
            began = time.monotonic()
            response = client.post("/api/v1/me/check-ins/", data=json.dumps(body),
                                   content_type="application/json",
                                   HTTP_AUTHORIZATION=f"Bearer {token}")  # fmt: skip
            flag_id = response.json()["flags"][0]["id"]
            rows = Notification.objects.filter(idempotency_key__startswith=f"flag:{flag_id}:")
            deadline = began + (120 if number == 0 else args.timeout)
            while time.monotonic() < deadline:
                states = list(rows.values_list("status", flat=True))
                if states and all(s in TERMINAL for s in states):
                    break
                time.sleep(0.01)
            elapsed = time.monotonic() - began
            for state in rows.values_list("status", flat=True):
                statuses[state] = statuses.get(state, 0) + 1
            if number > 0:
                latencies.append(elapsed * 1000)
    finally:
        worker.terminate()
        worker.wait(20)
    print(f"one Celery worker (prefork, -c 1), {len(latencies)} emergency check-ins, "
          f"{len(patients[0].care_team.memberships.all())} care-team members each")  # fmt: skip
    print(table(["metric", "value"], [
        ["p50 ms", percentile(latencies, 0.5)],
        ["p95 ms", percentile(latencies, 0.95)],
        ["p99 ms", percentile(latencies, 0.99)],
        ["max ms", max(latencies)],
        ["outbox rows by status", json.dumps(statuses)],
    ]))  # fmt: skip
    print("\ntarget: p99 < 5,000 ms")


if __name__ == "__main__":
    main()
