"""The per-minute sweep: re-drive what the broker lost, and what a dead worker dropped.

Rows are claimed in batches with SELECT ... FOR UPDATE SKIP LOCKED, so two sweeps never take
the same rows, and each batch's `next_attempt_at` moves forward (a lease) so the next sweep
leaves it alone while its task is queued. Sending twice is still impossible: dispatch claims
each row again with its conditional UPDATE.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from notifications.conf import conf, task_time_limit_seconds
from notifications.models import Notification

logger = logging.getLogger(__name__)

S = Notification.Status


def _release_stuck(now: datetime) -> int:
    """Rows left in `sending` past the hard time limit lost their worker: make them pending."""
    cutoff = now - timedelta(seconds=task_time_limit_seconds() + conf().SWEEP_GRACE_SECONDS)
    released = 0
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=S.SENDING, claimed_at__lt=cutoff)
            .values_list("id", flat=True)[: conf().BATCH_SIZE * conf().SWEEP_MAX_BATCHES]
        )
        if ids:
            stuck = Notification.objects.filter(id__in=ids, status=S.SENDING)
            # A row that keeps taking its worker down is failed, not retried for ever.
            stuck.filter(attempts__gt=conf().MAX_RETRIES).update(
                status=S.FAILED, claimed_at=None, last_error="worker lost"
            )
            released = stuck.update(
                status=S.PENDING, claimed_at=None, next_attempt_at=now, last_error="worker lost"
            )
    if released:
        logger.warning("sweep: released %d notifications from a lost worker", released)
    return released


def outbox_sweep(*, now: datetime | None = None) -> int:
    """Publish delivery for every due pending row, in batches. Returns the rows published."""
    from core.queue import enqueue_on_commit
    from notifications.tasks import deliver_batch

    now = now or timezone.now()
    c = conf()
    _release_stuck(now)
    lease = now + timedelta(seconds=c.SWEEP_GRACE_SECONDS)
    published = 0
    for _ in range(c.SWEEP_MAX_BATCHES):
        with transaction.atomic():
            ids = [
                str(i)
                for i in Notification.objects.select_for_update(skip_locked=True)
                .filter(status=S.PENDING, next_attempt_at__lte=now)
                .order_by("next_attempt_at")
                .values_list("id", flat=True)[: c.BATCH_SIZE]
            ]
            if not ids:
                break
            Notification.objects.filter(id__in=ids).update(next_attempt_at=lease)
            enqueue_on_commit(deliver_batch, notification_ids=ids)
        published += len(ids)
    return published
