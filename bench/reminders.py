"""Reminder fan-out: N patients whose morning reminder is due in the same minute.

    bash scripts/with-services.sh -- .venv/bin/python bench/reminders.py --patients 10000
    bash scripts/with-services.sh -- .venv/bin/python bench/reminders.py --patients 100000 --worker

Without --worker, in this one process:
Creates N patients with a push device each (bench-only bulk path: users, patients, surgeries,
preferences, devices and ReminderSchedule rows, no check-ins), all due one minute ago. Then
(this process standing in for the worker) it times:
  1. the sweep: `reminders_send_due(now=...)` (claims, decides, writes outbox rows);
  2. delivery: the `deliver_batch` task body over every new outbox row, through a stub push
     transport (bench.transport.CountingTransport), exactly as a worker would run it.
Counts SQL statements with connection.execute_wrapper and reports peak RSS (getrusage).

With --worker, end to end as deployed: a real Celery worker (prefork, --concurrency C) on the
Redis broker; the beat task `send_due_reminders` runs once and publishes one batch task per
5,000 due rows; the clock runs until every push row is `sent` (polled every 0.5 s). SQL is
counted in the worker processes (bench/sql_counter.py) and peak memory is each worker
process's VmHWM from /proc.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import count_queries, django_setup, migrate, print_machine, table

CHUNK = 5000


def seed(count: int, due_at) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
    from django.db import transaction

    from notifications.models import Endpoint, Preference
    from recovery.models import CareTeam, Patient, ReminderSchedule, Surgery

    User = get_user_model()
    run = uuid.uuid4().hex[:6]  # a second run on the same database gets its own users
    team = CareTeam.objects.create(name=f"Reminder bench {run}")
    today = due_at.date()
    for start in range(0, count, CHUNK):
        n = min(CHUNK, count - start)
        with transaction.atomic():
            users = User.objects.bulk_create(
                User(username=f"rb-{run}-{start + i}", password=UNUSABLE_PASSWORD_PREFIX + "x")
                for i in range(n)
            )
            patients = Patient.objects.bulk_create(
                Patient(user=u, care_team=team, first_name="R", last_name=f"B{u.id}",
                        date_of_birth=today.replace(year=today.year - 60))
                for u in users
            )  # fmt: skip
            # Day 20: past the daily wound-photo prompts (days 1-14, issue 21), so a reminder
            # is one message (checkin_due), as in the first measurements of this benchmark.
            Surgery.objects.bulk_create(
                Surgery(patient=p, date=today - timedelta(days=20), indication="stenosis",
                        approach="open", technique="tlif")
                for p in patients
            )  # fmt: skip
            Preference.objects.bulk_create(Preference(user=u, timezone="UTC") for u in users)
            Endpoint.objects.bulk_create(
                Endpoint(user=u, kind="push", platform="android", token=f"tok-{u.id}")
                for u in users
            )
            ReminderSchedule.objects.bulk_create(
                ReminderSchedule(patient=p, kind="morning", wall_time=due_at.time(),
                                 next_due_at=due_at)
                for p in patients
            )  # fmt: skip


def _peak_rss_mb(pid: int) -> float:
    """VmHWM (peak resident set) of a process and its children, in MB."""
    pids = [pid] + [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    peak = 0
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
    return peak / 1024


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process, its live children and its reaped children (/proc)."""
    ticks = os.sysconf("SC_CLK_TCK")

    def own(p: int, reaped: bool) -> float:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        used = sum(int(f) for f in fields[11:13])  # utime, stime
        if reaped:
            used += sum(int(f) for f in fields[13:15])  # cutime, cstime
        return used / ticks

    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    total = own(pid, True)
    for child in children:
        with contextlib.suppress(FileNotFoundError):  # exited between the two reads
            total += own(int(child), False)
    return total


def _postmaster_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW data_directory")
        directory = cursor.fetchone()[0]
    return int(Path(directory, "postmaster.pid").read_text().split()[0])


def run_with_worker(patients: int, concurrency: int, timeout: float) -> None:
    import subprocess

    from django.utils import timezone

    from bench import sql_counter
    from bench.common import BENCH_ENV, ROOT
    from notifications.models import Notification
    from recovery.models import ReminderSchedule
    from recovery.tasks import send_due_reminders

    now = timezone.now().replace(second=0, microsecond=0)
    began = time.monotonic()
    seed(patients, now - timedelta(minutes=1))
    seeded = time.monotonic() - began
    sql_counter.reset()
    env = {**os.environ, **BENCH_ENV, "BENCH_COUNT_SQL": "1"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "backend", "worker", "-c", str(concurrency),
         "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        time.sleep(5)  # let the worker connect; the clock starts at the beat tick below
        postmaster = _postmaster_pid()
        cpu_before = (_cpu_seconds(worker.pid), _cpu_seconds(postmaster))
        began = time.monotonic()
        batches = send_due_reminders.run()
        push = Notification.objects.filter(channel="push")
        due = ReminderSchedule.objects.filter(active=True, next_due_at__lte=now)
        sent, peaks = 0, []
        while time.monotonic() - began < timeout:
            # Done when every schedule row has run and no push row waits or is in flight.
            if not due.exists() and not push.exclude(status="sent").exists():
                break
            time.sleep(0.5)
        sent = push.filter(status="sent").count()
        elapsed = time.monotonic() - began
        worker_cpu = _cpu_seconds(worker.pid) - cpu_before[0]
        database_cpu = _cpu_seconds(postmaster) - cpu_before[1]
        cpu_bound = (worker_cpu + database_cpu) / 2
        load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
        peaks.append(_peak_rss_mb(worker.pid))
        statements = sql_counter.total()
    finally:
        worker.terminate()
        worker.wait(60)
    print(f"{patients:,} patients due in the same minute (seeded in {seeded:.0f}s); one Celery "
          f"worker, prefork -c {concurrency}, Redis broker, stub push transport")  # fmt: skip
    print(table(["metric", "value"], [
        ["batch tasks published by the beat task", batches],
        ["push rows sent", sent],
        ["in-app rows (written sent)", Notification.objects.filter(channel="inapp").count()],
        ["seconds until all sent", elapsed],
        ["load average at the end (1 / 5 / 15 min)", load],
        ["CPU seconds: worker processes", worker_cpu],
        ["CPU seconds: PostgreSQL", database_cpu],
        ["CPU-bound time on 2 idle cores ((worker + PostgreSQL) / 2)", cpu_bound],
        ["reminders per second", sent / elapsed],
        ["SQL statements (worker processes)", statements],
        ["SQL per 1,000 reminders", 1000 * statements / max(sent, 1)],
        ["peak RSS of a worker process (MB)", max(peaks)],
    ]))  # fmt: skip
    print("\ntarget: 100,000 reminders in < 30 s; <= 10 SQL statements per 1,000 reminders")


@contextmanager
def _profiled(enabled: bool, phase: str) -> Iterator[None]:
    """cProfile one phase and print its top functions by cumulative and by own time."""
    if not enabled:
        yield
        return
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        print(f"\n--- profile: {phase} ---")
        stats = pstats.Stats(profile).strip_dirs()
        stats.sort_stats("cumulative").print_stats(35)
        stats.sort_stats("tottime").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--worker", action="store_true", help="end to end with a real worker")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument(
        "--profile", action="store_true", help="cProfile each phase (in-process run only)"
    )
    args = parser.parse_args()
    django_setup()
    migrate()
    print_machine()
    if args.worker:
        run_with_worker(args.patients, args.concurrency, args.timeout)
        return
    from django.utils import timezone

    from bench.transport import SENT
    from notifications.conf import conf
    from notifications.models import Notification
    from notifications.tasks import deliver_batch
    from recovery.reminders.sweep import reminders_send_due

    now = timezone.now().replace(second=0, microsecond=0)
    began = time.monotonic()
    seed(args.patients, now - timedelta(minutes=1))
    seeded = time.monotonic() - began

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # CPU seconds, not only wall time: on a shared machine they show what the code costs.
    postmaster = _postmaster_pid()
    cpu = [(time.process_time(), _cpu_seconds(postmaster))]
    began = time.monotonic()
    with count_queries() as sweep_sql, _profiled(args.profile, "sweep"):
        result = reminders_send_due(now=now)
    sweep_s = time.monotonic() - began
    cpu.append((time.process_time(), _cpu_seconds(postmaster)))

    ids = [
        str(i) for i in Notification.objects.filter(status="pending").values_list("id", flat=True)
    ]
    size = conf().BATCH_SIZE  # ids per task, as notify publishes them
    began = time.monotonic()
    with count_queries() as deliver_sql, _profiled(args.profile, "delivery"):
        for start in range(0, len(ids), size):
            deliver_batch.run(notification_ids=ids[start : start + size])
    deliver_s = time.monotonic() - began
    cpu.append((time.process_time(), _cpu_seconds(postmaster)))
    (own0, db0), (own1, db1), (own2, db2) = cpu
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    reminders = result.runs
    total_s = sweep_s + deliver_s
    sent = Notification.objects.filter(status="sent").count()
    print(f"{args.patients:,} patients due in the same minute (seeded in {seeded:.0f}s, "
          f"bench-only bulk path); outbox rows: in-app + push per reminder")  # fmt: skip
    print(table(["phase", "seconds", "CPU s Python", "CPU s PostgreSQL", "reminders/s",
                 "SQL statements", "SQL per 1,000 reminders"], [
        ["sweep (claim, decide, insert outbox)", sweep_s, own1 - own0, db1 - db0,
         reminders / sweep_s, len(sweep_sql), 1000 * len(sweep_sql) / reminders],
        ["delivery (deliver_batch, stub push)", deliver_s, own2 - own1, db2 - db1,
         reminders / deliver_s, len(deliver_sql), 1000 * len(deliver_sql) / reminders],
        ["total until all sent", total_s, own2 - own0, db2 - db0, reminders / total_s,
         len(sweep_sql) + len(deliver_sql),
         1000 * (len(sweep_sql) + len(deliver_sql)) / reminders],
    ]))  # fmt: skip
    print(f"load average at the end: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(table(["metric", "value"], [
        ["reminders (schedule rows run)", reminders],
        ["outbox rows sent", sent],
        ["push sends through the stub", len(SENT)],
        ["peak RSS before sweep (MB)", rss_before / 1024],
        ["peak RSS after delivery (MB)", rss_peak / 1024],
    ]))  # fmt: skip
    print("\ntarget: 100,000 reminders in < 30 s; <= 10 SQL statements per 1,000 reminders")


if __name__ == "__main__":
    main()
