"""Thin Celery wrappers around dispatch and the sweep. Arguments are ids only."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from core.queue import IDEMPOTENT

logger = logging.getLogger(__name__)


@shared_task(
    name="notifications.tasks.deliver_batch",
    autoretry_for=(OperationalError, InterfaceError),  # the database blinked; rows are intact
    retry_backoff=5,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=3,
    **IDEMPOTENT,
)
def deliver_batch(notification_ids: list[str]) -> dict[str, int]:
    from notifications.dispatch import notifications_deliver, outcome_counts

    return outcome_counts(notifications_deliver(notification_ids))


@shared_task(
    name="notifications.tasks.sweep_outbox",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    max_retries=3,
    **IDEMPOTENT,
)
def sweep_outbox() -> int:
    from notifications.sweep import outbox_sweep

    return outbox_sweep()
