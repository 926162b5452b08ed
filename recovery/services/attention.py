"""Keeping the worklist's attention signals (AttentionSignal rows) in step with their sources.

The rows are a summary: recovery.selectors.attention computes them from check-ins, checklist
entries, milestones and questionnaire responses, and these services store what it finds.

- On write, for one patient, inside the writer's transaction (the summary commits with the
  write that changed it, or not at all): a questionnaire, a milestone recorded or re-planned,
  a checklist answer recompute that patient's rows (`attention_refresh_patient`); a check-in
  only ends a silence (`attention_silence_ended`, folded into the check-in's one statement).
- By the beat (`recovery.tasks.sweep_attention`, every ATTENTION_SWEEP_MINUTES): every team
  recomputed in full, because silence and the overdue reasons start and end with the passing
  of time, not with a write. Idempotent: a sweep replaces a team's rows with what the source
  rows say now, so a repeated or late sweep is harmless.
- On read, when a team's last sweep is missing or older than ATTENTION_MAX_AGE (the beat has
  not run yet, or is down): the worklist sweeps that team itself before reading
  (`attention_teams_ensure_fresh`), so the list is never silently stale by more than that.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from recovery.models import CareTeam
from recovery.models.attention import AttentionSignal, AttentionSweep
from recovery.selectors.attention import (
    Scope,
    Signal,
    attention_signals_compute,
    silence_days_if_set,
)

# The beat sweeps every team this often (backend/celery.py).
ATTENTION_SWEEP_MINUTES = 5
# A team swept longer ago than this (three missed beats) is swept on read.
ATTENTION_MAX_AGE = timedelta(minutes=3 * ATTENTION_SWEEP_MINUTES)
_NEVER = datetime(2000, 1, 1, tzinfo=UTC)


def _store(*, signals: Sequence[Signal], stale: Q, now: datetime) -> None:
    """Replace the rows `stale` selects with `signals` (one DELETE, one INSERT; readers see
    the old rows until the transaction commits). The INSERT upserts: a patient's refresh
    committing between this DELETE and INSERT updates its row instead of failing."""
    AttentionSignal.objects.filter(stale).delete()
    if signals:
        AttentionSignal.objects.bulk_create(
            [
                AttentionSignal(
                    patient_id=s.patient_id,
                    care_team_id=s.care_team_id,
                    reason=s.reason,
                    since=s.since,
                    detail=s.detail,
                    computed_at=now,
                )
                for s in signals
            ],
            update_conflicts=True,
            unique_fields=["patient", "reason"],
            update_fields=["care_team", "since", "detail", "computed_at"],
        )


@transaction.atomic
def attention_refresh_patient(*, patient_id: Any, now: datetime) -> None:
    """Recompute one patient's signals (after a write that may change them)."""
    signals = attention_signals_compute(scope=Scope(patient_ids=[patient_id]), now=now)
    _store(signals=signals, stale=Q(patient_id=patient_id), now=now)


def attention_silence_ended(
    *, patient_id: Any, recorded_at: datetime, now: datetime
) -> QuerySet[AttentionSignal] | None:
    """The silence signal a check-in recorded at `recorded_at` ends, to delete; None when the
    check-in is older than the silence window (sent late from an offline queue: the patient may
    still be silent, and the next sweep decides).

    The check-in write path deletes it inside its one combined statement
    (recovery.services.checkins), so the hot ingest path pays no round trip for it.
    """
    window = silence_days_if_set()
    if window is not None and recorded_at < now - timedelta(days=window):
        return None
    return AttentionSignal.objects.filter(
        patient_id=patient_id, reason=AttentionSignal.Reason.SILENCE
    )


def _sweep_locked(*, team_ids: list[Any], now: datetime, force: bool) -> list[Any]:
    """Sweep those of `team_ids` that need it, holding their AttentionSweep rows' locks (two
    sweeps of a team never interleave; the second finds the team fresh and skips it unless
    `force`). Returns the teams swept."""
    AttentionSweep.objects.bulk_create(
        [AttentionSweep(care_team_id=team_id, swept_at=_NEVER) for team_id in team_ids],
        ignore_conflicts=True,
    )
    rows = (
        AttentionSweep.objects.select_for_update()
        .filter(care_team_id__in=team_ids)
        .order_by("care_team_id")
    )
    due = [
        row.care_team_id
        for row in rows
        if force or not (now - ATTENTION_MAX_AGE <= row.swept_at <= now)
    ]
    if not due:
        return []
    signals = attention_signals_compute(scope=Scope(team_ids=due), now=now)
    _store(signals=signals, stale=Q(care_team_id__in=due), now=now)
    AttentionSweep.objects.filter(care_team_id__in=due).update(swept_at=now)
    return due


@transaction.atomic
def attention_sweep_teams(*, team_ids: list[Any], now: datetime) -> list[Any]:
    """Recompute every signal of these teams' patients, whatever their last sweep."""
    return _sweep_locked(team_ids=team_ids, now=now, force=True)


def attention_sweep(*, now: datetime) -> int:
    """The beat's sweep: every team, one transaction each (short locks). Returns the number
    of teams swept."""
    swept = 0
    for team_id in CareTeam.objects.order_by("id").values_list("id", flat=True):
        swept += len(attention_sweep_teams(team_ids=[team_id], now=now))
    return swept


def attention_teams_ensure_fresh(*, teams: QuerySet[CareTeam], now: datetime) -> list[Any]:
    """The ids of `teams`, after sweeping those whose last sweep is missing or older than
    ATTENTION_MAX_AGE (one query when every team is fresh)."""
    fresh = AttentionSweep.objects.filter(
        care_team_id=OuterRef("pk"),
        swept_at__gte=now - ATTENTION_MAX_AGE,
        swept_at__lte=now,
    )
    found = list(teams.annotate(fresh=Exists(fresh)).values_list("id", "fresh"))
    stale = [team_id for team_id, is_fresh in found if not is_fresh]
    if stale:
        with transaction.atomic():
            _sweep_locked(team_ids=stale, now=now, force=False)
    return [team_id for team_id, _ in found]
