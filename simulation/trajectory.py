"""A patient's daily reports, simulated from their profile (pure: no database).

Shape of recovery (REFERENCE.md): back and leg pain fall over the first weeks and level off;
MIS patients recover faster early (less opioid use, faster return [R109][R141]) while mid-term
pain does not differ [R138][R139]; walking builds up over the first six weeks. Complications
add the symptoms the triage rules look for, from their onset day for their duration.
Time constants and noise are project defaults (the sources give shapes, not curves).
"""

from __future__ import annotations

import math
import random
import uuid
import zoneinfo
from collections.abc import Iterator, Set
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from simulation.cohort import Complication, Profile

# Days for pain to fall by 1/e from its post-operative peak (no source: project default).
BACK_PAIN_TAU = {"mis": 9.0, "open": 15.0}
LEG_PAIN_TAU = {"mis": 6.0, "open": 8.0}
OPIOID_TAU = {"mis": 6.0, "open": 10.0}
WALK_TAU = {"mis": 12.0, "open": 20.0}
WOUND_WATCH_DAYS = 42  # wound questions are asked for the first six weeks
TEMPERATURE_REPORT_RATE = ((30, 0.7), (10_000, 0.3))  # share of check-ins with a temperature
# Checking in less often as recovery goes on (no source: project default).
CADENCE = ((14, 1.0), (42, 0.7), (90, 0.45), (10_000, 0.2))


# Complications whose symptoms make a patient report every day; non-union creeps up unnoticed.
ACUTE = frozenset(
    {"infection", "nerve", "thigh_numbness", "hip_weakness", "hardware", "cauda_equina"}
)


@dataclass(frozen=True)
class Report:
    """One check-in as the phone would send it, plus when the server stored it."""

    id: uuid.UUID
    postop_day: int
    local_date: date
    recorded_at: datetime
    received_at: datetime
    symptoms: dict[str, Any]


def new_uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(bytes=rng.randbytes(16), version=4)


def _rate(table: tuple[tuple[int, float], ...], day: int) -> float:
    return next(rate for until, rate in table if day <= until)


def _nrs(value: float) -> int:
    return max(0, min(10, round(value)))


@dataclass(frozen=True)
class _Baseline:
    back_peak: float
    back_plateau: float
    leg_peak: float
    leg_plateau: float
    walk_goal: float


def _baseline(rng: random.Random) -> _Baseline:
    return _Baseline(
        back_peak=rng.uniform(5.5, 8.0),
        back_plateau=rng.uniform(0.8, 3.2),
        leg_peak=rng.uniform(3.0, 6.5),
        leg_plateau=rng.uniform(0.3, 2.2),
        walk_goal=rng.uniform(30, 75),
    )


def _ordinary(
    rng: random.Random, profile: Profile, base: _Baseline, day: int, wobble: float
) -> dict[str, Any]:
    approach = profile.approach
    back = base.back_plateau + (base.back_peak - base.back_plateau) * math.exp(
        -day / BACK_PAIN_TAU[approach]
    )
    leg = base.leg_plateau + (base.leg_peak - base.leg_plateau) * math.exp(
        -day / LEG_PAIN_TAU[approach]
    )
    opioids = 5.0 * math.exp(-day / OPIOID_TAU[approach])
    if profile.prolonged_opioids:
        opioids = max(opioids, 1.5)
    walk = 5 + base.walk_goal * (1 - math.exp(-day / WALK_TAU[approach]))
    symptoms: dict[str, Any] = {
        "back_pain": _nrs(back + wobble + rng.gauss(0, 0.25)),
        "leg_pain": _nrs(leg + wobble / 2 + rng.gauss(0, 0.25)),
        "opioid_doses_24h": max(0, round(opioids + rng.gauss(0, 0.4))),
        "walking_minutes": max(0, round(walk + rng.gauss(0, 5))),
        "new_leg_numbness": False,
        "new_leg_weakness": False,
        "saddle_numbness": False,
        "new_bladder_problem": False,
    }
    symptoms["pain_controlled_by_medication"] = symptoms["back_pain"] < 8
    if rng.random() < _rate(TEMPERATURE_REPORT_RATE, day):
        symptoms["temperature_c"] = round(min(37.6, rng.gauss(36.8, 0.25)), 1)
    if day <= WOUND_WATCH_DAYS:
        drainage = "none"
        if day <= 3:  # a little early ooze is expected and stops within days
            drainage = rng.choices(["none", "bloody", "clear"], weights=[5, 3, 2])[0]
        symptoms.update(
            wound_redness=False,
            wound_warmth=False,
            wound_opening=False,
            # Occasional early swelling: the routine rule should catch it (false alarms happen).
            wound_swelling=day <= 14 and rng.random() < 0.005,
            wound_drainage=drainage,
            wound_drainage_days=day if drainage != "none" else 0,
        )
    if day <= 5:
        symptoms["no_bowel_movement_days"] = min(day, rng.randint(0, 2))
    if profile.smoking_status == "current":
        relapse = profile.nicotine_relapse_day
        symptoms["nicotine_use"] = relapse is not None and day >= relapse
    return symptoms


def _complicate(
    rng: random.Random, symptoms: dict[str, Any], complication: Complication, day: int
) -> None:
    """Add the symptoms of an active complication to the day's report."""
    since = day - complication.onset_day
    kind = complication.kind
    if kind == "infection":
        symptoms["temperature_c"] = round(rng.uniform(38.1, 39.2), 1)
        symptoms["chills"] = rng.random() < 0.5
        symptoms.update(wound_redness=True, wound_warmth=True)
        symptoms["wound_drainage"] = "cloudy" if since < 2 else "pus"
        symptoms["wound_drainage_days"] = since + 1
        symptoms["back_pain"] = _nrs(symptoms["back_pain"] + 2)
    elif kind == "nerve":
        symptoms.update(new_leg_weakness=True, new_leg_numbness=True)
        symptoms["foot_drop"] = rng.random() < 0.3
        symptoms["leg_pain"] = _nrs(symptoms["leg_pain"] + 2)
    elif kind == "thigh_numbness":
        symptoms["thigh_numbness"] = True
    elif kind == "hip_weakness":
        symptoms["hip_flexion_weakness"] = True
    elif kind == "hardware":
        symptoms["sudden_pain_increase"] = since == 0
        symptoms["back_pain"] = 8 if since == 0 else _nrs(rng.uniform(5, 7))
        if since == 0:
            symptoms["pop_or_click"] = rng.random() < 0.4
            symptoms["fall"] = rng.random() < 0.3
    elif kind == "nonunion":
        # Central back pain creeping back after the initial improvement [R22].
        symptoms["back_pain"] = _nrs(symptoms["back_pain"] + min(4.0, since / 12))
    elif kind == "cauda_equina":
        symptoms.update(saddle_numbness=True, new_bladder_problem=True)


def simulate_reports(
    rng: random.Random,
    profile: Profile,
    *,
    surgery_date: date,
    last_date: date,
    timezone: str,
    now: datetime,
    treated: Set[str] = frozenset(),
) -> Iterator[Report]:
    """The patient's check-ins from discharge to `last_date` (local), oldest first.

    Nothing is recorded after `now`. A patient with an acute complication always reports
    (symptomatic patients do); otherwise they check in on a share of days that falls over time.
    `treated` may grow while this runs (the care team acted on a flag): a treated
    complication's symptoms stop from the next report on.
    """
    tz = zoneinfo.ZoneInfo(timezone)
    base = _baseline(rng)
    wobble = 0.0  # good and bad days come in runs: slowly varying noise on the pain scores
    for day in range(profile.length_of_stay, (last_date - surgery_date).days + 1):
        wobble = 0.7 * wobble + rng.gauss(0, 0.25)
        active = [c for c in profile.complications if c.active_on(day) and c.kind not in treated]
        acute = any(c.kind in ACUTE for c in active)
        if not acute and rng.random() >= profile.engagement * _rate(CADENCE, day):
            continue
        local_day = surgery_date + timedelta(days=day)
        # Mornings, patient-local; most phones are online and deliver within minutes.
        minutes = rng.randint(7 * 60, 11 * 60)
        recorded = datetime.combine(local_day, time(minutes // 60, minutes % 60), tzinfo=tz)
        recorded_at = recorded.astimezone(zoneinfo.ZoneInfo("UTC"))
        delay = timedelta(seconds=rng.randint(1, 90))
        if rng.random() < 0.03:  # queued offline for a while
            delay += timedelta(hours=rng.randint(1, 6))
        received_at = recorded_at + delay
        if received_at > now:
            break
        symptoms = _ordinary(rng, profile, base, day, wobble)
        for complication in active:
            _complicate(rng, symptoms, complication, day)
        yield Report(
            id=new_uuid(rng),
            postop_day=day,
            local_date=local_day,
            recorded_at=recorded_at,
            received_at=received_at,
            symptoms=symptoms,
        )
