"""A real Celery worker for the patient app's browser tests (issue 20: "against the live server
with a real worker").

The suite publishes tasks to the real Redis broker that `make test` starts, and nothing consumes
them unless a test starts a worker. The browser tests do: one worker per test module, in a
thread of the test process (celery.contrib.testing.worker.start_worker, solo pool), against the
test database. It shares the process with the live server, so a test's monkeypatched provider
boundary (`requests.post`, the push transport) is what the worker sends through.

Waiting is on a condition, never on time: `WorkerLedger` counts the tasks published in this
process and the tasks the worker finished, and `wait_idle()` blocks (bounded) until the two
agree, which includes the tasks a task publishes itself (a sweep, then its deliveries).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import after_task_publish, task_postrun, task_rejected, task_unknown

IDLE_TIMEOUT = 60.0  # seconds: a bound for a loaded 2-core box, not a timing expectation


@dataclass
class WorkerLedger:
    """Tasks published in this process against tasks the worker has finished running."""

    published: int = 0
    finished: int = 0
    names: list[str] = field(default_factory=list)  # what the worker ran, in order
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def on_publish(self, sender: object = None, **kwargs: Any) -> None:
        with self._changed:
            self.published += 1
            self._changed.notify_all()

    def on_finish(self, sender: object = None, **kwargs: Any) -> None:
        with self._changed:
            self.finished += 1
            self.names.append(getattr(sender, "name", str(sender)))
            self._changed.notify_all()

    def mark(self) -> int:
        """How many tasks the worker has finished so far (to ask what ran after this point)."""
        with self._changed:
            return len(self.names)

    def ran_since(self, mark: int) -> list[str]:
        with self._changed:
            return self.names[mark:]

    def wait_idle(self, timeout: float = IDLE_TIMEOUT) -> None:
        """Block until every task published so far has been run; fail after `timeout`."""
        with self._changed:
            idle = self._changed.wait_for(lambda: self.finished >= self.published, timeout)
            if not idle:
                raise AssertionError(
                    f"the worker is not idle after {timeout:.0f} s: "
                    f"{self.published} published, {self.finished} finished ({self.names[-5:]})"
                )


@pytest.fixture(scope="module")
def celery_live_worker(django_db_setup: None, django_db_blocker: Any) -> Iterator[WorkerLedger]:
    """Start a worker for this module's tests and stop it after the last one.

    Module-scoped, and only requested by tests that use the live server, so the rest of the
    suite runs exactly as before: its tasks go to Redis and nobody consumes them.
    """
    from backend.celery import app

    ledger = WorkerLedger()
    after_task_publish.connect(ledger.on_publish, weak=False)
    for signal in (task_postrun, task_rejected, task_unknown):
        signal.connect(ledger.on_finish, weak=False)
    try:
        # Messages left on the broker by earlier tests name rows their flush has deleted.
        with django_db_blocker.unblock():
            app.control.purge()
            # The worker's setup (Django's fixup: system checks, closing connections) runs here,
            # before any test of the module opens a transaction.
            worker = start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30)
            worker.__enter__()
        try:
            yield ledger
        finally:
            worker.__exit__(None, None, None)
    finally:
        after_task_publish.disconnect(ledger.on_publish)
        for signal in (task_postrun, task_rejected, task_unknown):
            signal.disconnect(ledger.on_finish)
