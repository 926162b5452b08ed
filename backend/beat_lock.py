"""Exactly one Celery beat, however many are started (issue 23; docs/operations.md).

A beat takes a PostgreSQL session advisory lock before its scheduler starts (`beat_init`) and
holds it on its own connection for its whole life; a second beat blocks there, as a standby,
until the first one's session ends (process exit, crash, lost connection), then takes over.
So a deployment may run a beat on two nodes for availability without ever publishing the
periodic sweeps twice. The sweeps are idempotent anyway (SKIP LOCKED claims, unique
idempotency keys): a double beat would cost work, never a duplicate reminder.

The lock needs a real server session: behind PgBouncer in transaction mode point
BEAT_LOCK_DATABASE_URL at PostgreSQL directly (or at a session-mode pool). SQLite (`make run`,
one machine, one beat by construction) takes no lock.
"""

from __future__ import annotations

import logging
from typing import Any

from celery.signals import beat_init

logger = logging.getLogger("backend.celery")

# An arbitrary constant shared by every beat of a deployment ("beat" in ASCII, as an int).
BEAT_LOCK_KEY = 0x62656174
_held: list[Any] = []  # the holding connection: kept open for the life of the process


def beat_lock_acquire(conninfo: str, *, wait: bool) -> Any | None:
    """A new connection holding the beat lock, or None when `wait` is False and it is taken.

    With `wait` the call blocks until the lock is free.
    """
    import psycopg

    # Keepalives: a holder that vanished from the network frees the lock within ~1 minute.
    connection = psycopg.connect(
        conninfo, autocommit=True, keepalives_idle=30, keepalives_interval=10
    )
    try:
        if wait:
            connection.execute("SELECT pg_advisory_lock(%s)", [BEAT_LOCK_KEY])
            return connection
        row = connection.execute("SELECT pg_try_advisory_lock(%s)", [BEAT_LOCK_KEY]).fetchone()
        if row and row[0]:
            return connection
    except BaseException:
        connection.close()
        raise
    connection.close()
    return None


def _conninfo() -> str | None:
    from django.conf import settings

    if url := getattr(settings, "BEAT_LOCK_DATABASE_URL", None):
        return str(url)
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        return None
    import psycopg

    return psycopg.conninfo.make_conninfo(
        dbname=database["NAME"],
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        host=database.get("HOST") or None,
        port=str(database["PORT"]) if database.get("PORT") else None,
    )


@beat_init.connect
def _hold_the_beat_lock(**kwargs: object) -> None:
    conninfo = _conninfo()
    if conninfo is None:
        return
    connection = beat_lock_acquire(conninfo, wait=False)
    if connection is None:
        logger.warning("another beat holds the beat lock: standing by until it stops")
        connection = beat_lock_acquire(conninfo, wait=True)
    _held.append(connection)
    logger.info("beat lock taken: this is the only running beat")
