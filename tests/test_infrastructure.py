"""The developer and deployment plumbing: CI entry point, compose file, env docs, `make run`.

No Django models here: these tests read files and drive scripts in subprocesses.
"""

from __future__ import annotations

import ast
import contextlib
import ctypes
import datetime
import email.utils
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from recovery.management.commands.seed_demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[1]
SETTINGS_DIR = ROOT / "backend" / "settings"
ENV_HELPERS = {"env_str", "env_bool", "env_int", "env_list", "env_secret"}
ENVIRON_READERS = {"os.environ.get", "os.environ.setdefault", "os.getenv"}


# Helpers ----------------------------------------------------------------------------------------


def _string(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def settings_env_vars() -> set[str]:
    """Every environment variable named by a string literal in backend/settings/*.py.

    Reads `env_*("NAME", ...)` helper calls, `os.environ.get/setdefault("NAME")`,
    `os.getenv("NAME")` and `os.environ["NAME"]`. `env_secret("NAME")` also reads NAME_FILE.
    """
    names: set[str] = set()
    for path in SETTINGS_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Call) and node.args and (name := _string(node.args[0])):
                func = ast.unparse(node.func)
                if func in ENV_HELPERS or func in ENVIRON_READERS:
                    names.add(name)
                if func == "env_secret":
                    names.add(f"{name}_FILE")
            elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
                names.update(filter(None, [_string(node.slice)]))
    return names - {"DJANGO_SETTINGS_MODULE"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def proc_table() -> dict[int, tuple[int, int, str]]:
    """pid -> (parent pid, process group, state) for every live process, from /proc."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited while we looked
        # The command name may hold spaces and parentheses: split after its closing one.
        fields = stat[stat.rindex(")") + 2 :].split()
        table[int(entry.name)] = (int(fields[1]), int(fields[2]), fields[0])
    return table


def descendants(pid: int) -> set[int]:
    table = proc_table()
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, (ppid, _, _) in table.items() if ppid in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int], groups: set[int]) -> set[int]:
    """Pids from `pids`, or members of `groups`, that still run (zombies count as gone)."""
    return {
        pid
        for pid, (_, pgid, state) in proc_table().items()
        if state != "Z" and (pid in pids or pgid in groups)
    }


def alive_after(pids: set[int], groups: set[int], seconds: float = 10.0) -> set[int]:
    """alive(), once processes already told to stop have had up to `seconds` to finish dying.

    A child signalled a moment ago may still be running its exit; each pidfd wakes select()
    when its process exits, so this waits only as long as needed and never sleeps.
    """
    deadline = time.monotonic() + seconds
    for pid in alive(pids, groups):
        try:
            pidfd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue
        try:
            select.select([pidfd], [], [], max(0.0, deadline - time.monotonic()))
        finally:
            os.close(pidfd)
    return alive(pids, groups)


def post_json(url: str, body: dict, token: str | None = None) -> tuple[int | None, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, {}
    except (urllib.error.URLError, OSError):
        return None, {}


def _demo_checkin_twice(base: str) -> list[int | None]:
    """A seeded patient signs in and sends one check-in twice (a phone's retry): the embedded
    database takes the whole write path, triage included."""
    _, tokens = post_json(
        f"{base}/api/v1/auth/token/", {"username": "ana.demo", "password": DEMO_PASSWORD}
    )
    # The server's own clock (its Date header): this process's may be moved (--clock-at).
    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
        server_now = email.utils.parsedate_to_datetime(response.headers["Date"])
    body = {
        "id": str(uuid.uuid4()),
        "recorded_at": (server_now - datetime.timedelta(minutes=1)).isoformat(),
        "back_pain": 3,
        "leg_pain": 1,
        "temperature_c": 36.9,
    }
    url = f"{base}/api/v1/me/check-ins/"
    return [post_json(url, body, tokens.get("access"))[0] for _ in range(2)]


def http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None


# CI entry point ---------------------------------------------------------------------------------


def test_it_runs_the_full_suite_in_ci() -> None:
    script = ROOT / ".ci" / "run"
    lines = [line.strip() for line in script.read_text().splitlines()]
    commands = [line for line in lines if line and not line.startswith("#")]

    assert os.access(script, os.X_OK)
    assert lines[0] == "#!/usr/bin/env bash"
    assert "set -euo pipefail" in commands
    assert commands[-3:] == ["make lint", "make test", "make test-clock"]


def test_it_fails_when_pytest_collects_no_tests(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    isolated = ["-c", str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path), "-p", "no:django"]
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "pytest.sh"), *isolated, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 5
    assert "no tests were collected" in result.stderr


# Configuration ------------------------------------------------------------------------------------


def test_it_finds_the_settings_environment_variables() -> None:
    # Guards the two tests below against passing vacuously if the parsing stops matching.
    assert {"DATABASE_URL", "SECRET_KEY", "DEBUG", "REDIS_URL"} <= settings_env_vars()


def test_it_documents_every_setting_in_env_example() -> None:
    text = (ROOT / ".env.example").read_text()
    # A commented-out `# NAME=value` counts: it documents an alternative such as NAME_FILE.
    documented = set(re.findall(r"^\s*#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))

    assert settings_env_vars() - documented == set()


def test_it_forwards_every_setting_to_the_app_containers() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    app_services = ("migrate", "web", "worker", "beat")

    for service in app_services:
        forwarded = set(compose["services"][service]["environment"])
        assert settings_env_vars() - forwarded == set(), service


def test_it_runs_exactly_one_beat() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    commands = [" ".join(service.get("command") or []) for service in compose["services"].values()]

    assert sum(" beat" in command for command in commands) == 1


@pytest.mark.parametrize("env_file", ["none", ".env.example"])
def test_it_validates_the_compose_file(tmp_path: Path, env_file: str) -> None:
    binary = shutil.which("docker-compose")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("docker-compose is missing in CI; scripts/with-services.sh installs it")
        pytest.skip("docker-compose is not installed (apt-get install docker-compose)")
    # "none" stands for a fresh clone: no .env, even if this checkout has one.
    values = tmp_path / "empty.env"
    values.write_text("")
    chosen = values if env_file == "none" else ROOT / env_file

    result = subprocess.run(
        [binary, "--env-file", str(chosen), "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no "variable is not set" warnings either


# Process supervision ----------------------------------------------------------------------------


def supervise(*specs: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "supervise.py"), *specs],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "SUPERVISE_GRACE_SECONDS": "5"},
    )


def wait_until_ready(proc: subprocess.Popen[str], names: set[str]) -> None:
    """Read the prefixed output until every named process has printed `ready`."""
    assert proc.stdout is not None
    seen, ready = [], set()
    for line in proc.stdout:
        seen.append(line)
        name, _, text = line.partition("|")
        if text.strip() == "ready":
            ready.add(name.strip())
        if ready >= names:
            return
    raise AssertionError(f"not all of {names} became ready:\n{''.join(seen)}")


# Each sleeper leaves a grandchild behind, as gunicorn's workers would be if the master died.
SLEEPER = "sh -c 'sleep 60 & echo ready; wait'"


def test_it_stops_every_supervised_process_on_sigint() -> None:
    proc = supervise(f"a={SLEEPER}", f"b={SLEEPER}")
    try:
        wait_until_ready(proc, {"a", "b"})
        tree = descendants(proc.pid)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    finally:
        proc.kill()

    assert proc.returncode == 0
    assert alive_after(tree, groups=tree) == set()


def test_it_stops_the_other_supervised_processes_when_one_exits() -> None:
    proc = supervise("quitter=sh -c 'exit 3'", f"sleeper={SLEEPER}")
    try:
        output, _ = proc.communicate(timeout=30)
    finally:
        proc.kill()

    assert proc.returncode == 3
    assert "quitter exited with status 3; stopping the others" in output
    assert "stopping sleeper" in output


# make run ---------------------------------------------------------------------------------------


@dataclass
class SystemRun:
    """What one `scripts/run.sh` session did, observed from outside."""

    status: dict[str, int | None]  # path -> HTTP status once /healthz was up
    checkin_statuses: list[int | None]  # a demo patient's check-in POST, then its replay
    exit_status: int | None  # after SIGINT; None if it did not stop within 30 s
    survivors: set[int]  # processes of its tree still running after it exited
    new_root_entries: set[str]  # files it created in the repository root
    log: str

    def log_tail(self) -> str:
        return textwrap.indent("\n".join(self.log.splitlines()[-60:]), "  ")


def stop_when_parent_dies() -> None:
    # If pytest itself is killed (CI timeout), run.sh, which becomes the supervisor, gets a
    # SIGTERM and stops its processes: no fixture teardown runs in that case.
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG (linux/prctl.h)


def wait_until_healthy(proc: subprocess.Popen[bytes], url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while http_status(url) != 200 and time.monotonic() < deadline:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.5)  # the poll interval, which also notices an early exit
            return


@pytest.fixture(scope="module")
def system_run(tmp_path_factory: pytest.TempPathFactory) -> SystemRun:
    """One `make run` session (scripts/run.sh) on embedded defaults in a temporary VAR_DIR.

    DATABASE_URL, CELERY_BROKER_URL and REDIS_URL are left unset, as on a fresh checkout: it
    must migrate, collect static files, seed demo data and serve with no services at all.
    """
    tmp = tmp_path_factory.mktemp("run")
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp),
        "LANG": "C.UTF-8",
        "PYTHON": sys.executable,
        "VAR_DIR": str(tmp / "var"),
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    root_before = set(os.listdir(ROOT))
    log_path = tmp / "run.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            ["bash", str(ROOT / "scripts" / "run.sh")],
            cwd=tmp,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so the fixture can still kill the tree if all else fails
            preexec_fn=stop_when_parent_dies,
        )
    tree: set[int] = set()
    try:
        base = f"http://127.0.0.1:{port}"
        # Migrate, seed and simulate first: generous for a busy 2-core box (not a timing test).
        wait_until_healthy(proc, f"{base}/healthz", seconds=120)
        # patient app (issue 20): the shell, its first module and its worker are served too.
        paths = ("/healthz", "/api/docs/", "/app/", "/static/patient_app/app.js", "/app/sw.js")
        status = {path: http_status(base + path) for path in paths}
        checkin_statuses = _demo_checkin_twice(base)
        tree = descendants(proc.pid)
        proc.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=30)
        return SystemRun(
            status=status,
            checkin_statuses=checkin_statuses,
            exit_status=proc.returncode,
            survivors=alive_after(tree, groups=tree),
            # STATIC_ROOT is <repo>/staticfiles by design (the Docker image collects there too).
            new_root_entries=set(os.listdir(ROOT)) - root_before - {"staticfiles"},
            log=log_path.read_text(errors="replace"),
        )
    finally:
        if proc.poll() is None:
            tree |= descendants(proc.pid)
            for group in {proc.pid, *tree}:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(group, signal.SIGKILL)
            proc.wait()


def test_it_serves_health_and_api_docs_on_embedded_defaults(system_run: SystemRun) -> None:
    assert system_run.status == {
        "/healthz": 200,
        "/api/docs/": 200,
        "/app/": 200,
        "/static/patient_app/app.js": 200,
        "/app/sw.js": 200,
    }, system_run.log_tail()


def test_it_takes_a_demo_patients_check_in_on_embedded_defaults(system_run: SystemRun) -> None:
    assert system_run.checkin_statuses == [201, 200], system_run.log_tail()  # stored, replayed


def test_it_runs_web_worker_and_beat(system_run: SystemRun) -> None:
    for name in ("web", "worker", "beat"):
        assert f"started {name} (pid" in system_run.log, system_run.log_tail()


def test_it_stops_every_process_on_sigint_and_exits_zero(system_run: SystemRun) -> None:
    assert system_run.exit_status == 0, system_run.log_tail()
    assert system_run.survivors == set()


def test_it_keeps_runtime_state_out_of_the_repository(system_run: SystemRun) -> None:
    # e.g. `control/`: kombu's filesystem transport writes there, relative to the working
    # directory, unless CELERY_BROKER_TRANSPORT_OPTIONS sets control_folder under VAR_DIR.
    assert system_run.new_root_entries == set(), "run.sh wrote into the repository root"
