"""Dashboard at scale: worklist, patient page and outcomes latency and query counts.

    bash scripts/with-services.sh -- .venv/bin/python bench/dashboard.py \
        --patients 10000 --days 90 --checkins 1000000

1. Generates --generated realistic patients with simulate_cohort (timed: the generator's own
   benchmark), all in one team.
2. Bench-only bulk path to reach --patients: bare patients (user, patient, surgery) are
   bulk-created in the same team and each is given a copy of one generated patient's
   check-ins and flags (INSERT ... SELECT, new ids). Then check-ins are topped up to
   --checkins by copying reports to other minutes of the same days. The triage engine does
   not see the copies: they exist to give the tables their size and shape.
3. ANALYZE, then requests each endpoint --requests times through Django's test Client
   in-process (no HTTP server: this isolates the view + database cost), as a clinician of
   the one team that holds every patient (the worst case for a worklist).

Building the data takes minutes; to measure again after a change, keep one PostgreSQL
running, point DATABASE_URL at it and pass --reuse: steps 1-2 are skipped when the database
already holds --patients patients (migrations still run).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (
    count_queries,
    django_setup,
    migrate,
    percentile,
    print_machine,
    table,
)

SEED = 903
BUSIEST: object = None  # the patient with the most check-ins (shown as <id>)


def generate(patients: int, days: int, workers: int) -> float:
    from django.core.management import call_command

    began = time.monotonic()
    call_command(
        "simulate_cohort", "--patients", str(patients), "--days", str(days), "--seed", str(SEED),
        "--team-count", "1", "--workers", str(workers), "--batch-size", "1000",
    )  # fmt: skip
    return time.monotonic() - began


def clone_patients(total: int) -> float:
    """Bare patients up to `total`, each with a generated patient's check-ins and flags."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
    from django.db import connection, transaction

    from notifications.models import Preference
    from recovery.models import CareTeam, CheckIn, Flag, Patient, Surgery

    began = time.monotonic()
    User = get_user_model()
    team = CareTeam.objects.get()
    sources = list(Surgery.objects.values_list("patient_id", "id").order_by("patient_id"))
    missing = total - len(sources)
    pairs = []
    for start in range(0, max(0, missing), 5000):
        n = min(5000, missing - start)
        with transaction.atomic():
            users = User.objects.bulk_create(
                User(username=f"clone-{start + i}", password=UNUSABLE_PASSWORD_PREFIX + "x")
                for i in range(n)
            )
            patients = Patient.objects.bulk_create(
                Patient(user=u, care_team=team, first_name="Clone", last_name=f"{u.id}",
                        date_of_birth=__import__("datetime").date(1960, 1, 1))
                for u in users
            )  # fmt: skip
            # The zone lives on the notification preferences (issue 15, item 7).
            Preference.objects.bulk_create(
                Preference(user=u, timezone="Europe/London") for u in users
            )
            src = [sources[(start + i) % len(sources)] for i in range(n)]
            dates = dict(
                Surgery.objects.filter(id__in=[s for _, s in src]).values_list("id", "date")
            )
            surgeries = Surgery.objects.bulk_create(
                Surgery(patient=p, date=dates[s], indication="stenosis", approach="open",
                        technique="tlif")
                for p, (_, s) in zip(patients, src, strict=True)
            )  # fmt: skip
            pairs += [
                (sp, ss, p.id, su.id)
                for p, su, (sp, ss) in zip(patients, surgeries, src, strict=True)
            ]
    checkin_cols = [
        f.column
        for f in CheckIn._meta.concrete_fields
        if f.column not in ("id", "patient_id", "surgery_id")
    ]
    flag_cols = [
        f.column for f in Flag._meta.concrete_fields if f.column not in ("id", "patient_id")
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "create temp table clone_map (src uuid, src_surgery uuid, dst uuid, dst_surgery uuid)"
        )
        for start in range(0, len(pairs), 5000):
            cursor.executemany(
                "insert into clone_map values (%s, %s, %s, %s)", pairs[start : start + 5000]
            )
        cursor.execute(
            f"""insert into recovery_checkin (id, patient_id, surgery_id, {", ".join(checkin_cols)})
            select gen_random_uuid(), m.dst, m.dst_surgery, {", ".join("c." + c for c in checkin_cols)}
            from recovery_checkin c join clone_map m on c.patient_id = m.src"""  # noqa: E501
        )
        cursor.execute(
            f"""insert into recovery_flag (id, patient_id, {", ".join(flag_cols)})
            select gen_random_uuid(), m.dst, {", ".join("f." + c for c in flag_cols)}
            from recovery_flag f join clone_map m on f.patient_id = m.src"""
        )
    return time.monotonic() - began


def top_up(target: int) -> tuple[int, float]:
    """Copy check-ins (shifted by minutes, new ids, no flags) until there are `target` rows."""
    from django.db import connection

    began = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("select count(*) from recovery_checkin")
        have = cursor.fetchone()[0]
        shift = 0
        while have < target and have:
            shift += 1
            columns = [
                f.column
                for f in __import__(
                    "recovery.models", fromlist=["CheckIn"]
                ).CheckIn._meta.concrete_fields
            ]
            plain = [c for c in columns if c not in ("id", "recorded_at", "received_at", "flags")]
            cursor.execute(
                f"""insert into recovery_checkin (id, recorded_at, received_at, flags, {", ".join(plain)})
                select gen_random_uuid(), recorded_at + interval '{7 * shift} minutes',
                       received_at + interval '{7 * shift} minutes', '[]'::jsonb, {", ".join(plain)}
                from recovery_checkin where flags = '[]'::jsonb
                limit {target - have}"""  # noqa: E501
            )
            have += cursor.rowcount
        cursor.execute("analyze")
    return have, time.monotonic() - began


def measure(client, path: str, requests: int, token: str) -> list[object]:
    """Wall-clock percentiles, and this process's CPU time per request (p50): on a machine
    shared with other work, the wall clock waits for the cores and the CPU time does not."""
    latencies, cpu, queries, status = [], [], [], None
    for _ in range(requests + 3):
        with count_queries() as seen:
            began, began_cpu = time.perf_counter(), time.process_time()
            response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
            latencies.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
        queries.append(len(seen))
        status = response.status_code
    # the first requests warm caches
    latencies, cpu, queries = latencies[3:], cpu[3:], queries[3:]
    label = path.replace(str(BUSIEST), "<id>") if BUSIEST else path
    return [label, status, percentile(latencies, 0.5), percentile(latencies, 0.95),
            percentile(latencies, 0.99), percentile(cpu, 0.5),
            f"{min(queries)}-{max(queries)}"]  # fmt: skip


def profile(client, path: str, token: str, top_sql: int = 4) -> None:
    """One request under cProfile (the top functions by cumulative time), then its SQL
    statements timed and the slowest SELECTs re-run under EXPLAIN ANALYZE."""
    import cProfile
    import io
    import pstats

    from django.db import connection

    timed: list[tuple[float, str, object]] = []

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timed.append(((time.perf_counter() - began) * 1000, sql, params))

    client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")  # warm
    profiler = cProfile.Profile()
    with connection.execute_wrapper(wrapper):
        began = time.perf_counter()
        profiler.enable()
        client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
        profiler.disable()
        total = (time.perf_counter() - began) * 1000
    label = path.replace(str(BUSIEST), "<id>") if BUSIEST else path
    print(f"\n== profile {label}: {total:.1f} ms under cProfile, {len(timed)} statements, "
          f"{sum(t for t, _, _ in timed):.1f} ms in SQL")  # fmt: skip
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    print("\n".join(out.getvalue().splitlines()[:60]))
    print(table(["ms", "statement"], [[t, sql[:150]] for t, sql, _ in timed]))
    for ms, sql, params in sorted(timed, key=lambda row: row[0], reverse=True)[:top_sql]:
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        print(f"\n-- {ms:.1f} ms: {sql[:300]}\n{plan}")


def _verified_login(client: object, user: object) -> None:
    """force_login plus a verified TOTP device in the session, as after a real sign-in."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from recovery.services.mfa import totp_device_enroll

    client.force_login(user)  # type: ignore[attr-defined]
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    device = device or totp_device_enroll(user=user)
    session = client.session  # type: ignore[attr-defined]
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def _has_grouped_worklist() -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve("/api/v1/care/worklist/")
    except Resolver404:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--generated", type=int, default=1_000, help="realistic patients")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--checkins", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument(
        "--profile", action="store_true",
        help="also profile one request of each dashboard page (cProfile, SQL timings and "
             "EXPLAIN ANALYZE of the slowest statements)",
    )  # fmt: skip
    parser.add_argument(
        "--only-dashboard", action="store_true",
        help="measure only the server-rendered worklist and patient page",
    )  # fmt: skip
    parser.add_argument(
        "--reuse", action="store_true",
        help="keep a database that already holds --patients patients (build it once, then "
             "measure again after each change against a long-running DATABASE_URL)",
    )  # fmt: skip
    args = parser.parse_args()
    django_setup()
    migrate()
    print_machine()
    from django.db.models import Count
    from django.test import Client
    from rest_framework_simplejwt.tokens import AccessToken

    from recovery.models import CareTeamMembership, CheckIn, Flag, Patient

    reused = args.reuse and Patient.objects.count() >= args.patients
    if reused:
        generated_s = cloned_s = topped_s = 0.0  # built by an earlier run
        generated = total = CheckIn.objects.count()
    else:
        generated_s = generate(args.generated, args.days, args.workers)
        generated = CheckIn.objects.count()
        cloned_s = clone_patients(args.patients)
        total, topped_s = top_up(args.checkins)
    clinician = CareTeamMembership.objects.filter(role="nurse").select_related("user").first().user
    token = str(AccessToken.for_user(clinician))
    busiest = (
        Patient.objects.annotate(n=Count("checkins")).order_by("-n").values_list("id", flat=True)[0]
    )
    global BUSIEST
    BUSIEST = busiest
    client = Client()
    rows = []
    if not args.only_dashboard:
        rows += [
            measure(
                client, "/api/v1/care/flags/?status=open&status=acknowledged", args.requests, token
            ),
            measure(client, "/api/v1/care/flags/", args.requests, token),
            # issue 16: the grouped worklist (one entry per patient); absent before it existed
            *(
                [measure(client, "/api/v1/care/worklist/", args.requests, token)]
                if _has_grouped_worklist()
                else []
            ),
            measure(client, "/api/v1/care/patients/", args.requests, token),
            measure(client, f"/api/v1/care/patients/{busiest}/", args.requests, token),
            measure(client, f"/api/v1/care/patients/{busiest}/outcomes/", args.requests, token),
            measure(
                client, f"/api/v1/care/patients/{busiest}/questionnaires/", args.requests, token
            ),
            measure(client, "/api/v1/care/outcomes/", max(5, args.requests // 4), token),
        ]
    # The server-rendered dashboard (issue 8) uses a session login, with a verified second
    # factor (issue 17): force_login alone is redirected to the sign-in page (302).
    _verified_login(client, clinician)
    load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    rows += [
        measure(client, "/dashboard/", args.requests, token),
        measure(client, f"/dashboard/patients/{busiest}/", args.requests, token),
    ]
    if not args.only_dashboard:
        rows.append(measure(client, "/dashboard/outcomes/", max(5, args.requests // 4), token))
    load_after = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    if args.profile:
        profile(client, "/dashboard/", token)
        profile(client, f"/dashboard/patients/{busiest}/", token)
    patients = Patient.objects.count()
    steps = [
        ["simulate_cohort", f"{args.generated:,} patients x {args.days} days, --workers "
                            f"{args.workers}: {generated_s:.0f} s, {generated:,} check-ins"],
        ["clones (bulk SQL)", f"to {patients:,} patients in {cloned_s:.0f} s"],
        ["top-up (bulk SQL copies)", f"to {total:,} check-ins in {topped_s:.0f} s"],
    ]  # fmt: skip
    if reused:
        steps = [["data (--reuse)", f"{patients:,} patients, {total:,} check-ins, built earlier"]]
    print(table(["step", "value"], [
        *steps,
        ["flags", f"{Flag.objects.count():,} ({Flag.objects.filter(status__in=['open', 'acknowledged']).count():,} live)"],  # noqa: E501
    ]))  # fmt: skip
    print()
    print(f"in-process Django test Client, {args.requests} requests each after 3 warm-up")
    print(f"load average (1/5/15 min) around the dashboard pages: {load_before} -> {load_after}")
    print(
        table(["endpoint", "status", "p50 ms", "p95 ms", "p99 ms", "CPU p50 ms", "queries"], rows)
    )
    print("\ntarget: worklist and patient page p95 < 100 ms, constant query counts")
    # The plan behind the worklist page, to check an index before adding one.
    from recovery.api.flags import flag_list_for_clinician

    page = flag_list_for_clinician(clinician=clinician).filter(status__in=["open", "acknowledged"])[
        :50
    ]
    print("\nEXPLAIN ANALYZE (worklist page):")
    print(page.explain(analyze=True))


if __name__ == "__main__":
    main()
