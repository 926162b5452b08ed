"""The wound and nerve answers strip of the patient page (issue 16, item 6): for each day after
surgery with a check-in, the patient's answers to the red-flag questions, one row per question.

Data only, from the check-ins the patient page has already read (`checkins_recent_for_patient`
loads every reported answer): no query of its own. The dashboard's presenters word the cells.
The questions are the check-in answers the triage rules (recovery/triage/rules.yaml) raise
wound, infection, nerve, cauda equina, clot and spinal-fluid flags on, grouped as a nurse reads
them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from recovery.models import CheckIn

# The strip shows this many of the latest days that had a check-in.
STRIP_DAYS = 14

# (group code, the check-in fields in it), in the order the page shows them.
STRIP_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "wound",
        (
            "wound_drainage",
            "wound_redness",
            "wound_swelling",
            "wound_warmth",
            "wound_opening",
            "clear_fluid_from_wound",
        ),
    ),
    ("fever", ("temperature_c", "chills")),
    (
        "nerves",
        (
            "saddle_numbness",
            "new_leg_weakness",
            "foot_drop",
            "new_leg_numbness",
            "thigh_numbness",
            "hip_flexion_weakness",
            "leg_symptom_side",
        ),
    ),
    ("bladder_bowel", ("new_bladder_problem", "unable_to_urinate", "new_bowel_incontinence")),
    (
        "clot_chest",
        ("calf_pain_or_swelling", "chest_pain", "shortness_of_breath", "coughing_blood"),
    ),
    ("spinal_fluid", ("headache_worse_upright", "stiff_neck")),
)

# Several check-ins on one day: the most worrying drainage of the day is the day's answer.
DRAINAGE_ORDER = ("none", "clear", "bloody", "cloudy", "pus")


@dataclass(frozen=True)
class StripRow:
    field: str
    values: list[Any]  # one per day of AnswerStrip.days; None: not asked or not answered


@dataclass(frozen=True)
class StripGroup:
    code: str
    rows: list[StripRow]


@dataclass(frozen=True)
class AnswerStrip:
    days: list[int]  # days after surgery, oldest first
    groups: list[StripGroup]

    @property
    def empty(self) -> bool:
        return not self.days


def _merge(field: str, values: Iterable[Any]) -> Any:
    """One day's answer to a question from that day's check-ins (oldest first)."""
    given = [value for value in values if value is not None]
    if not given:
        return None
    if field == "temperature_c":
        return max(given)  # the highest temperature of the day
    if field == "wound_drainage":
        return max(given, key=lambda v: DRAINAGE_ORDER.index(v) if v in DRAINAGE_ORDER else -1)
    if all(isinstance(value, bool) for value in given):
        return any(given)  # a "yes" at any time of the day is the day's answer
    return given[-1]  # leg_symptom_side: the latest


def answer_strip(*, checkins: Sequence[CheckIn], days: int = STRIP_DAYS) -> AnswerStrip:
    """The strip for `checkins` (any order): the latest `days` days with a check-in."""
    by_day: dict[int, list[CheckIn]] = {}
    for checkin in sorted(checkins, key=lambda c: c.recorded_at):
        by_day.setdefault(checkin.postop_day, []).append(checkin)
    shown = sorted(by_day)[-days:] if days > 0 else []
    groups = [
        StripGroup(
            code=code,
            rows=[
                StripRow(
                    field=name,
                    values=[_merge(name, (getattr(c, name) for c in by_day[d])) for d in shown],
                )
                for name in fields
            ],
        )
        for code, fields in STRIP_GROUPS
    ]
    return AnswerStrip(days=shown, groups=groups)
