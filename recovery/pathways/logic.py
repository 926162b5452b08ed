"""Pure plan logic over loaded templates: no ORM, no clock (days and dates are passed in).

Day convention: post-operative day 0 is the surgery date; a phase's `end_day` is inclusive and
None means open-ended. Negative days (before surgery) are an error in `phase_for_day`, because
no template describes pre-operative care and silently showing week-one restrictions would hide
a wrong surgery date.

The Django side copies `plan_items_for(...)` and `milestones_for(...)` into per-patient rows,
together with the template code and version carried on every spec, so editing a template never
rewrites a patient's history.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Protocol, TypeVar

from recovery.clinical_text import Translation
from recovery.pathways.loader import LB_TO_KG, UnknownTechniqueError, load_pathways
from recovery.pathways.schema import Item, Milestone, PathwayTemplate, Phase

SMOKER_STATUSES = frozenset({"current"})


@dataclass(frozen=True)
class PlanItemSpec:
    """One checklist item of one phase, flattened, with its text already rendered."""

    template_code: str
    template_version: int
    phase_code: str
    start_day: int
    end_day: int | None  # inclusive; None = open-ended
    code: str
    title: str
    detail: str
    kind: str
    applies_if: str
    daily_check: bool
    values: Mapping[str, float] = field(hash=False)  # read-only view
    sources: tuple[str, ...]
    range_note: str | None
    # language -> {"title", "detail"} rendered like the English (issue 19)
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class MilestoneSpec:
    template_code: str
    template_version: int
    code: str
    title: str
    detail: str
    kind: str
    day_min: int
    day_max: int
    applies_if: str
    repeat_every_days: int | None
    sources: tuple[str, ...]
    range_note: str | None
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict, hash=False)
    self_report: bool = False


class _DayWindow(Protocol):
    @property
    def start_day(self) -> int: ...
    @property
    def end_day(self) -> int | None: ...


W = TypeVar("W", bound=_DayWindow)


class ParameterError(ValueError):
    """A clinic override names an unknown parameter or a value outside its bounds."""


def pathway_for_technique(
    technique: str, templates: Mapping[str, PathwayTemplate] | None = None
) -> PathwayTemplate:
    """The one template whose `techniques` contains `technique` (case-insensitive).

    Raises UnknownTechniqueError. `templates` defaults to `load_pathways()`.
    """
    wanted = technique.strip().lower()
    for template in (templates if templates is not None else load_pathways()).values():
        if wanted in template.techniques:
            return template
    raise UnknownTechniqueError(f"no pathway template for technique {technique!r}")


def postop_day(surgery_date: datetime.date, local_date: datetime.date) -> int:
    """Post-operative day of a local calendar date (surgery date = 0; earlier dates < 0)."""
    return (local_date - surgery_date).days


def phase_for_day(template: PathwayTemplate, postop_day: int) -> Phase:
    """The phase containing the day. Raises ValueError for a negative (pre-operative) day."""
    if postop_day < 0:
        raise ValueError(f"post-operative day {postop_day} is before surgery (day 0)")
    for phase in template.phases:
        if phase.contains(postop_day):
            return phase
    # Unreachable for a loaded template (phases start at 0 and the last is open-ended).
    raise ValueError(f"template {template.code} has no phase for day {postop_day}")


def applies(applies_if: str, *, brace_prescribed: bool, smoking_status: str) -> bool:
    if applies_if == "always":
        return True
    if applies_if == "brace_prescribed":
        return brace_prescribed
    if applies_if == "smoker":
        return smoking_status.strip().lower() in SMOKER_STATUSES
    raise ValueError(f"unknown applies_if {applies_if!r}")


def plan_items_for(
    template: PathwayTemplate, *, brace_prescribed: bool, smoking_status: str
) -> list[PlanItemSpec]:
    """Every item of every phase that applies to this patient, in phase then file order."""
    return [
        _item_spec(template, phase, item)
        for phase in template.phases
        for item in phase.items
        if applies(
            item.applies_if, brace_prescribed=brace_prescribed, smoking_status=smoking_status
        )
    ]


def milestones_for(
    template: PathwayTemplate, *, brace_prescribed: bool, smoking_status: str
) -> list[MilestoneSpec]:
    """Milestones that apply to this patient, ordered by window (ties keep file order)."""
    chosen = [
        _milestone_spec(template, m)
        for m in template.milestones
        if applies(m.applies_if, brace_prescribed=brace_prescribed, smoking_status=smoking_status)
    ]
    return sorted(chosen, key=lambda m: (m.day_min, m.day_max))


def restrictions_in_force(items: Sequence[W], postop_day: int) -> list[W]:
    """Items (any kind) whose [start_day, end_day] window contains the day, order kept.

    Accepts PlanItemSpec or anything with `start_day` / `end_day` (e.g. per-patient rows).
    """
    return [
        item
        for item in items
        if item.start_day <= postop_day and (item.end_day is None or postop_day <= item.end_day)
    ]


def apply_overrides(template: PathwayTemplate, overrides: Mapping[str, float]) -> PathwayTemplate:
    """A copy of the template with clinic values for its declared `parameters`.

    Setting an item's `lb` also recomputes its `kg` (one decimal). Raises ParameterError for an
    unknown name, a value outside the parameter's min/max, or a milestone window turned inside
    out. The version is unchanged: callers record the overrides next to the template version.
    """
    params = {p.name: p for p in template.parameters}
    problems = [f"unknown parameter {name!r}" for name in overrides if name not in params]
    for name, value in overrides.items():
        param = params.get(name)
        if param is None:
            continue
        if (param.min is not None and value < param.min) or (
            param.max is not None and value > param.max
        ):
            problems.append(f"{name}={value} outside [{param.min}, {param.max}]")
        if any(t.startswith("milestone:") for t in param.targets) and value != int(value):
            problems.append(f"{name}={value} must be a whole day")
    if problems:
        raise ParameterError("; ".join(problems))

    data = template.model_dump()
    for name, value in overrides.items():
        for target in params[name].targets:
            _set_target(data, target, value)
    for m in data["milestones"]:
        if m["day_min"] > m["day_max"]:
            raise ParameterError(f"milestone {m['code']}: day_min > day_max after overrides")
    return PathwayTemplate.model_validate(data)


def render_text(text: str, values: Mapping[str, float]) -> str:
    """Substitute `{key}` with the value, printed without a trailing '.0'."""
    return text.format_map({k: _format_number(v) for k, v in values.items()})


def translated(
    translations: Mapping[str, Mapping[str, Translation]], values: Mapping[str, float]
) -> dict[str, dict[str, str]]:
    """language -> field -> text, rendered with the same values as the English (issue 19)."""
    out: dict[str, dict[str, str]] = {}
    for name, by_language in translations.items():
        for language, translation in by_language.items():
            out.setdefault(language, {})[name] = render_text(translation.folded, values)
    return out


def _set_target(data: dict, target: str, value: float) -> None:
    kind, _, rest = target.partition(":")
    code, _, key = rest.partition(".")
    if kind == "milestone":
        for m in data["milestones"]:
            if m["code"] == code:
                m[key] = int(value)
        return
    for phase in data["phases"]:
        for item in phase["items"]:
            if item["code"] == code and key in item["values"]:
                item["values"][key] = value
                if key == "lb" and "kg" in item["values"]:
                    item["values"]["kg"] = round(value * LB_TO_KG, 1)


def _format_number(value: float) -> str:
    return f"{value:g}"


def _item_spec(template: PathwayTemplate, phase: Phase, item: Item) -> PlanItemSpec:
    return PlanItemSpec(
        template_code=template.code,
        template_version=template.version,
        phase_code=phase.code,
        start_day=phase.start_day,
        end_day=phase.end_day,
        code=item.code,
        title=render_text(item.title, item.values),
        detail=render_text(item.detail, item.values),
        kind=item.kind,
        applies_if=item.applies_if,
        daily_check=item.daily_check,
        values=MappingProxyType(dict(item.values)),
        sources=tuple(item.sources),
        range_note=item.range_note,
        translations=translated(item.translations, item.values),
    )


def _milestone_spec(template: PathwayTemplate, m: Milestone) -> MilestoneSpec:
    return MilestoneSpec(
        template_code=template.code,
        template_version=template.version,
        code=m.code,
        title=m.title,
        detail=m.detail,
        kind=m.kind,
        day_min=m.day_min,
        day_max=m.day_max,
        applies_if=m.applies_if,
        repeat_every_days=m.repeat_every_days,
        sources=tuple(m.sources),
        range_note=m.range_note,
        translations=translated(m.translations, {}),
        self_report=m.self_report,
    )
