"""Periodic triage work: escalation of unacknowledged flags and the trend rules.

Both are sweeps over database state, safe to run twice or concurrently: escalation claims each
flag by a conditional update on its level, and trend runs upsert flags under the patient lock.

Settings (read at run time, all optional):
    TRIAGE_ESCALATION = {
        "urgent_after": timedelta(hours=2),                # open urgent -> other team members
        "emergency_after": timedelta(minutes=15),          # open emergency -> other team members
        "urgent_coordinator_after": timedelta(hours=2),    # then, after this, -> coordinator(s)
        "emergency_coordinator_after": timedelta(minutes=15),
    }
    TRIAGE_TREND_LOOKBACK = timedelta(days=7)   # "recent check-ins" for the trend sweep
    TRIAGE_TREND_BATCH = 100                    # patients per trend task
"""

import logging
from uuid import UUID

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from core.queue import IDEMPOTENT, enqueue_on_commit
from recovery.services.flags import (
    flags_escalate_due,
    patient_trends_evaluate,
    patients_for_trend_evaluation,
)

logger = logging.getLogger(__name__)


@shared_task(name="recovery.tasks.escalate_flags", **IDEMPOTENT)
def escalate_flags() -> int:
    moved = flags_escalate_due(now=timezone.now())
    if moved:
        logger.info("escalated %s flags", moved)
    return moved


@shared_task(name="recovery.tasks.evaluate_trends", **IDEMPOTENT)
def evaluate_trends() -> int:
    """Fan the candidate patients out to batch tasks (ids only)."""
    size = getattr(settings, "TRIAGE_TREND_BATCH", 100)
    ids = [str(pid) for pid in patients_for_trend_evaluation(now=timezone.now())]
    for start in range(0, len(ids), size):
        evaluate_trends_batch.delay(ids[start : start + size])
    return len(ids)


@shared_task(
    name="recovery.tasks.evaluate_trends_batch",
    autoretry_for=(OperationalError, InterfaceError),  # the database blinked; rerun is safe
    max_retries=3,
    retry_backoff=5,
    **IDEMPOTENT,
)
def evaluate_trends_batch(patient_ids: list[str]) -> int:
    now = timezone.now()
    raised = 0
    for patient_id in patient_ids:
        try:
            raised += len(patient_trends_evaluate(patient_id=UUID(patient_id), now=now))
        except (OperationalError, InterfaceError):
            raise
        except Exception:
            # One patient's bad data must not starve the rest of the batch.
            logger.exception("trend evaluation failed for one patient")
    return raised


@shared_task(name="recovery.tasks.send_due_reminders", **IDEMPOTENT)
def send_due_reminders() -> int:
    """Per-minute: publish one batch task per BATCH_SIZE due reminder rows, so every worker
    process shares a same-minute fan-out. Each batch claims its own rows (SKIP LOCKED): a
    second beat, or a batch that finds its rows taken, is harmless; a lost batch is
    published again at the next tick. Returns the batches published."""
    from recovery.reminders.sweep import reminder_batches_due

    batches = reminder_batches_due(now=timezone.now())
    for _ in range(batches):
        enqueue_on_commit(send_due_reminders_batch)
    return batches


@shared_task(
    name="recovery.tasks.send_due_reminders_batch",
    autoretry_for=(OperationalError, InterfaceError),  # the database blinked; rerun is safe
    max_retries=3,
    retry_backoff=5,
    **IDEMPOTENT,
)
def send_due_reminders_batch() -> int:
    """Claim and run one batch of due reminder rows; returns the rows run."""
    from recovery.reminders.sweep import reminders_send_due

    return reminders_send_due(now=timezone.now(), max_batches=1).runs


# Password reset email (security review, issue 17): the worker makes the link, so the request
# that asked answers equally fast whether or not the account exists.
@shared_task(name="recovery.tasks.send_password_reset_email")
def send_password_reset_email(user_id: int) -> None:
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mail

    from recovery.services.passwords import RESET_SUBJECT, password_reset_email_body

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return
    send_mail(
        RESET_SUBJECT,
        password_reset_email_body(user=user),
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
        fail_silently=False,
    )


# ----------------------------------------------------------------- issue 16: attention summary


@shared_task(name="recovery.tasks.sweep_attention", **IDEMPOTENT)
def sweep_attention() -> int:
    """Recompute every team's worklist attention signals (recovery.services.attention): the
    reasons that start or end with the passing of time. Idempotent: each team's rows are
    replaced by what the source rows say now. Returns the number of teams swept."""
    from recovery.services.attention import attention_sweep

    return attention_sweep(now=timezone.now())
