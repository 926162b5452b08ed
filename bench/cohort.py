"""Cohort outcomes query at scale (issue 23): time, statements and plans, before and after.

    git show main:recovery/selectors/cohort.py > /tmp/cohort_before.py
    bash scripts/with-services.sh -- .venv/bin/python bench/cohort.py --patients 10000 \
        --before /tmp/cohort_before.py [--jit off|on]

Builds the dashboard benchmark's data (bench/dashboard.py: --generated realistic patients by
simulate_cohort, cloned to --patients in one team; check-ins are not topped up, the cohort
tables do not read them), ANALYZE, then as a nurse of that team runs `cohort_outcome_table`
--runs times per variant, interleaved on the same data: `before` (the whole old module given
by --before; without it, only the old "latest surgery" filter, copied below) and `after` (the
current module). Prints p50/max per variant, each statement's time, whether the tables are
identical, and EXPLAIN (ANALYZE, BUFFERS) of each variant's slowest statement.
--reuse keeps a database that already holds --patients patients (point DATABASE_URL at it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import django_setup, migrate, print_machine, table


def before_cohort_surgeries(*, clinician, filters):  # the filter as it was before issue 23
    from django.db.models import Subquery

    from recovery.models import Surgery
    from recovery.selectors import current_surgery_subquery, patient_list_for_clinician

    patients = patient_list_for_clinician(clinician=clinician).values("id")
    latest = current_surgery_subquery("patient").values("id")[:1]
    assert filters == type(filters)(), "the bench compares the unfiltered cohort only"
    return Surgery.objects.filter(patient_id__in=patients, id=Subquery(latest))


def _module_from(path: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location("cohort_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["cohort_before"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def run(
    variant: str, clinician, runs: int, before_path: str | None
) -> tuple[list[float], list[tuple[float, str]], dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from recovery.selectors import cohort as current

    cohort = current
    original = cohort.cohort_surgeries
    if variant == "before" and before_path:
        cohort = _module_from(before_path)  # the whole module as it was
    elif variant == "before":
        cohort.cohort_surgeries = before_cohort_surgeries
    try:
        times, statements, result = [], [], {}
        for _ in range(runs):
            began = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                result = cohort.cohort_outcome_table(
                    clinician=clinician, filters=cohort.CohortFilters(), today=_today()
                )
            times.append((time.perf_counter() - began) * 1000)
            statements = [(float(q["time"]) * 1000, q["sql"]) for q in queries]
        return times, statements, result
    finally:
        current.cohort_surgeries = original


def _today():
    from django.utils import timezone

    return timezone.now().date()


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--generated", type=int, default=1_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument(
        "--before", metavar="PATH",
        help="a copy of the old recovery/selectors/cohort.py to compare as a whole "
             "(e.g. `git show main:recovery/selectors/cohort.py > /tmp/cohort_before.py`); "
             "without it `before` swaps only the latest-surgery filter",
    )  # fmt: skip
    parser.add_argument(
        "--jit", choices=["on", "off"], default="off",
        help="PostgreSQL's jit for the session (docker-compose.yml runs the server with off)",
    )  # fmt: skip
    args = parser.parse_args()
    django_setup()
    migrate()
    print_machine()
    from django.db import connection

    from bench.dashboard import clone_patients, generate
    from recovery.models import CareTeamMembership, Patient, Surgery

    if not (args.reuse and Patient.objects.count() >= args.patients):
        generate(args.generated, args.days, args.workers)
        clone_patients(args.patients)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute(f"SET jit = {args.jit}")
    clinician = CareTeamMembership.objects.filter(role="nurse").select_related("user").first().user
    print(f"{Patient.objects.count():,} patients, {Surgery.objects.count():,} surgeries")

    rows, plans, results, statements_by_variant = [], {}, {}, {}
    for variant in ("before", "after", "before", "after"):  # interleaved: same machine load
        times, statements, result = run(variant, clinician, args.runs, args.before)
        results[variant] = result
        statements_by_variant[variant] = statements
        slowest_ms, slowest_sql = max(statements)
        plans[variant] = (slowest_ms, slowest_sql)
        rows.append([variant, statistics.median(times), max(times), len(statements), slowest_ms])
    print(table(["variant", "p50 ms", "max ms", "statements", "slowest statement ms"], rows))
    print(f"\ntables identical: {results['before'] == results['after']}  (jit {args.jit})")
    for variant in ("before", "after"):
        print(f"\n{variant}: statements of the last run, ms")
        for ms, sql in statements_by_variant[variant]:
            print(f"  {ms:8.1f}  {sql[:110]}")
    for variant, (_ms, sql) in plans.items():
        print(f"\n--- {variant}: EXPLAIN (ANALYZE, BUFFERS) of the slowest statement ---")
        print(sql)
        print(explain(sql))


if __name__ == "__main__":
    main()
