"""The Celery app. The broker is a doorbell; the database is the source of truth.

Tasks carry ids only, are enqueued on commit, and every long-horizon schedule is a row with a
due time claimed by a per-minute sweep (never a long eta/countdown on Redis).
"""

import logging
import os
from pathlib import Path
from typing import Any

from celery import Celery
from celery.schedules import crontab
from celery.signals import setup_logging, worker_init, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.base")

logger = logging.getLogger(__name__)

app = Celery("backend")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Options for tasks that are safe to run twice: the message is acknowledged after the task
# finishes, and re-queued when the worker dies mid-task. Only idempotent tasks may use them.
IDEMPOTENT = {"acks_late": True, "reject_on_worker_lost": True}

# Fixed sweeps live here, reviewed like code; per-patient timing lives in database rows.
# Each app appends its own entries through `register_beat` in its AppConfig.ready().
app.conf.beat_schedule = {}


def register_beat(name: str, task: str, schedule: crontab | float) -> None:
    app.conf.beat_schedule[name] = {"task": task, "schedule": schedule}


@setup_logging.connect
def _use_django_logging(**kwargs: object) -> None:
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@worker_init.connect
@worker_process_init.connect
def _warm_triage_rules(**kwargs: object) -> None:
    # worker_init runs in the main process before the prefork pool forks (children inherit
    # the loaded rules; the solo pool has no children); worker_process_init runs in each child
    # and is a cache hit then. Either way no task waits seconds for rules.yaml.
    from recovery.services.triage_facts import triage_ruleset_warm

    triage_ruleset_warm()


def ensure_filesystem_broker_dirs() -> None:
    """The filesystem transport needs its folders before the first publish."""
    from django.conf import settings

    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if folder := options.get(key):
            Path(folder).mkdir(parents=True, exist_ok=True)


def enqueue_on_commit(task: Any, **kwargs: Any) -> None:
    """Publish `task(**kwargs)` after the surrounding transaction commits.

    A broker outage is logged, never raised: the row that needs the work is already
    committed, and the owning sweep re-drives it. The request that wrote it still succeeds.
    """

    def _publish() -> None:
        try:
            task.apply_async(kwargs=kwargs, retry=False)
        except Exception:
            logger.warning("broker unavailable: %s left for its sweep", task.name, exc_info=True)

    from django.db import transaction

    transaction.on_commit(_publish)
