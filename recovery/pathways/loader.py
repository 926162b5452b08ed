"""Load and validate the pathway templates shipped next to this module.

`load_pathways()` reads every `*.yaml` file in the directory, validates it against `schema.py`
and then checks what a schema alone cannot see. It never stops at the first problem: a reviewer
fixing a template gets the whole list in one `PathwayError`.
"""

from __future__ import annotations

import itertools
import string
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from recovery.pathways.schema import TECHNIQUES, Item, PathwayTemplate

DEFAULT_DIRECTORY = Path(__file__).resolve().parent
LB_TO_KG = 0.45359237
# libyaml's loader is ~10x faster than the pure-Python one; both are "safe" (no object tags).
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class PathwayError(Exception):
    """One or more templates are invalid; `problems` lists every one of them."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__(
            f"{len(self.problems)} problem(s) in pathway templates:\n"
            + "\n".join(f"- {p}" for p in self.problems)
        )


class UnknownTechniqueError(LookupError):
    """No template covers the technique (or it is not a technique code at all)."""


def load_pathways(directory: Path | None = None) -> dict[str, PathwayTemplate]:
    """Return the templates keyed by code; cached per directory. Raises PathwayError."""
    return dict(_load_cached((directory or DEFAULT_DIRECTORY).resolve()))


def clear_cache() -> None:
    _load_cached.cache_clear()


@lru_cache(maxsize=8)
def _load_cached(directory: Path) -> tuple[tuple[str, PathwayTemplate], ...]:
    problems: list[str] = []
    templates: list[PathwayTemplate] = []
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise PathwayError([f"{directory}: no *.yaml pathway templates found"])
    for path in files:
        template = _parse_file(path, problems)
        if template is not None:
            problems.extend(f"{path.name}: {p}" for p in template_problems(template, path.stem))
            templates.append(template)
    problems.extend(_collection_problems(templates))
    if problems:
        raise PathwayError(problems)
    return tuple((t.code, t) for t in templates)


def _parse_file(path: Path, problems: list[str]) -> PathwayTemplate | None:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_SafeLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        problems.append(f"{path.name}: invalid YAML: {exc}")
        return None
    try:
        return PathwayTemplate.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"]) or "<root>"
            problems.append(f"{path.name}: {where}: {error['msg']}")
        return None


def template_problems(template: PathwayTemplate, file_stem: str | None = None) -> list[str]:
    """Every cross-field problem inside one template (an empty list means valid)."""
    problems: list[str] = []
    if file_stem is not None and template.code != file_stem:
        problems.append(f"code {template.code!r} does not match the file name {file_stem!r}")
    review = template.review
    if review.status == "clinician_approved" and not (review.approved_by and review.approved_on):
        problems.append("review: clinician_approved needs approved_by and approved_on")
    problems.extend(_phase_problems(template))
    problems.extend(_duplicates("milestone code", (m.code for m in template.milestones)))
    problems.extend(_duplicates("parameter name", (p.name for p in template.parameters)))
    for milestone in template.milestones:
        if milestone.day_min > milestone.day_max:
            problems.append(
                f"milestone {milestone.code}: day_min {milestone.day_min} > "
                f"day_max {milestone.day_max}"
            )
    for phase in template.phases:
        for item in phase.items:
            problems.extend(
                f"phase {phase.code} item {item.code}: {p}" for p in _item_problems(item)
            )
    problems.extend(_parameter_problems(template))
    return problems


def _phase_problems(template: PathwayTemplate) -> list[str]:
    phases = template.phases
    problems = _duplicates("phase code", (p.code for p in phases))
    if phases[0].start_day != 0:
        problems.append(f"phase {phases[0].code}: first phase must start on day 0")
    for phase in phases:
        if phase.end_day is not None and phase.end_day < phase.start_day:
            problems.append(f"phase {phase.code}: end_day {phase.end_day} < start_day")
        problems.extend(
            _duplicates(f"item code in phase {phase.code}", (i.code for i in phase.items))
        )
    for before, after in itertools.pairwise(phases):
        if before.end_day is None:
            problems.append(f"phase {before.code}: only the last phase may be open-ended")
        elif after.start_day <= before.end_day:
            problems.append(f"phases {before.code} and {after.code} overlap")
        elif after.start_day > before.end_day + 1:
            problems.append(
                f"gap between phases {before.code} and {after.code} "
                f"(days {before.end_day + 1}-{after.start_day - 1})"
            )
    if phases[-1].end_day is not None:
        problems.append(
            f"phase {phases[-1].code}: the last phase must be open-ended (end_day null)"
        )
    return problems


def _item_problems(item: Item) -> list[str]:
    problems = []
    for field in ("title", "detail"):
        for name in _placeholders(getattr(item, field)):
            if name not in item.values:
                problems.append(f"{field} uses {{{name}}} but values has no {name!r}")
    # issue 19: a translation names exactly the numbers its English names (never one less).
    for field, by_language in item.translations.items():
        english = sorted(_placeholders(getattr(item, field, "") or ""))
        for language, translation in by_language.items():
            if sorted(_placeholders(translation.text)) != english:
                problems.append(f"{field} in {language!r} must use the placeholders {english}")
    lb, kg = item.values.get("lb"), item.values.get("kg")
    if lb is not None and kg is not None and abs(kg - lb * LB_TO_KG) > 0.06:
        problems.append(f"values kg {kg:g} does not match lb {lb:g}")
    return problems


def _parameter_problems(template: PathwayTemplate) -> list[str]:
    problems = []
    for param in template.parameters:
        low = param.min if param.min is not None else float("-inf")
        high = param.max if param.max is not None else float("inf")
        if not low <= param.default <= high:
            problems.append(f"parameter {param.name}: default outside min/max")
        for target in param.targets:
            found = target_values(template, target)
            if not found:
                problems.append(f"parameter {param.name}: target {target} matches nothing")
            elif any(value != param.default for value in found):
                problems.append(
                    f"parameter {param.name}: default {param.default} differs from "
                    f"{target} = {sorted(set(found))}"
                )
    return problems


def target_values(template: PathwayTemplate, target: str) -> list[float]:
    """Current numbers at a parameter target such as 'item:lifting_limit.lb'."""
    kind, _, rest = target.partition(":")
    code, _, key = rest.partition(".")
    if kind == "item":
        return [
            item.values[key]
            for phase in template.phases
            for item in phase.items
            if item.code == code and key in item.values
        ]
    return [getattr(m, key) for m in template.milestones if m.code == code]


def _collection_problems(templates: list[PathwayTemplate]) -> list[str]:
    problems = _duplicates("template code", (t.code for t in templates))
    owners: dict[str, list[str]] = {}
    for template in templates:
        for technique in template.techniques:
            owners.setdefault(technique, []).append(template.code)
            if technique not in TECHNIQUES:
                problems.append(f"{template.code}: unknown technique {technique!r}")
    for technique in TECHNIQUES:
        mapped = owners.get(technique, [])
        if len(mapped) > 1:
            problems.append(
                f"technique {technique!r} is mapped by {len(mapped)} templates: {mapped}"
            )
        elif not mapped:
            problems.append(f"technique {technique!r} is not mapped by any template")
    return problems


def _duplicates(what: str, codes: Iterable[str]) -> list[str]:
    return [f"duplicate {what} {code!r}" for code, n in Counter(codes).items() if n > 1]


def _placeholders(text: str) -> list[str]:
    """Names used as {name}; a format spec, conversion or stray brace is reported as a bad name
    because rendering (logic.render_text) only substitutes plain names."""
    try:
        fields = [(n, spec, conv) for _, n, spec, conv in string.Formatter().parse(text)]
    except ValueError:
        return ["<unbalanced braces>"]
    return [
        n if not (spec or conv) else f"{n}!{conv}:{spec}"
        for n, spec, conv in fields
        if n is not None
    ]
