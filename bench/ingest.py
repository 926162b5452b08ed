"""Check-in ingest: POST /api/v1/me/check-ins/ (with triage) vs a bare Django view, same server.

    bash scripts/with-services.sh -- .venv/bin/python bench/ingest.py [--seconds 20]

Seeds a cohort with the generator (so triage reads real histories), starts gunicorn with the
bench settings, and drives both endpoints with the same 16-client load generator, one after
the other. Prints requests/s, p50/p95/p99 and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (
    BENCH_ENV,
    ROOT,
    django_setup,
    free_port,
    migrate,
    percentile,
    print_machine,
    table,
)

GUNICORN_WORKERS = 4  # (2 x cores) hint for CPU-light I/O-bound views; see docs/benchmarks.md


def seed(patients: int) -> list[str]:
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import AccessToken

    from recovery.models import Patient
    from simulation.run import Plan, cohort_simulate

    now = timezone.now()
    plan = Plan(patients, 30, 901, now.date() - timedelta(days=29), 1, now)
    cohort_simulate(plan, workers=2, progress=False)
    users = [
        p.user
        for p in Patient.objects.select_related("user").filter(care_team__name__contains="s901-")
    ]
    return [str(AccessToken.for_user(user)) for user in users]


def start_server(port: int) -> subprocess.Popen:
    env = {**os.environ, **BENCH_ENV, "JWT_ACCESS_MINUTES": "60"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "backend.wsgi", "-b", f"127.0.0.1:{port}",
         "--config", "backend/gunicorn.conf.py",  # production's: rules loaded at start
         "-w", str(GUNICORN_WORKERS), "-k", "sync", "--log-level", "warning",
         "--graceful-timeout", "5"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/floor/", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--patients", type=int, default=300)
    # The gunicorn config loads the triage rule set before the first request; the warm-up
    # still lets connections, caches and first-request imports settle before measuring.
    parser.add_argument("--warmup", type=float, default=15)
    args = parser.parse_args()
    os.environ["JWT_ACCESS_MINUTES"] = "60"
    django_setup()
    migrate()
    print_machine()
    tokens = seed(args.patients)
    port = free_port()
    server = start_server(port)
    from bench.load import run_load

    rng = random.Random(9)

    def checkin(n: int):
        body = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "recorded_at": datetime.now(UTC).isoformat(),
            "back_pain": rng.randint(1, 5), "leg_pain": rng.randint(0, 4),
            "temperature_c": round(rng.uniform(36.4, 37.4), 1), "walking_minutes": 20,
            "pain_controlled_by_medication": True, "wound_drainage": "none",
        }  # fmt: skip
        headers = {"Content-Type": "application/json",
                   "Authorization": f"Bearer {rng.choice(tokens)}"}  # fmt: skip
        return "POST", "/api/v1/me/check-ins/", json.dumps(body).encode(), headers

    def floor(n: int):
        return "GET", "/bench/floor/", None, {}

    try:
        results = {
            "bare Django view (floor)": run_load(
                port, floor, clients=args.clients, seconds=args.seconds
            ),
            "check-in POST + triage": run_load(
                port, checkin, clients=args.clients, seconds=args.seconds
            ),
        }
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
    rows = []
    for name, r in results.items():
        lat = r.latencies_ms
        rows.append([name, len(lat), r.rps, percentile(lat, 0.5), percentile(lat, 0.95),
                     percentile(lat, 0.99), json.dumps(r.statuses)])  # fmt: skip
    print(f"gunicorn sync x{GUNICORN_WORKERS}, {args.clients} clients, {args.seconds:.0f}s each")
    print(table(["endpoint", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "statuses"], rows))
    floor_rps = results["bare Django view (floor)"].rps
    ratio = results["check-in POST + triage"].rps / floor_rps if floor_rps else 0
    print(f"\ncheck-in throughput = {ratio:.0%} of the floor (target >= 50%)")


if __name__ == "__main__":
    main()
