"""Acceptance: the broker is down when a dangerous check-in arrives.

The patient still gets 201 and the advice, and the care team's inbox has the alert; once Redis is
back, the sweep re-drives the push and a real worker delivers it exactly once (not zero times,
not twice). The test runs
its own redis-server on a free loopback port so stopping it disturbs nothing else.
"""

import os
import select
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections
from django.utils import timezone
from kombu import pools

from backend.celery import app
from notifications.channels import push
from notifications.models import Endpoint, Notification
from notifications.sweep import outbox_sweep
from recovery.models import Flag
from tests.factories import ClinicianFactory, PatientFactory
from tests.factories.checkins import checkin_payload

STARTUP_TIMEOUT = 30.0  # a loaded 2-core CI box (a bound, not a timing test)
DELIVERY_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A throwaway redis-server: no persistence, so a restart also loses anything queued."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = _free_port()
        self.process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.workdir)),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # Wait for the ready line on its log, bounded: no sleeping, no polling the port. Raw reads
        # of the pipe: a buffered readline() can swallow the ready line together with the one
        # before it, and select() would then never report the pipe readable again.
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        log = b""
        # A real-time bound (monotonic: not moved by --clock-at or a frozen test clock).
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            readable, _, _ = select.select([fd], [], [], 0.5)
            if readable:
                chunk = os.read(fd, 65536)
                log += chunk
                if b"Ready to accept connections" in log:
                    return
                if not chunk:
                    break  # end of file: redis-server exited
            if self.process.poll() is not None:
                break
        raise RuntimeError(f"redis-server did not start: {log.decode(errors='replace')[-500:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=STARTUP_TIMEOUT)
        self.process = None


def _reset_connections() -> None:
    """Forget every pooled broker connection so the next publish dials `broker_url` afresh.

    kombu keeps one pool per broker URL in a global registry, and a force-closed pool stays
    there refusing every later publish ("Acquire on closed pool"); reset the registry and the
    app's handles to it.
    """
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def redis_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", server.url)
    previous = app.conf.broker_url
    app.conf.broker_url = server.url
    _reset_connections()
    try:
        yield server
    finally:
        server.stop()
        app.conf.broker_url = previous
        monkeypatch.undo()
        _reset_connections()


class RecordingPush:
    def __init__(self) -> None:
        self.sent: list[Mapping[str, str]] = []

    def send(self, token: str, title: str, body: str, data: Mapping[str, str]) -> None:
        self.sent.append({"token": token, **data})


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_delivers_the_care_team_alert_exactly_once_across_a_broker_outage(
    api, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    recorder = RecordingPush()
    monkeypatch.setattr(push, "transport", lambda: recorder)
    patient = PatientFactory()
    nurse = ClinicianFactory(care_teams=[patient.care_team])
    Endpoint.objects.create(user=nurse, kind="push", platform="android", token="nurse-phone")

    redis_server.stop()
    response = api(patient.user).post(
        "/api/v1/me/check-ins/", checkin_payload(saddle_numbness=True), format="json"
    )
    assert response.status_code == 201
    [advice] = response.json()["flags"]
    assert advice["severity"] == "emergency"
    assert "left for its sweep" in caplog.text  # the publish failed and was given up
    assert "closed pool" not in caplog.text  # ...because Redis was down, not a stale pool

    flag = Flag.objects.get()
    alerts = Notification.objects.filter(link=f"/dashboard/flags/{flag.id}/")
    # The nurse's inbox has the alert already (written delivered); the push waits for Redis.
    assert sorted(alerts.values_list("channel", "status")) == [
        ("inapp", "sent"),
        ("push", "pending"),
    ]

    redis_server.start()
    _reset_connections()
    delivered = threading.Event()

    def _after_task(task: object, **kwargs: object) -> None:
        # Runs in the worker's thread: close its connection so the test database can be
        # dropped at the end of the session.
        done = not alerts.filter(status="pending").exists()
        connections.close_all()
        if done:
            delivered.set()

    task_postrun.connect(_after_task, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            # The sweep picks up rows older than its grace period and re-publishes them.
            assert outbox_sweep(now=timezone.now() + timedelta(minutes=2)) == 1
            assert delivered.wait(timeout=DELIVERY_TIMEOUT), "the worker did not deliver"
            # Later sweeps (and a second worker pass) find nothing left to send.
            assert outbox_sweep(now=timezone.now() + timedelta(minutes=10)) == 0
    finally:
        task_postrun.disconnect(_after_task)

    assert sorted(alerts.values_list("channel", "status")) == [
        ("inapp", "sent"),
        ("push", "sent"),
    ]
    assert [sent["token"] for sent in recorder.sent] == ["nurse-phone"]
    assert recorder.sent[0]["link"] == f"/dashboard/flags/{flag.id}/"
