"""Read routing to a streaming replica (issue 23; docs/operations.md, "Read replica").

When `DATABASE_REPLICA_URL` is set, settings add a `replica` database alias and install
`ReplicaRouter`. Reads go to the replica only inside `use_replica()` (a context manager and a
decorator), which the analytics selectors use: the cohort outcome tables, whose aggregates
over every patient of a team are the heaviest reads of the dashboard and can be a few seconds
stale. Everything else reads the primary, on purpose:
- writes, always (`db_for_write` never names the replica, even inside `use_replica()`);
- read-your-writes paths: the check-in response, a flag just acknowledged, the worklist after
  an action (a lagging replica would show a resolved flag as open, or miss an emergency flag
  raised a second ago); the worklist and patient pages are clinical and stay on the primary.
Without the alias `use_replica()` changes nothing, so code and tests run the same either way.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

_reads_on_replica: ContextVar[bool] = ContextVar("reads_on_replica", default=False)


def replica_configured() -> bool:
    return any(alias == REPLICA for alias in connections)


@contextmanager
def use_replica() -> Iterator[None]:
    """Send the ORM's reads inside to the replica, when one is configured.

    A context manager, and a decorator (`@use_replica()`, a fresh context per call).
    """
    token = _reads_on_replica.set(True)
    try:
        yield
    finally:
        _reads_on_replica.reset(token)


class ReplicaRouter:
    """Reads inside `use_replica()` -> `replica` (when configured); everything else default."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if _reads_on_replica.get() and replica_configured():
            return REPLICA
        return None  # the default database

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # Both aliases hold the same rows: objects read from either may be related.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # The replica follows the primary's WAL; migrations run on the primary only.
        return db != REPLICA
