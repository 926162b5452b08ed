import logging

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(name="backend.tasks.heartbeat")
def heartbeat() -> str:
    """Proves beat and a worker are alive: /healthz can report when the worker last ran."""
    now = timezone.now().isoformat()
    cache.set("backend:worker-heartbeat", now, timeout=None)
    return now


@shared_task(name="backend.tasks.ping")
def ping(token: str) -> str:
    """Round-trip probe used by tests and operators: echoes the token into the cache."""
    cache.set(f"backend:ping:{token}", "pong", timeout=300)
    return token
