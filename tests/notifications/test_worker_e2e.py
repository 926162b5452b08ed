"""Exactly-once delivery through a real Redis broker and real worker processes.

Worker A is SIGKILLed while a push is in flight mid-batch. Worker B starts; the broker
redelivers A's unacknowledged batch and the sweep releases the row A died holding. Every due
notification must then be delivered exactly once.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection, transaction

from notifications.models import Notification
from notifications.services import Message, notify
from notifications.tasks import sweep_outbox
from tests.factories import UserFactory
from tests.factories.notifications import DeviceFactory

ROOT = Path(__file__).resolve().parents[2]
USERS = 6
BLOCK_AFTER = 3  # worker A delivers three pushes, then hangs on the fourth


def _test_database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def _wait_for(condition: Callable[[], bool], *, seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            tail = log.read_text()[-3000:] if log.exists() else ""
            pytest.fail(f"timed out waiting for {what}\n--- worker log ---\n{tail}")
        time.sleep(0.1)


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[[str], subprocess.Popen]]:
    started: list[subprocess.Popen] = []
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
        "DATABASE_URL": _test_database_url(),
        "NOTIF_E2E_DIR": str(tmp_path),
        "NOTIF_E2E_BLOCK_AFTER": str(BLOCK_AFTER),
        # Redis hands an unacknowledged message to another worker after this many seconds;
        # it must exceed the task time limit, which the sweep also uses for stuck rows.
        "CELERY_VISIBILITY_TIMEOUT": "6",
        "CELERY_TASK_TIME_LIMIT": "4",
        "CELERY_TASK_SOFT_TIME_LIMIT": "3",
    }

    def _start(name: str) -> subprocess.Popen:
        log = open(tmp_path / "worker.log", "a")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "backend",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{name}@e2e",
                "-l",
                "info",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield _start
    for process in started:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_loses_and_doubles_nothing(start_worker, tmp_path) -> None:
    log = tmp_path / "worker.log"
    delivered_log = tmp_path / "delivered.log"
    users = UserFactory.create_batch(USERS)
    for user in users:
        DeviceFactory(user=user)
    (tmp_path / "hold").touch()

    with transaction.atomic():
        notify(
            Message(u.id, "careteam_flag", f"flag:e2e:{u.id}", urgent=True) for u in users
        )  # published to Redis on commit, as one batch
    push_ids = {
        str(i) for i in Notification.objects.filter(channel="push").values_list("id", flat=True)
    }
    assert len(push_ids) == USERS

    worker_a = start_worker("a")
    _wait_for((tmp_path / "blocked").exists, seconds=60, what="worker A to hang mid-send", log=log)
    os.kill(worker_a.pid, signal.SIGKILL)
    worker_a.wait(timeout=10)
    delivered_before_kill = delivered_log.read_text().splitlines()
    assert len(delivered_before_kill) == BLOCK_AFTER  # mid-batch: some sent, some not
    held = (tmp_path / "blocked").read_text()
    assert Notification.objects.get(id=held).status == Notification.Status.SENDING

    (tmp_path / "hold").unlink()
    start_worker("b")

    last_sweep = [0.0]

    def _all_delivered() -> bool:
        if time.monotonic() - last_sweep[0] >= 1:  # beat's per-minute job, every second
            sweep_outbox.apply_async(retry=False)
            last_sweep[0] = time.monotonic()
        return not Notification.objects.exclude(status=Notification.Status.SENT).exists()

    _wait_for(_all_delivered, seconds=90, what="every notification to be delivered", log=log)

    delivered = delivered_log.read_text().splitlines()
    assert sorted(delivered) == sorted(push_ids), "each push delivered exactly once"
    assert held in delivered
    assert Notification.objects.filter(channel="inapp", status="sent").count() == USERS
