"""CPU per check-in by layer, in-process: cProfile with a CPU clock, so a loaded machine does not
change the figures (wall-clock profiles there mostly show processes waiting for a core).

    bash scripts/with-services.sh -- .venv/bin/python bench/cpu_profile.py [--checkins 300]

The bench settings (production's, bench/settings.py), 20 simulated patients, Django's test
Client through the whole handler (middleware included; no gunicorn, no network), after a
warm-up. Prints the CPU milliseconds per check-in spent inside each entry point (cumulative:
a layer's row includes the SQL it runs, so rows overlap; SQL is also shown on its own) and
writes the pstats file for `python -m pstats`.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import django_setup, migrate, print_machine, table

# (row, path fragment, function name); a row sums its entries. Names from before and after
# issue 23 both appear, so the script profiles either version of the code.
ENTRY_POINTS = [
    ("whole request (handler + middleware)", "django/core/handlers/base.py", "get_response"),
    ("DRF view dispatch", "rest_framework/views.py", "dispatch"),
    ("auth: JWT + deny-list + user query", "rest_framework/request.py", "_authenticate"),
    ("auth: IsPatient (patient query)", "recovery/api/permissions.py", "has_permission"),
    ("throttling", "rest_framework/throttling.py", "allow_request"),
    ("throttling", "core/throttles.py", "allow_request"),
    ("parsing (JSON body)", "rest_framework/request.py", "_load_data_and_files"),
    ("validation (checkin_parse)", "recovery/api/checkins.py", "checkin_parse"),
    ("service: checkin_submit (all below)", "recovery/services/checkins.py", "checkin_submit"),
    ("  patient row lock", "recovery/services/flags.py", "patient_lock"),
    ("  patient row lock", "recovery/services/checkins.py", "_checkin_lock"),
    ("  replay lookup", "recovery/services/checkins.py", "checkin_get_for_replay"),
    ("  latest surgery", "recovery/selectors/patients.py", "current_surgery"),
    ("  insert", "django/db/models/base.py", "save"),
    ("  insert + silence close + history", "recovery/services/checkins.py", "_insert_and_read"),
    ("  triage history", "recovery/services/triage_facts.py", "checkin_history"),
    ("  triage context", "recovery/services/triage_facts.py", "triage_context"),
    ("  triage engine", "recovery/triage/engine.py", "evaluate"),
    ("  flags", "recovery/services/flags.py", "flags_apply_findings"),
    ("  silence close", "recovery/services/flags.py", "flags_close_answered_silence"),
    ("rendering: output serializer", "recovery/api/checkins.py", "_output"),
    ("rendering: JSON", "rest_framework/renderers.py", "render"),
    ("rendering: JSON", "core/renderers.py", "render"),
    ("SQL: ORM (compile + run)", "django/db/models/sql/compiler.py", "execute_sql"),
    ("SQL: driver (all statements)", "django/db/backends/utils.py", "_execute_with_wrappers"),
]


def seed_tokens() -> list[str]:
    from bench.ingest import seed

    return seed(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkins", type=int, default=300)
    parser.add_argument("--out", default="/tmp/checkin-cpu.pstats")
    args = parser.parse_args()
    django_setup()
    migrate()
    print_machine()
    from django.test import Client

    tokens = seed_tokens()
    client = Client()

    def post(n: int) -> None:
        body = {"id": str(uuid.uuid4()), "recorded_at": datetime.now(UTC).isoformat(),
                "back_pain": 1 + n % 5, "leg_pain": n % 4, "temperature_c": 36.8,
                "walking_minutes": 20, "pain_controlled_by_medication": True,
                "wound_drainage": "none"}  # fmt: skip
        response = client.post("/api/v1/me/check-ins/", json.dumps(body),
                               content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer {tokens[n % len(tokens)]}")  # fmt: skip
        assert response.status_code == 201, response.content

    for n in range(30):  # warm-up: imports, connections, caches
        post(n)
    profiler = cProfile.Profile(time.process_time)
    started = time.process_time()
    profiler.enable()
    for n in range(args.checkins):
        post(n)
    profiler.disable()
    total_ms = 1000 * (time.process_time() - started) / args.checkins
    profiler.dump_stats(args.out)
    stats = pstats.Stats(args.out).stats  # type: ignore[attr-defined]
    rows: dict[str, float] = {}
    for (path, _line, function), (_cc, _nc, _tt, cumulative, _callers) in stats.items():
        for row, fragment, name in ENTRY_POINTS:
            if function == name and path.endswith(fragment):
                rows[row] = rows.get(row, 0.0) + cumulative
    whole = rows.get(ENTRY_POINTS[0][0]) or 1.0
    out = [[row, 1000 * seconds / args.checkins, 100 * seconds / whole]
           for row, seconds in rows.items()]  # fmt: skip
    print(f"{args.checkins} check-ins; CPU {total_ms:.1f} ms per check-in under cProfile "
          f"(the profiler adds to every call); pstats in {args.out}")  # fmt: skip
    print(table(["entry point (cumulative)", "CPU ms per check-in", "% of the request"], out))


if __name__ == "__main__":
    main()
