"""The wound and nerve answers strip of the patient page (issue 16, item 6): for each day after
surgery with a check-in, the patient's answers to the red-flag questions, one row per question.

Data only, from the days the patient page has already read (`checkin_days`, one aggregate
query that merges each day's check-ins in SQL as the strip needs): no query of its own. The
dashboard's presenters word the cells.
The questions are the check-in answers the triage rules (recovery/triage/rules.yaml) raise
wound, infection, nerve, cauda equina, clot and spinal-fluid flags on, grouped as a nurse reads
them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # checkin_days reads STRIP_FIELDS from here
    from recovery.selectors.checkin_days import CheckInDay

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

STRIP_FIELDS = tuple(name for _, fields in STRIP_GROUPS for name in fields)

# Several check-ins on one day (merged by checkin_days): a "yes" at any time, the highest
# temperature, the latest leg side, and the most worrying drainage, in this order:
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


def answer_strip(*, days: Sequence[CheckInDay], count: int = STRIP_DAYS) -> AnswerStrip:
    """The strip for `days` (oldest first, as checkin_days returns them): the latest `count`."""
    shown = list(days[-count:]) if count > 0 else []
    groups = [
        StripGroup(
            code=code,
            rows=[
                StripRow(field=name, values=[d.answers.get(name) for d in shown]) for name in fields
            ],
        )
        for code, fields in STRIP_GROUPS
    ]
    return AnswerStrip(days=[d.day for d in shown], groups=groups)
