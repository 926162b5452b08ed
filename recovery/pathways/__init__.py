"""Recovery pathways: versioned, reviewed plan templates per approach family, and pure logic.

Data: one YAML file per approach family in this directory (`open_posterior`, `mis_tlif`,
`lateral`, `anterior`), validated by `schema.py` on load. Logic never touches the ORM or the
clock: callers pass post-operative days or dates in. Nothing here imports Django.
"""

from recovery.pathways.adherence import (
    Adherence,
    Counts,
    DayRecord,
    adherence,
    adherence_between,
    last_7_days,
    since_surgery,
)
from recovery.pathways.loader import (
    PathwayError,
    UnknownTechniqueError,
    clear_cache,
    load_pathways,
)
from recovery.pathways.logic import (
    MilestoneSpec,
    ParameterError,
    PlanItemSpec,
    apply_overrides,
    milestones_for,
    pathway_for_technique,
    phase_for_day,
    plan_items_for,
    postop_day,
    restrictions_in_force,
)
from recovery.pathways.schema import TECHNIQUES, PathwayTemplate, Phase

__all__ = [
    "TECHNIQUES",
    "Adherence",
    "Counts",
    "DayRecord",
    "MilestoneSpec",
    "ParameterError",
    "PathwayError",
    "PathwayTemplate",
    "Phase",
    "PlanItemSpec",
    "UnknownTechniqueError",
    "adherence",
    "adherence_between",
    "apply_overrides",
    "clear_cache",
    "last_7_days",
    "load_pathways",
    "milestones_for",
    "pathway_for_technique",
    "phase_for_day",
    "plan_items_for",
    "postop_day",
    "restrictions_in_force",
    "since_surgery",
]
