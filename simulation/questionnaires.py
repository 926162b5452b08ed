"""Questionnaires at the scheduled timepoints (baseline, 6 weeks, 3/6/12/24 months), pure.

ODI: a disability index that improves by more than the 10-point MCID [R150] by 3 and 12
months for most patients, with non-responders; MIS about 3 points better mid-term [R138], and
faster early [R109]. A non-union holds the gain back [R22]. Baseline level, gains and the
spread between patients are project defaults (the sources give MCIDs, not trajectories).
"""

from __future__ import annotations

import random
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from simulation.cohort import Profile

# Share of the baseline ODI gone by each timepoint (target day, gain) for open surgery.
GAINS = {
    "6w": (42, 0.25),
    "3m": (90, 0.40),
    "6m": (180, 0.48),
    "12m": (365, 0.50),
    "24m": (730, 0.50),
}
MIS_EARLY_BONUS = 0.07  # extra share at 6 weeks after MIS [R109]
MIS_MID_TERM_POINTS = 3.0  # [R138]
ODI_BASELINE = (46.0, 12.0)  # mean, sd (no source: project default)
ODI_ITEMS = 10


@dataclass(frozen=True)
class Answered:
    instrument: str
    timepoint: str
    answers: Any
    submitted_at: datetime


def _odi_answers(rng: random.Random, percent: float) -> list[int]:
    """Ten 0-5 items whose total is percent / 2 (ODI% = sum / 50 * 100)."""
    total = max(0, min(5 * ODI_ITEMS, round(percent / 2)))
    items = [0] * ODI_ITEMS
    for _ in range(total):
        open_items = [i for i, v in enumerate(items) if v < 5]
        items[rng.choice(open_items)] += 1
    return items


def questionnaires_answered(
    rng: random.Random, profile: Profile, *, surgery_date: date, timezone: str, stop_at: datetime
) -> list[Answered]:
    tz = zoneinfo.ZoneInfo(timezone)
    baseline = min(85.0, max(12.0, rng.gauss(*ODI_BASELINE)))
    response = rng.uniform(0.4, 1.4)  # some patients barely improve, most do
    completion = 0.6 + 0.4 * profile.engagement
    answered: list[Answered] = []

    def submit(code: str, day: int, odi: float) -> None:
        at = datetime.combine(surgery_date + timedelta(days=day), time(19, 0), tzinfo=tz)
        if at.astimezone(UTC) > stop_at or rng.random() >= completion:
            return
        back = max(0, min(10, round(odi / 9 + rng.gauss(0, 1))))
        leg = max(0, min(10, round(odi / 12 + rng.gauss(0, 1))))
        answered.append(Answered("odi", code, _odi_answers(rng, odi), at.astimezone(UTC)))
        answered.append(Answered("nrs_pain", code, {"back": back, "leg": leg}, at.astimezone(UTC)))

    submit("baseline", -3, baseline)
    for code, (day, gain) in GAINS.items():
        share = gain * response
        if profile.approach == "mis" and code == "6w":
            share += MIS_EARLY_BONUS
        if any(c.kind == "nonunion" and c.onset_day <= day for c in profile.complications):
            share /= 2
        odi = baseline * (1 - min(share, 0.95)) + rng.gauss(0, 4)
        if profile.approach == "mis" and day >= 90:
            odi -= MIS_MID_TERM_POINTS
        submit(code, day, max(0.0, min(100.0, odi)))
    return answered
