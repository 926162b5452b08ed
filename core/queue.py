"""Publishing Celery tasks from the apps, without importing the project's Celery app.

Tasks carry ids only and are enqueued on commit; the broker is a doorbell and the database is
the source of truth (every long-horizon schedule is a row claimed by a sweep).
"""

import logging
from typing import Any

logger = logging.getLogger("backend.celery")  # the logger name operators already filter on

# Options for tasks that are safe to run twice: the message is acknowledged after the task
# finishes, and re-queued when the worker dies mid-task. Only idempotent tasks may use them.
IDEMPOTENT = {"acks_late": True, "reject_on_worker_lost": True}


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
