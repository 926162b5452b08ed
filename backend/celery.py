"""The Celery app. The broker is a doorbell; the database is the source of truth.

Tasks carry ids only, are enqueued on commit (core.queue.enqueue_on_commit), and every
long-horizon schedule is a row with a due time claimed by a per-minute sweep (never a long
eta/countdown on Redis). The apps import core, never this module.
"""

import os
from pathlib import Path

from celery import Celery
from celery.schedules import crontab
from celery.signals import setup_logging, worker_init, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.base")


app = Celery("backend")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Scale-out (issue 23): a beat holds a PostgreSQL advisory lock, so only one ever runs.
from backend import beat_lock  # noqa: E402, F401

# The one beat schedule: every fixed sweep of every app, reviewed like code (per-patient timing
# lives in database rows). Tasks are named by string, so the project imports no app for it.
app.conf.beat_schedule = {
    # Every 5 minutes: the worker and beat are alive (backend/tasks.py).
    "backend-heartbeat": {"task": "backend.tasks.heartbeat", "schedule": crontab(minute="*/5")},
    "recovery-escalate-flags": {"task": "recovery.tasks.escalate_flags", "schedule": 60.0},
    "recovery-send-due-reminders": {"task": "recovery.tasks.send_due_reminders", "schedule": 60.0},
    "recovery-evaluate-trends": {
        "task": "recovery.tasks.evaluate_trends",
        "schedule": crontab(minute=7),
    },
    # issue 16 (attention summary): every 5 minutes, the worklist's time-based attention
    # reasons recomputed (recovery.services.attention.ATTENTION_SWEEP_MINUTES).
    "recovery-sweep-attention": {
        "task": "recovery.tasks.sweep_attention",
        "schedule": crontab(minute="*/5"),
    },
    # Every minute (https://crontab.guru/#*_*_*_*_*): re-drive rows the broker lost.
    "notifications-sweep-outbox": {
        "task": "notifications.tasks.sweep_outbox",
        "schedule": crontab(),
    },
}


@setup_logging.connect
def _use_django_logging(**kwargs: object) -> None:
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@worker_init.connect
@worker_process_init.connect
def _announce_process_ready(**kwargs: object) -> None:
    # worker_init runs in the main process before the prefork pool forks (children inherit
    # what the apps load; the solo pool has no children); worker_process_init runs in each
    # child and finds it loaded. The apps answer core.signals.process_ready (recovery loads
    # its triage rule set), so no task waits for it and the project names no app.
    from core.signals import process_ready

    process_ready.send(sender="celery")


def ensure_filesystem_broker_dirs() -> None:
    """The filesystem transport needs its folders before the first publish."""
    from django.conf import settings

    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if folder := options.get(key):
            Path(folder).mkdir(parents=True, exist_ok=True)
