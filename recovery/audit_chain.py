"""Tamper evidence for the access trail: every event carries a hash chained to the one before.

    chain_hash(n) = sha256(canonical(event n) + chain_hash(n - 1))

`seq` numbers the events 1, 2, 3, ... with no gaps, so a deleted row breaks the chain as surely
as an edited one. On PostgreSQL a BEFORE INSERT trigger (migration 0008) assigns `seq` and the
hash inside the database, under a transaction-scoped advisory lock, so every insert path (the
ORM, bulk_create, an operator's SQL) is chained and concurrent writers stay in one line. The
lock is held until the inserting transaction commits; audit writes are short, so the cost is a
brief queue of writers, never a fork in the chain. On SQLite (development) the same fields are
filled here in Python: SQLite has one writer at a time anyway.

The canonical form below and the trigger's SQL must agree; `verify_audit` recomputes it.
`actor_kind` (issue 22, migration 0012) is appended only when it is not blank: every event
written before it existed, and every event by an actor told apart by their role, hashes
exactly as before, while a caregiver's event is covered (changing its kind breaks the chain).
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.db import connection

if TYPE_CHECKING:
    from recovery.models import AccessEvent

GENESIS = "0" * 64
SEPARATOR = "\x1f"  # ASCII unit separator: cannot be confused with field content boundaries
# Key of the transaction-scoped advisory lock that serialises chain appends (any constant
# unique to this purpose).
ADVISORY_LOCK_KEY = 7_318_204_551


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def canonical(
    *,
    seq: int,
    event_id: object,
    actor_id: object,
    patient_id: object,
    action: str,
    object_type: str,
    object_id: str,
    request_id: str,
    ip_address: str | None,
    created_at: datetime,
    actor_kind: str = "",
) -> str:
    parts = [
        str(seq),
        str(event_id),
        str(actor_id),
        "" if patient_id is None else str(patient_id),
        action,
        object_type,
        object_id,
        request_id,
        ip_address or "",
        _timestamp(created_at),
    ]
    if actor_kind:  # blank is left out, as the trigger's concat_ws skips NULLIF(kind, '')
        parts.append(actor_kind)
    return SEPARATOR.join(parts)


def link_hash(text: str, previous: str) -> str:
    return hashlib.sha256((text + SEPARATOR + previous).encode("utf-8")).hexdigest()


def event_canonical(event: AccessEvent, *, seq: int) -> str:
    return canonical(
        seq=seq,
        event_id=event.id,
        actor_id=event.actor_id,
        patient_id=event.patient_id,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        request_id=event.request_id,
        ip_address=event.ip_address,
        created_at=event.created_at,
        # Historical models before migration 0012 have no actor_kind (migration 0009 uses this).
        actor_kind=getattr(event, "actor_kind", ""),
    )


def database_chains() -> bool:
    """True where the database trigger fills seq and chain_hash itself."""
    return connection.vendor == "postgresql"


def seal_in_python(events: list[AccessEvent]) -> None:
    """Fill seq and chain_hash on unsaved events (SQLite); the caller holds a transaction."""
    from recovery.models import AccessEvent

    head = AccessEvent.objects.order_by("-seq").values_list("seq", "chain_hash").first()
    seq, previous = (head[0], head[1]) if head and head[0] is not None else (0, GENESIS)
    for event in events:
        seq += 1
        event.seq = seq
        event.chain_hash = link_hash(event_canonical(event, seq=seq), previous)
        previous = event.chain_hash


@dataclass(frozen=True)
class BrokenLink:
    seq: int | None
    event_id: str
    reason: str


def chain_breaks(rows: Iterable[Any]) -> Generator[BrokenLink, None, None]:
    """Each place where the stored chain disagrees with its recomputation, in order.

    After the first break every later hash is still checked against its own stored
    predecessor, so one edited row reports one break, not the rest of the trail.
    """
    expected_seq = 1
    previous = GENESIS
    for row in rows:
        if row.seq is None:
            yield BrokenLink(None, str(row.id), "event was never sealed (no sequence number)")
            continue
        if row.seq != expected_seq:
            yield BrokenLink(
                row.seq, str(row.id), f"sequence jumps from {expected_seq - 1} to {row.seq}"
            )
        if link_hash(event_canonical(row, seq=row.seq), previous) != row.chain_hash:
            yield BrokenLink(row.seq, str(row.id), "hash does not match the event's content")
        expected_seq = row.seq + 1
        previous = row.chain_hash
