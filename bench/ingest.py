"""Check-in ingest measured with wrk: POST /api/v1/me/check-ins/ (with triage) vs the floor.

    bash scripts/with-services.sh -- .venv/bin/python bench/ingest.py [--profile]

Seeds a cohort with the generator (so triage reads real histories), starts gunicorn with the
production config (backend/gunicorn.conf.py: its worker class and count) and the bench
settings, and drives, in one run and with the same wrk settings (2 threads, 16 connections,
10 s each after a short warm-up):

- the floor: a bare Django JSON view (`/bench/floor/`, bench/urls.py) behind the same middleware;
- the check-in POST, bodies from bench/checkin.lua: a fresh UUID per request and the next
  patient's bearer token, round robin.

Prints req/s, p50/p90/p99 and the ratio, with the load average before and after (the machine
is shared: ratios taken in one run are what count). `--profile` then samples the gunicorn
workers with py-spy during another check-in run and prints where a request's time goes, by
layer (bench/profile_layers.py). wrk is a Debian package: when it is missing and we are root,
it is installed like scripts/with-services.sh installs what it needs (BENCH_APT=0 skips that).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import BENCH_ENV, ROOT, django_setup, free_port, migrate, print_machine, table

# The bench's throttle rate: the check-in throttle still runs on every request (its cost is
# part of what is measured), but at this rate it never refuses one of the run's requests.
BENCH_THROTTLE = "1000000/hour"


def ensure_wrk() -> str:
    """The wrk binary; installed from Debian when missing and we may (root, apt-get)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.environ.get("BENCH_APT", "1") == "0" or os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit(
            "wrk is not installed: apt-get install -y --no-install-recommends wrk (as root)"
        )
    print("installing wrk (Debian package)", file=sys.stderr)
    apt = ["apt-get", "-qq", "-o", "DPkg::Lock::Timeout=300", "-o", "Dpkg::Use-Pty=0"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*apt, "install", "-y", "--no-install-recommends", "wrk"]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run([*apt, "update"], env=env, check=True, capture_output=True)
        subprocess.run(install, env=env, check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


def seed(patients: int) -> list[str]:
    """Patients 30 days into a simulated cohort; one access token each."""
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


def server_env() -> dict[str, str]:
    return {**os.environ, **BENCH_ENV, "JWT_ACCESS_MINUTES": "60",
            "THROTTLE_CHECKIN": BENCH_THROTTLE}  # fmt: skip


def start_server(
    port: int, *, workers: int | None, worker_class: str | None, threads: int | None = None
) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "backend.wsgi", "-b", f"127.0.0.1:{port}",
               "--config", "backend/gunicorn.conf.py",  # production's workers and hooks
               "--log-level", "warning", "--graceful-timeout", "5",
               "--no-control-socket"]  # as scripts/run.sh and the Dockerfile  # fmt: skip
    if workers:
        command += ["-w", str(workers)]
    if worker_class:
        command += ["-k", worker_class]
    if threads:
        command += ["--threads", str(threads)]
    server = subprocess.Popen(command, cwd=ROOT, env=server_env())
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/floor/", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(15)
    except subprocess.TimeoutExpired:
        server.kill()


def run_wrk(wrk: str, url: str, script: str, *, seconds: float, threads: int,
            connections: int, script_args: Sequence[str] = ()) -> dict:  # fmt: skip
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s",
               "-s", script, url]  # fmt: skip
    if script_args:
        command += ["--", *script_args]
    output = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for line in output.splitlines():
        if line.startswith("WRK_RESULT "):
            result = json.loads(line.removeprefix("WRK_RESULT "))
            result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
            return result
    raise SystemExit(f"wrk printed no result:\n{output}")


def gunicorn_conf_summary(
    workers: int | None, worker_class: str | None, threads: int | None = None
) -> str:
    """The worker class, count and threads the server ran with (the config, or the overrides)."""
    import runpy

    conf = runpy.run_path(str(ROOT / "backend" / "gunicorn.conf.py"))
    kind = worker_class or conf.get("worker_class", "sync")
    count = workers or conf.get("workers", 1)
    threads = threads or conf.get("threads", 1)
    return f"{kind} x{count}" + (f", {threads} threads each" if kind == "gthread" else "")


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:  # the field after the state is the parent's pid
            found.append(int(stat.parent.name))
    return found


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes so far (gone ones count as 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def postmaster_pid() -> int | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT setting FROM pg_settings WHERE name = 'data_directory'")
        data_directory = cursor.fetchone()[0]
    try:
        return int((Path(data_directory) / "postmaster.pid").read_text().split()[0])
    except OSError:
        return None


class CpuMeter:
    """CPU seconds used by the gunicorn workers and by PostgreSQL during a phase.

    On a shared machine wall-clock req/s moves with the neighbours' load; CPU per request
    does much less, so it is what compares runs taken at different times.
    """

    def __init__(self, server_pid: int, postmaster: int | None) -> None:
        self.server_pid, self.postmaster = server_pid, postmaster

    def sample(self) -> tuple[float, float]:
        app = _cpu_seconds(_children(self.server_pid))
        db = _cpu_seconds(_children(self.postmaster)) if self.postmaster else float("nan")
        return app, db


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def checkins_stored() -> int:
    from recovery.models import CheckIn

    return CheckIn.objects.count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=3, help="seconds per endpoint, unmeasured")
    parser.add_argument("--patients", type=int, default=300)
    parser.add_argument("--workers", type=int, help="override backend/gunicorn.conf.py")
    parser.add_argument("--worker-class", help="override backend/gunicorn.conf.py")
    parser.add_argument("--gunicorn-threads", type=int, help="gthread's threads per worker")
    parser.add_argument("--profile", action="store_true", help="py-spy the check-in afterwards")
    parser.add_argument("--profile-seconds", type=float, default=10)
    parser.add_argument(
        "--profile-wall", action="store_true", help="sample waits too (py-spy --idle)"
    )
    parser.add_argument("--profile-out", default="/tmp/ingest-profile.txt",
                        help="py-spy's collapsed stacks (flamegraph input)")  # fmt: skip
    args = parser.parse_args()
    wrk = ensure_wrk()
    os.environ["JWT_ACCESS_MINUTES"] = "60"
    django_setup()
    migrate()
    print_machine()
    tokens = seed(args.patients)
    tokens_file = Path(tempfile.mkstemp(prefix="bench-tokens-", suffix=".txt")[1])
    tokens_file.write_text("\n".join(tokens) + "\n")
    port = free_port()
    server = start_server(
        port, workers=args.workers, worker_class=args.worker_class, threads=args.gunicorn_threads
    )
    base = f"http://127.0.0.1:{port}"
    endpoints = {
        "bare Django JSON view (floor)": (f"{base}/bench/floor/", "bench/floor.lua", []),
        "POST /api/v1/me/check-ins/ + triage": (
            f"{base}/api/v1/me/check-ins/", "bench/checkin.lua", [str(tokens_file)]),
    }  # fmt: skip
    load = {"before": loadavg()}
    results: dict[str, dict] = {}
    stored_before = checkins_stored()
    try:
        for url, script, extra in endpoints.values():  # warm both first: imports, connections
            run_wrk(wrk, url, script, seconds=args.warmup, threads=args.threads,
                    connections=args.connections, script_args=extra)  # fmt: skip
        stored_before = checkins_stored()
        meter = CpuMeter(server.pid, postmaster_pid())
        for name, (url, script, extra) in endpoints.items():
            app_before, db_before = meter.sample()
            results[name] = run_wrk(wrk, url, script, seconds=args.seconds, threads=args.threads,
                                    connections=args.connections, script_args=extra)  # fmt: skip
            app_after, db_after = meter.sample()
            done = max(results[name]["requests"], 1)
            results[name]["app_cpu_ms"] = 1000 * (app_after - app_before) / done
            results[name]["db_cpu_ms"] = 1000 * (db_after - db_before) / done
        load["after"] = loadavg()
        stored = checkins_stored() - stored_before
        if args.profile:
            from bench.profile_layers import profile_server

            profile_server(
                server.pid, out=args.profile_out, seconds=args.profile_seconds,
                wall=args.profile_wall,
                run=lambda: run_wrk(wrk, *endpoints["POST /api/v1/me/check-ins/ + triage"][:2],
                                    seconds=args.profile_seconds, threads=args.threads,
                                    connections=args.connections, script_args=[str(tokens_file)]),
            )  # fmt: skip
    finally:
        stop_server(server)
        tokens_file.unlink(missing_ok=True)
    report(args, results, load, stored)


def report(args: argparse.Namespace, results: dict[str, dict], load: dict[str, str],
           stored: int) -> None:  # fmt: skip
    rows = []
    for name, r in results.items():
        errors = sum(r[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
        rows.append([name, r["requests"], r["rps"], r["p50_us"] / 1000, r["p90_us"] / 1000,
                     r["p99_us"] / 1000, r["app_cpu_ms"], r["db_cpu_ms"], r["non_2xx_3xx"],
                     errors])  # fmt: skip
    server = gunicorn_conf_summary(args.workers, args.worker_class, args.gunicorn_threads)
    print(f"gunicorn: {server}; "
          f"wrk -t{args.threads} -c{args.connections} -d{args.seconds:g}s per endpoint; "
          f"load average before {load['before']}, after {load.get('after', '?')}")  # fmt: skip
    print(table(["endpoint", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms",
                 "app CPU ms/req", "PG CPU ms/req", "non-2xx", "socket errors"], rows))  # fmt: skip
    floor, checkin = results.values()
    ratio = checkin["rps"] / floor["rps"] if floor["rps"] else 0.0
    print(f"\ncheck-in throughput = {ratio:.1%} of the floor (target >= 50%); "
          f"check-in p99 = {checkin['p99_us'] / 1000:.1f} ms (target < 50 ms)")  # fmt: skip
    print(f"check-ins stored during the measured run: {stored:,} (wrk counted "
          f"{checkin['requests']:,} responses)")  # fmt: skip
    if checkin["non_2xx_3xx"] or floor["non_2xx_3xx"]:
        raise SystemExit("some responses were not 2xx: the req/s above do not count")


if __name__ == "__main__":
    main()
