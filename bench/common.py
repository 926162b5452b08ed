"""Shared helpers for the benchmarks: Django setup, machine facts, percentiles, tables."""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Benchmarks run with production settings; only a throwaway key is supplied here.
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-not-for-deployment-0123"),
    "JWT_SIGNING_KEY": os.environ.get("JWT_SIGNING_KEY", "bench-only-jwt-key-not-a-secret-0123"),
    "DEBUG": "false",
}


def django_setup() -> None:
    os.environ.update({k: v for k, v in BENCH_ENV.items() if k not in os.environ})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def machine() -> dict[str, str]:
    def run(*cmd: str) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return "?"

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("select version()")
        db = cursor.fetchone()[0].split(" on ")[0]
    mem = run("free", "-g").splitlines()
    return {
        "cpus (nproc)": run("nproc"),
        "memory (free -g)": mem[1] if len(mem) > 1 else "?",
        "load average": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
        "python": platform.python_version(),
        "database": db,
    }


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
             for row in cells]  # fmt: skip
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_machine() -> None:
    print(table(["machine", "value"], list(machine().items())))
    print()


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Every SQL statement run on the default connection inside the block."""
    from django.db import connection

    seen: list[str] = []

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield seen
