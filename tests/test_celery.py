"""A real task through the real Redis broker and a real worker thread."""

import threading
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core.cache import cache

from backend.celery import app
from backend.tasks import ping


@pytest.mark.django_db(transaction=True)
def test_a_task_round_trips_through_redis_and_a_worker() -> None:
    assert app.conf.broker_url.startswith("redis://")
    token = uuid.uuid4().hex
    done = threading.Event()

    def _on_postrun(task_id: str, task: object, args: tuple, **kwargs: object) -> None:
        if list(args) == [token]:
            done.set()

    task_postrun.connect(_on_postrun, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            ping.delay(token)
            assert done.wait(timeout=30), "the worker did not run the task"
    finally:
        task_postrun.disconnect(_on_postrun)
    assert cache.get(f"backend:ping:{token}") == "pong"


def test_it_only_accepts_json() -> None:
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_serializer == "json"


def test_it_sets_time_limits_and_ignores_results() -> None:
    assert app.conf.task_soft_time_limit and app.conf.task_time_limit
    assert app.conf.task_ignore_result is True


def test_it_does_not_ack_late_by_default() -> None:
    # Only idempotent tasks opt into acks_late (backend.celery.IDEMPOTENT).
    assert app.conf.task_acks_late is False


@pytest.mark.django_db(transaction=True)
def test_enqueue_on_commit_survives_a_dead_broker(caplog, monkeypatch) -> None:
    from celery import Celery
    from django.db import transaction

    from core.queue import enqueue_on_commit

    # A separate app pointed at a closed port: the shared app's pools stay untouched.
    # (Celery prefers the CELERY_BROKER_URL variable to its configuration.)
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    dead = Celery("dead", broker="redis://127.0.0.1:1/0", set_as_current=False)
    dead.conf.broker_transport_options = app.conf.broker_transport_options

    @dead.task(name="backend.tasks.ping", shared=False)
    def dead_ping(token: str) -> str:
        return token

    with transaction.atomic():
        enqueue_on_commit(dead_ping, token="x")
    assert "left for its sweep" in caplog.text
