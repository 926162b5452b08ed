"""Running a simulation: sample and triage patients (optionally in worker processes), then
write them batch by batch. Everything about patient i comes from its own seeded generator,
so the result is the same for a seed whatever the batch size or number of workers."""

from __future__ import annotations

import multiprocessing
import random
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from recovery.services.triage_facts import history_limit, triage_ruleset
from simulation.cohort import TIMEZONES, sample_profile
from simulation.flags import triage_patient
from simulation.progress import Progress
from simulation.questionnaires import questionnaires_answered
from simulation.trajectory import simulate_reports
from simulation.writer import (
    SimPatient,
    Team,
    patients_write,
    simulation_now_for,
    teams_create,
)


@dataclass(frozen=True)
class Plan:
    """What to simulate: `patients` operated on over the `days` from `start_date`."""

    patients: int
    days: int
    seed: int
    start_date: date
    team_count: int
    now: datetime

    @property
    def last_date(self) -> date:
        return self.start_date + timedelta(days=self.days - 1)

    @property
    def stop_at(self) -> datetime:
        return simulation_now_for(self.last_date, self.now)


def patient_simulate(plan: Plan, index: int) -> SimPatient:
    """Pure: patient `index`'s profile, operation date, reports and flags."""
    rng = random.Random(f"{plan.seed}:{index}")
    profile = sample_profile(rng)
    # A clinic operating at a steady rate: surgery dates spread evenly over the window.
    surgery_date = plan.start_date + timedelta(days=rng.randrange(plan.days))
    timezone = TIMEZONES[(index % plan.team_count) % len(TIMEZONES)]
    # Two generators from one seed: the reports' own, and the triage side's (care team).
    treated: set[str] = set()
    reports = simulate_reports(
        random.Random(f"{plan.seed}:{index}:reports"),
        profile,
        surgery_date=surgery_date,
        last_date=plan.last_date,
        timezone=timezone,
        now=plan.stop_at,
        treated=treated,
    )
    ruleset = triage_ruleset()
    triaged = triage_patient(
        rng,
        profile,
        reports,
        ruleset=ruleset,
        history_limit=history_limit(ruleset),
        now=plan.stop_at,
        treated=treated,
    )
    answered = questionnaires_answered(
        random.Random(f"{plan.seed}:{index}:questionnaires"),
        profile,
        surgery_date=surgery_date,
        timezone=timezone,
        stop_at=plan.stop_at,
    )
    return SimPatient(index, profile, surgery_date, timezone, triaged, tuple(answered))


_PLAN: Plan | None = None  # set in each worker process by _init


def _init(plan: Plan) -> None:
    global _PLAN
    _PLAN = plan


def _simulate_in_worker(index: int) -> SimPatient:
    assert _PLAN is not None
    return patient_simulate(_PLAN, index)


# Batches the workers may simulate ahead of the one being written: the workers keep busy
# while the parent writes, and memory stays bounded by a few batches of patients.
AHEAD = 2


def _batches(plan: Plan, workers: int, batch_size: int) -> Iterator[list[SimPatient]]:
    indexes = range(plan.patients)
    chunks = [indexes[i : i + batch_size] for i in range(0, plan.patients, batch_size)]
    if workers <= 1:
        for chunk in chunks:
            yield [patient_simulate(plan, i) for i in chunk]
        return
    # fork: workers inherit the loaded rule set and templates; no database access in them.
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_init, initargs=(plan,)) as pool:
        pending: deque[Any] = deque()
        for chunk in chunks:
            size = max(1, len(chunk) // (4 * workers))  # small tasks: workers finish together
            pending.append(pool.map_async(_simulate_in_worker, chunk, chunksize=size))
            if len(pending) > AHEAD:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def cohort_simulate(
    plan: Plan,
    *,
    workers: int = 1,
    batch_size: int = 500,
    clinician_password: str | None = None,
    progress: bool = True,
    into: Team | None = None,
) -> Counter[str]:
    """Create the teams (or use `into`, an existing team), then simulate and write the
    patients; returns row counts."""
    if into is not None:
        teams = [into]
        totals: Counter[str] = Counter()
    else:
        teams = teams_create(
            seed=plan.seed, count=plan.team_count, timezones=TIMEZONES, password=clinician_password
        )
        totals = Counter({"teams": len(teams), "clinicians": 4 * len(teams)})
    bar = Progress(plan.patients, label="patients") if progress else None
    for sims in _batches(plan, workers, batch_size):
        totals.update(patients_write(seed=plan.seed, sims=sims, teams=teams, now=plan.now))
        if bar:
            bar.advance(len(sims))
    if bar:
        bar.close()
    return totals
