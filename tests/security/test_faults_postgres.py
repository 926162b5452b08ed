"""Fault injection: PostgreSQL dies under live traffic and comes back.

The whole stack runs as in production: gunicorn (1 worker, 4 threads, persistent connections
with CONN_HEALTH_CHECKS) serving backend.settings.base with DEBUG=false, against a throwaway
PostgreSQL this test starts on a free loopback port. The suite's own database is not touched.

While a client thread keeps sending a cycle of requests (a dangerous check-in and a profile
read with a JWT, a care-team list with a session cookie, a JWT login, an admin page outside
DRF on the same session), the test kills the
database (`pg_ctl -m immediate`: a crash, not a polite shutdown), waits for two full cycles,
starts it again and waits for two more. Expected:
- while the database is down, every request gets 503 with Retry-After in the common error shape
  (the JWT user lookup, the session load and django-axes all hit the database before the view);
- never a 500, never a dropped connection;
- every 201 check-in is stored, and every stored check-in is whole (its triage answer and flag
  were written in the same transaction);
- the first requests after the restart succeed, with no restart of the app;
- a 503'd check-in replayed afterwards is stored exactly once.
"""

from __future__ import annotations

import http.client
import json
import os
import select
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine

ROOT = Path(__file__).resolve().parents[2]


def _pg_bin() -> Path:
    """PG_BIN, else the newest installed server (as scripts/with-services.sh picks it)."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    versions = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if p.parent.name.isdigit()),
        key=lambda p: int(p.parent.name),
    )
    return versions[-1] if versions else Path("/usr/lib/postgresql/15/bin")


PG_BIN = _pg_bin()
PASSWORD = "correct-horse-battery-staple"
CYCLE = ("checkin", "me", "care_list", "login", "admin")
PHASE_TIMEOUT = 45.0  # seconds for each phase (two full request cycles) to complete
REQUEST_TIMEOUT = 15.0


def _server_now() -> datetime:
    # The servers run in subprocesses on the real clock; under `pytest --clock-at` this process's
    # clock is moved, and a check-in stamped by it would be refused as in the future.
    if time_machine.escape_hatch.is_travelling():
        return time_machine.escape_hatch.datetime.datetime.now(UTC)
    return datetime.now(UTC)


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (PG_BIN / "pg_ctl").exists(), reason="PostgreSQL binaries missing"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(*cmd: str) -> list[str]:
    # initdb and postgres refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)


class PostgresServer:
    """A throwaway cluster in a mkdtemp directory (the postgres user must be able to enter it)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="pgfault-"))
        self.port = _free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, user="postgres")
        subprocess.run(
            _as_postgres(
                str(PG_BIN / "initdb"), "-D", str(self.dir / "data"), "-U", "postgres",
                "-A", "trust", "-E", "UTF8", "--no-sync",
            ),
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/recovery"

    def start(self) -> None:
        # synchronous_commit stays on: a 201 must mean the row survives the crash below.
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            _as_postgres(
                str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"),
                "-l", str(self.dir / "server.log"), "-w", "-t", "60", "-o", options, "start",
            ),
            check=True, capture_output=True, timeout=90,
        )  # fmt: skip

    def kill(self) -> None:
        subprocess.run(
            _as_postgres(
                str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "-w",
                "stop",
            ),
            check=False, capture_output=True, timeout=60,
        )  # fmt: skip

    def createdb(self) -> None:
        subprocess.run(
            [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             "recovery"],
            check=True, capture_output=True, timeout=30,
        )  # fmt: skip

    def destroy(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def _app_env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
        and not k.startswith(("PYTEST", "DJANGO_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="backend.settings.base",
        DEBUG="false",
        SECRET_KEY="fault-test-secret-key-" + uuid.uuid4().hex,
        DATABASE_URL=database_url,
        DB_CONN_MAX_AGE="60",  # persistent connections, as in production
        VAR_DIR=str(var_dir),  # file cache and filesystem broker: nothing shared with the suite
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        THROTTLE_CHECKIN="100000/hour",
        THROTTLE_AUTH_ADDRESS="100000/hour",  # the client signs in once per cycle
        JWT_SIGNING_KEY="fault-test-jwt-key-" + uuid.uuid4().hex,
        LOG_LEVEL="WARNING",
    )
    return env


SEED = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from recovery.services.mfa import totp_device_enroll
from tests.factories import ClinicianFactory, PatientFactory
patient = PatientFactory()
nurse = ClinicianFactory(care_teams=[patient.care_team])
session = SessionStore()
session[SESSION_KEY] = str(nurse.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = nurse.get_session_auth_hash()
session["otp_device_id"] = totp_device_enroll(user=nurse).persistent_id  # MFA verified
session.create()
print(json.dumps({"username": patient.user.username, "session": session.session_key}))
"""

REPORT = """
import json
from recovery.models import CheckIn, Flag
print(json.dumps({
    "checkins": {str(c.id): c.flags for c in CheckIn.objects.all()},
    "flags": Flag.objects.filter(status="open").count(),
}))
"""


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@dataclass
class Outcome:
    kind: str
    status: int  # 0: no HTTP response at all (connection refused/reset, timeout)
    headers: dict[str, str]
    body: Any
    started: float
    finished: float
    checkin_id: str = ""


@dataclass
class Client:
    port: int
    username: str
    session: str
    access: str = ""
    outcomes: list[Outcome] = field(default_factory=list)
    cycles: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    progress: threading.Condition = field(default_factory=threading.Condition)

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            payload = json.dumps(body) if body is not None else None
            all_headers = {"Accept": "application/json", **(headers or {})}
            if payload is not None:
                all_headers["Content-Type"] = "application/json"
            conn.request(method, path, body=payload, headers=all_headers)
            response = conn.getresponse()
            raw = response.read()
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = raw.decode(errors="replace")[:500]
            return response.status, dict(response.getheaders()), parsed
        except OSError as exc:
            return 0, {}, repr(exc)
        finally:
            conn.close()

    def login(self) -> tuple[int, dict[str, str], Any]:
        status, headers, body = self.call(
            "POST", "/api/v1/auth/token/", {"username": self.username, "password": PASSWORD}
        )
        if status == 200:
            self.access = body["access"]
        return status, headers, body

    def one(self, kind: str) -> Outcome:
        started = time.monotonic()
        checkin_id = ""
        jwt = {"Authorization": f"Bearer {self.access}"}
        if kind == "checkin":
            checkin_id = str(uuid.uuid4())
            recorded = (_server_now() - timedelta(minutes=1)).isoformat()
            body = {"id": checkin_id, "recorded_at": recorded, "saddle_numbness": True,
                    "temperature_c": 38.9, "back_pain": 8}  # fmt: skip
            result = self.call("POST", "/api/v1/me/check-ins/", body, jwt)
        elif kind == "me":
            result = self.call("GET", "/api/v1/me/", None, jwt)
        elif kind == "care_list":
            result = self.call(
                "GET", "/api/v1/care/patients/", None, {"Cookie": f"sessionid={self.session}"}
            )
        elif kind == "admin":
            # A Django page outside DRF on the same session (the admin redirects a non-staff
            # nurse without rendering, so no collected static files are needed, unlike the
            # dashboard's pages under production storage).
            result = self.call("GET", "/admin/", None, {"Cookie": f"sessionid={self.session}"})
        else:
            result = self.login()
        return Outcome(kind, *result, started, time.monotonic(), checkin_id)

    def run(self) -> None:
        while not self.stop.is_set():
            batch = [self.one(kind) for kind in CYCLE]
            with self.progress:
                self.outcomes.extend(batch)
                self.cycles += 1
                self.progress.notify_all()

    def wait_cycles(self, count: int) -> None:
        """Block until `count` more full cycles have *started* after this call."""
        with self.progress:
            target = self.cycles + count + 1  # +1: the cycle in flight began before the call
            assert self.progress.wait_for(lambda: self.cycles >= target, PHASE_TIMEOUT), (
                "the client stalled"
            )


def _wait_for_boot(process: subprocess.Popen[str]) -> None:
    """Read gunicorn's log until a worker boots (bounded), then keep draining it."""
    assert process.stderr is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        readable, _, _ = select.select([process.stderr], [], [], 0.5)
        if readable and "Booting worker" in process.stderr.readline():
            # A full pipe would block the server: drain it for the rest of the test.
            threading.Thread(target=process.stderr.read, daemon=True).start()
            return
    raise RuntimeError("gunicorn did not start")


@pytest.fixture
def stack() -> Iterator[tuple[PostgresServer, Client, dict[str, str]]]:
    server = PostgresServer()
    var_dir = Path(tempfile.mkdtemp(prefix="pgfault-var-"))
    gunicorn: subprocess.Popen[bytes] | None = None
    try:
        server.start()
        server.createdb()
        env = _app_env(server.url, var_dir)
        _manage(env, "migrate", "--no-input", "-v", "0")
        seed = json.loads(
            _manage(env, "shell", "--no-imports", "-c", SEED).strip().splitlines()[-1]
        )
        port = _free_port()
        gunicorn = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "backend.wsgi:application",
             "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4",
             "--timeout", "60", "--preload"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        _wait_for_boot(gunicorn)
        client = Client(port=port, username=seed["username"], session=seed["session"])
        assert client.login()[0] == 200
        yield server, client, env
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            try:
                gunicorn.wait(timeout=15)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        server.destroy()
        shutil.rmtree(var_dir, ignore_errors=True)


def _is_unavailable(outcome: Outcome) -> bool:
    if outcome.kind == "admin":  # a page, not the API: plain text
        return outcome.status == 503 and outcome.headers.get("Retry-After", "").isdigit()
    return (
        outcome.status == 503
        and outcome.headers.get("Retry-After", "").isdigit()
        and isinstance(outcome.body, dict)
        and outcome.body.get("code") == "unavailable"
        and set(outcome.body) == {"message", "code", "extra"}
    )


def test_it_answers_503_while_postgres_is_down_and_recovers_without_a_restart(stack) -> None:
    server, client, env = stack
    worker = threading.Thread(target=client.run, daemon=True)
    worker.start()
    try:
        client.wait_cycles(1)
        killed_at = time.monotonic()
        server.kill()
        down_from = time.monotonic()
        client.wait_cycles(2)
        down_until = time.monotonic()
        server.start()
        up_from = time.monotonic()
        client.wait_cycles(2)
    finally:
        client.stop.set()
        worker.join(timeout=PHASE_TIMEOUT)
    outcomes = list(client.outcomes)

    broken = [
        (o.kind, o.status, o.body)
        for o in outcomes
        if o.status == 0 or (o.status >= 500 and not _is_unavailable(o))
    ]
    assert not broken, f"500s or dropped connections: {broken[:5]}"

    down = [o for o in outcomes if o.started >= down_from and o.finished <= down_until]
    assert {o.kind for o in down} == set(CYCLE)  # every path was exercised during the outage
    assert all(_is_unavailable(o) for o in down), [(o.kind, o.status, o.body) for o in down]

    before = [o for o in outcomes if o.finished < killed_at]
    after = [o for o in outcomes if o.started >= up_from]
    assert {o.kind for o in after} == set(CYCLE)
    for outcome in before + after:
        expected = (302,) if outcome.kind == "admin" else (200, 201)  # a nurse is not staff
        assert outcome.status in expected, (outcome.kind, outcome.status, outcome.body)

    # Nothing half-written: every stored check-in carries the advice computed with it.
    stored = json.loads(_manage(env, "shell", "--no-imports", "-c", REPORT).strip())
    created = {o.checkin_id for o in outcomes if o.kind == "checkin" and o.status == 201}
    assert created <= set(stored["checkins"]), "a 201 check-in was lost"
    assert all(flags for flags in stored["checkins"].values()), "a check-in without its triage"
    # One open flag per category, updated (not duplicated) by every later check-in.
    categories = {f["category"] for flags in stored["checkins"].values() for f in flags}
    assert stored["flags"] == len(categories)

    # The phone retries what got a 503: stored once (201 now, or 200 if it had committed).
    refused = [o.checkin_id for o in outcomes if o.kind == "checkin" and o.status == 503]
    assert refused
    client.login()
    for checkin_id in refused:
        recorded = (_server_now() - timedelta(minutes=1)).isoformat()
        status, _, body = client.call(
            "POST", "/api/v1/me/check-ins/",
            {"id": checkin_id, "recorded_at": recorded, "saddle_numbness": True},
            {"Authorization": f"Bearer {client.access}"},
        )  # fmt: skip
        assert status in (200, 201) and body["flags"], (status, body)
    final = json.loads(_manage(env, "shell", "--no-imports", "-c", REPORT).strip())
    sent = {o.checkin_id for o in outcomes if o.kind == "checkin" and o.status in (201, 503)}
    assert sent <= set(final["checkins"])


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/dashboard/", "text/plain"), ("/admin/", "text/plain"), ("/api/v1/me/", "application/json")],
)
def test_it_answers_503_when_the_session_store_is_unreachable(
    path: str, content_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The in-process version of the outage, for paths inside and outside DRF."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import OperationalError
    from django.test import Client

    def _down(self: SessionStore) -> dict[str, Any]:
        raise OperationalError("connection refused")

    monkeypatch.setattr(SessionStore, "load", _down)
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "a-session-key-that-needs-the-database"

    response = client.get(path)

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith(content_type)
