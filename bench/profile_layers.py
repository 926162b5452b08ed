"""Where a check-in request's time goes, by layer, from py-spy samples of the gunicorn workers.

    .venv/bin/python bench/profile_layers.py STACKS_FILE   # re-read a saved profile

bench/ingest.py --profile records the workers with `py-spy record --subprocesses --format
raw` (collapsed stacks: "frame;frame;... count"; CPU samples, and with `--profile-wall` the
waits too) while wrk drives the check-in, then calls `layer_table` here. Each sample is put
in one layer:

1. idle: the worker waiting for a connection (gunicorn's accept/select loop), left out of the
   percentages, which are of the time spent inside requests;
2. SQL: any frame in psycopg or django.db (the ORM building the query, the driver; with
   --profile-wall, which samples waits too, also the wait for PostgreSQL);
3. otherwise the innermost frame that names a layer (LAYERS, checked leaf first), so triage code
   called by the check-in service counts as triage, not as the service.

The SQL samples are also split by the layer that issued them ("SQL from").
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

# (layer, pattern on one frame "function (path:line)"), most specific first within a stack.
LAYERS: list[tuple[str, re.Pattern[str]]] = [
    (name, re.compile(pattern))
    for name, pattern in [
        ("patient row lock", r"patient_lock|checkin_lock"),
        ("triage", r"recovery/triage/|triage_facts\.py|evaluate \("),
        ("flags", r"recovery/services/flags\.py|flag_decisions\.py"),
        ("check-in service", r"recovery/services/checkins\.py"),
        (
            "auth (JWT, deny-list, permission)",
            r"rest_framework_simplejwt/|backend/auth\.py|perform_authentication|check_permissions"
            r"|recovery/api/permissions\.py",
        ),
        ("throttling", r"throttl"),
        (
            "parsing and validation",
            r"rest_framework/parsers\.py|backend/parsers\.py|checkin_parse|_load_data_and_files"
            r"|rest_framework/fields\.py",
        ),
        (
            "rendering (serializer + JSON)",
            r"rest_framework/renderers\.py|core/renderers\.py|to_representation|finalize_response"
            r"|rest_framework/serializers\.py|_checkin_body|checkin_representation",
        ),
        (
            "middleware",
            r"django/middleware/|django/contrib/(sessions|messages|auth)/middleware|csp/|axes/"
            r"|whitenoise/|django_otp/|backend/middleware\.py|backend/session_idle\.py"
            r"|django/utils/deprecation\.py",
        ),
        (
            "framework (Django/DRF dispatch, URL routing, WSGI)",
            r"django/core/handlers/|rest_framework/views\.py|django/urls/|gunicorn/workers/"
            r"|gunicorn/http/",
        ),
    ]
]
SQL = re.compile(r"psycopg|django/db/")
IDLE = re.compile(r"\b(select|accept|wait_for_connection|sleep) \(.*(gunicorn|selectors)")
OTHER = "other (gunicorn, imports, GC)"


def _layer(frames: list[str]) -> str:
    for frame in reversed(frames):  # leaf first
        for name, pattern in LAYERS:
            if pattern.search(frame):
                return name
    return OTHER


def classify(lines: Iterable[str]) -> tuple[Counter[str], Counter[str], int]:
    """(samples per layer, SQL samples per issuing layer, idle samples)."""
    layers: Counter[str] = Counter()
    sql_from: Counter[str] = Counter()
    idle = 0
    for line in lines:
        stack, _, count_text = line.rstrip().rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        in_request = any("handle_request" in f or "get_response" in f for f in frames)
        if not in_request and (IDLE.search(frames[-1]) or not any("django" in f for f in frames)):
            idle += count
            continue
        if any(SQL.search(frame) for frame in frames):
            layers["SQL (ORM, driver, PostgreSQL wait)"] += count
            first_sql = next(i for i, frame in enumerate(frames) if SQL.search(frame))
            sql_from[_layer(frames[:first_sql])] += count
        else:
            layers[_layer(frames)] += count
    return layers, sql_from, idle


def layer_table(lines: Iterable[str]) -> str:
    from bench.common import table

    layers, sql_from, idle = classify(lines)
    total = sum(layers.values())
    rows = [[name, count, 100 * count / total] for name, count in layers.most_common()]
    out = table(["layer", "samples", "% of request time"], rows)
    sql_total = sum(sql_from.values())
    if sql_total:
        sql_rows = [[name, count, 100 * count / total] for name, count in sql_from.most_common()]
        out += "\n\nSQL samples by the layer that issued them\n"
        out += table(["SQL from", "samples", "% of request time"], sql_rows)
    return out + f"\n\n{total:,} samples in requests; {idle:,} idle samples left out"


def profile_server(
    master_pid: int,
    *,
    out: str,
    seconds: float,
    run: Callable[[], dict[str, Any]],
    rate: int = 200,
    wall: bool = False,
) -> None:
    """py-spy the gunicorn master's workers while `run()` drives them; print the layers.

    CPU samples by default (a thread waiting on a socket is not sampled); `wall` adds the
    waits (`--idle`): then SQL includes the time PostgreSQL takes to answer.
    """
    spy = Path(sys.executable).with_name("py-spy")
    command = [
        str(spy), "record", "--pid", str(master_pid), "--subprocesses", "--nonblocking",
        "--rate", str(rate), "--format", "raw", "--output", out,
        "--duration", str(int(seconds) + 2),
    ]  # fmt: skip
    if wall:
        command.append("--idle")
    recorder = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1)  # py-spy attaches to every worker before the load starts
    result = run()
    _, errors = recorder.communicate(timeout=seconds + 60)
    if recorder.returncode != 0 or not Path(out).exists():
        print(f"py-spy failed ({recorder.returncode}): {errors.decode()[-500:]}")
        return
    kind = "wall clock, waits included" if wall else "CPU only"
    print(f"\nprofile of the check-in (py-spy, {rate} Hz, {kind}; "
          f"load while sampled: {result.get('rps', 0):.0f} req/s); stacks in {out}")  # fmt: skip
    print(layer_table(Path(out).read_text().splitlines()))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    print(layer_table(Path(sys.argv[1]).read_text().splitlines()))
