"""Load and validate a triage rule set (rules.yaml) into an immutable `RuleSet`.

Validation collects every problem in the file (schema errors, duplicate ids, unknown facts,
categories, severities, parameters, malformed or missing sources) and raises one `RuleSetError`
listing them all, so a reviewer fixes a broken file in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from recovery.clinical_text import unknown_fields

from . import spec
from .compiler import Check, compile_condition
from .facts import FACTS, FactSpec

DEFAULT_RULES_PATH = Path(__file__).with_name("rules.yaml")
SOURCE_PATTERN = re.compile(r"^R[1-9][0-9]*$")

# Advice names the emergency number only through this placeholder; the deployment's number
# (settings.EMERGENCY_NUMBER: 911, 112, 999, ...) is filled in when the rule set is loaded.
EMERGENCY_NUMBER_PLACEHOLDER = "{emergency_number}"
DEFAULT_EMERGENCY_NUMBER = "911"
EMERGENCY_NUMBER_PATTERN = re.compile(r"^[0-9]{2,6}$")
# Common emergency numbers a rule's text must never spell out (it would be wrong elsewhere).
HARD_CODED_NUMBER = re.compile(r"(?<![0-9])(911|112|999)(?![0-9])")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


class RuleSetError(Exception):
    """The rule set is invalid; `problems` lists every problem found."""

    def __init__(self, origin: str, problems: list[str]) -> None:
        self.origin = origin
        self.problems = tuple(problems)
        listing = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"invalid triage rule set {origin} ({len(problems)} problems):\n{listing}")


@dataclass(frozen=True)
class RuleSet:
    version: int
    parameters: Mapping[str, spec.ParameterSpec]
    rules: tuple[spec.RuleSpec, ...]
    origin: str = "<memory>"
    # rule id -> names of the parameters its conditions reference
    rule_parameters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    emergency_number: str = DEFAULT_EMERGENCY_NUMBER
    # kind -> (rule, compiled condition) in file order; built here so that every way of making
    # a RuleSet (the loader, dataclasses.replace) evaluates the conditions it holds.
    programs: Mapping[str, tuple[tuple[spec.RuleSpec, Check], ...]] = field(
        init=False, repr=False, compare=False
    )
    # rule id -> the patient's advice with whitespace folded and the emergency number filled in
    advice: Mapping[str, str] = field(init=False, repr=False, compare=False)
    # language -> rule id -> the advice in that language (issue 19), filled in the same way
    advice_translations: Mapping[str, Mapping[str, str]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not EMERGENCY_NUMBER_PATTERN.match(str(self.emergency_number)):
            raise RuleSetError(
                self.origin,
                [f"emergency number must be 2-6 digits, got {self.emergency_number!r}"],
            )
        advice = {
            rule.id: " ".join(rule.advice.split()).replace(
                EMERGENCY_NUMBER_PLACEHOLDER, self.emergency_number
            )
            for rule in self.rules
        }
        object.__setattr__(self, "advice", advice)
        translated: dict[str, dict[str, str]] = {}
        for rule in self.rules:
            for language, translation in rule.translations.get("advice", {}).items():
                translated.setdefault(language, {})[rule.id] = translation.folded.replace(
                    EMERGENCY_NUMBER_PLACEHOLDER, self.emergency_number
                )
        object.__setattr__(self, "advice_translations", translated)
        programs = {
            kind: tuple(
                (rule, compile_condition(rule.when, self.param))
                for rule in self.rules
                if rule.kind == kind
            )
            for kind in spec.KINDS
        }
        object.__setattr__(self, "programs", programs)  # frozen: set once, here

    def rule(self, rule_id: str) -> spec.RuleSpec:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def advice_in(self, rule_id: str, language: str) -> str:
        """A rule's advice in `language`; the English where that language has none."""
        return self.advice_translations.get(language, {}).get(rule_id) or self.advice[rule_id]

    def rules_of_kind(self, kind: str) -> tuple[spec.RuleSpec, ...]:
        return tuple(rule for rule, _ in self.programs.get(kind, ()))

    def param(self, name: str) -> int | float:
        return self.parameters[name].value


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _pydantic_problems(prefix: str, error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors():
        loc = ".".join(str(part) for part in item["loc"])
        problems.append(f"{prefix}{loc}: {item['msg']}" if loc else f"{prefix}{item['msg']}")
    return problems


def _children(node: BaseModel) -> Iterator[BaseModel]:
    if isinstance(node, spec.All):
        yield from node.all
    elif isinstance(node, spec.Any_):
        yield from node.any
    elif isinstance(node, spec.Not):
        yield node.not_
    elif isinstance(node, spec.AtLeast):
        yield from node.at_least.of
    elif isinstance(node, spec.CountOf):
        yield node.count.where


def referenced_parameters(node: Any) -> set[str]:
    """Names of every parameter referenced anywhere under a node (or a rule)."""
    if isinstance(node, spec.ParamRef):
        return {node.param}
    if isinstance(node, BaseModel):
        return set().union(*(referenced_parameters(value) for _, value in node))
    if isinstance(node, list | tuple):
        return set().union(*(referenced_parameters(value) for value in node))
    return set()


class _Checker:
    """Semantic checks on parsed rules: facts, operators, parameters, nesting."""

    def __init__(self, parameters: Mapping[str, Any], problems: list[str]) -> None:
        self.parameters = parameters
        self.problems = problems

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def fact(self, where: str, name: str) -> FactSpec | None:
        if name not in FACTS:
            hint = " (free text is never used to decide)" if name == "notes" else ""
            self.problem(where, f"unknown fact {name!r}{hint}")
            return None
        return FACTS[name]

    def number(self, where: str, value: Any, *, integer: bool = False) -> None:
        if isinstance(value, spec.ParamRef):
            param = self.parameters.get(value.param)
            if value.param not in self.parameters:
                self.problem(where, f"unknown parameter {value.param!r}")
            elif (
                integer
                and isinstance(param, spec.ParameterSpec)
                and not isinstance(param.value, int)
            ):
                self.problem(where, f"parameter {value.param!r} must be a whole number here")

    def comparison(self, where: str, node: spec.Compare) -> None:
        fact = self.fact(where, node.fact)
        if fact is None:
            return
        op, operand = node.op, node.operand
        operands = operand if op == "in" and isinstance(operand, list) else [operand]
        if op == "in" and isinstance(operand, spec.ParamRef):
            self.problem(where, "`in` takes a literal list, not a parameter")
            return
        if fact.kind == "bool":
            if op not in ("eq", "ne") or not all(isinstance(v, bool) for v in operands):
                self.problem(where, f"{node.fact} is a yes/no fact: use is_true or eq/ne a bool")
        elif fact.kind == "choice":
            if op not in ("eq", "ne", "in"):
                self.problem(where, f"{node.fact} is a choice: use eq, ne or in")
            for value in operands:
                if value not in fact.choices:
                    self.problem(where, f"{value!r} is not a value of {node.fact} {fact.choices}")
        else:
            for value in operands:
                if isinstance(value, bool | str):
                    self.problem(where, f"{node.fact} is a number; {value!r} is not")
                else:
                    self.number(where, value)

    def numeric_fact(self, where: str, name: str) -> None:
        fact = self.fact(where, name)
        if fact is not None and not fact.numeric:
            self.problem(where, f"trend operators need a numeric fact; {name!r} is {fact.kind}")

    def condition(self, where: str, node: BaseModel, *, in_where: bool = False) -> None:
        if in_where and not isinstance(node, spec.CHECKIN_LEVEL_NODES):
            self.problem(
                where,
                f"`count.where` and `previous` may only test one check-in's facts, not {node!r}",
            )
        if isinstance(node, spec.Compare):
            self.comparison(where, node)
        elif isinstance(node, spec.IsTrue):
            fact = self.fact(where, node.is_true)
            if fact is not None and fact.kind != "bool":
                self.problem(where, f"is_true needs a yes/no fact; {node.is_true!r} is {fact.kind}")
        elif isinstance(node, spec.AtLeast) and node.at_least.count > len(node.at_least.of):
            self.problem(where, "at_least.count is larger than the number of conditions")
        elif isinstance(node, spec.PostopDay | spec.DaysSinceLastCheckin):
            bounds = (
                node.postop_day
                if isinstance(node, spec.PostopDay)
                else (node.days_since_last_checkin)
            )
            for _, value in bounds.items():
                self.number(where, value)
        elif isinstance(node, spec.Rising | spec.Falling):
            trend = node.rising if isinstance(node, spec.Rising) else node.falling
            self.numeric_fact(where, trend.fact)
            self.number(where, trend.by)
            self.number(where, trend.over_last, integer=True)
            self.number(where, trend.within_days)
        elif isinstance(node, spec.Rebound):
            self.numeric_fact(where, node.rebound.fact)
            for amount in (node.rebound.by, node.rebound.improved_by, node.rebound.within_days):
                self.number(where, amount)
            for value in (node.rebound.sustained, node.rebound.over_last):
                self.number(where, value, integer=True)
        elif isinstance(node, spec.WindowMax | spec.WindowMin):
            window = node.window_max if isinstance(node, spec.WindowMax) else node.window_min
            self.numeric_fact(where, window.fact)
            self.number(where, window.over_last, integer=True)
            self.number(where, window.within_days)
            self.number(where, getattr(window, window.op))
        elif isinstance(node, spec.NotReported):
            self.fact(where, node.not_reported)
        elif isinstance(node, spec.Previous):
            self.condition(f"{where}.previous", node.previous, in_where=True)
            return
        elif isinstance(node, spec.FollowUp):
            self.number(where, node.follow_up.default_days, integer=True)
        elif isinstance(node, spec.CountOf):
            self.number(where, node.count.at_least, integer=True)
            self.number(where, node.count.over_last, integer=True)
            self.number(where, node.count.within_days)
            self.condition(f"{where}.where", node.count.where, in_where=True)
            return
        for index, child in enumerate(_children(node)):
            self.condition(f"{where}[{index}]", child, in_where=in_where)


def _check_sources(where: str, sources: list[str], problems: list[str]) -> None:
    if not sources:
        problems.append(f"{where}: missing sources (cite REFERENCE.md ids such as R3)")
    for source in sources:
        if not SOURCE_PATTERN.match(source):
            problems.append(f"{where}: source {source!r} is not of the form R<number>")


def _check_text(label: str, rule: spec.RuleSpec, problems: list[str]) -> None:
    for name, text in (("advice", rule.advice), ("rationale", rule.rationale)):
        if number := HARD_CODED_NUMBER.search(text):
            problems.append(
                f"{label}: {name} hard-codes the emergency number {number.group()!r}; "
                f"write {EMERGENCY_NUMBER_PLACEHOLDER} (advice) or 'emergency services'"
            )
    unknown = set(_PLACEHOLDER.findall(rule.advice)) - {EMERGENCY_NUMBER_PLACEHOLDER}
    if unknown:
        problems.append(f"{label}: unknown placeholder(s) in advice: {sorted(unknown)}")
    problems.extend(unknown_fields(label, rule.translations, spec.PATIENT_FACING_FIELDS))
    names_number = EMERGENCY_NUMBER_PLACEHOLDER in rule.advice
    for language, translation in rule.translations.get("advice", {}).items():
        where = f"{label}: advice in {language!r}"
        if number := HARD_CODED_NUMBER.search(translation.text):
            problems.append(f"{where} hard-codes the emergency number {number.group()!r}")
        placeholders = set(_PLACEHOLDER.findall(translation.text))
        if placeholders - {EMERGENCY_NUMBER_PLACEHOLDER}:
            problems.append(f"{where}: unknown placeholder(s): {sorted(placeholders)}")
        if names_number != (EMERGENCY_NUMBER_PLACEHOLDER in placeholders):
            # A translation must never drop (or invent) the instruction to call for help.
            problems.append(
                f"{where} must name {EMERGENCY_NUMBER_PLACEHOLDER} exactly when the English does"
            )


def ruleset_from_mapping(
    data: Any, *, origin: str = "<memory>", emergency_number: str = DEFAULT_EMERGENCY_NUMBER
) -> RuleSet:
    """Validate already-parsed YAML/JSON data; raise RuleSetError listing every problem."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise RuleSetError(origin, ["the file must be a mapping with version, parameters, rules"])
    try:
        header = spec.RuleFileSpec.model_validate(data)
    except ValidationError as error:
        problems.extend(_pydantic_problems("", error))
        header = None

    raw_parameters = data.get("parameters")
    if not isinstance(raw_parameters, dict):
        raw_parameters = {}
    parameters: dict[str, Any] = {}
    for name, raw in raw_parameters.items():
        try:
            parameters[name] = spec.ParameterSpec.model_validate(raw)
        except ValidationError:
            parameters[name] = None  # already reported above; still a known name for references
            continue
        _check_sources(f"parameter {name!r}", parameters[name].sources, problems)

    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list):
        raw_rules = []
    rules: list[spec.RuleSpec] = []
    seen_ids: set[str] = set()
    checker = _Checker(parameters, problems)
    for index, raw in enumerate(raw_rules):
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        label = f"rule {raw_id!r}" if isinstance(raw_id, str) else f"rule #{index + 1}"
        if isinstance(raw_id, str):
            if raw_id in seen_ids:
                problems.append(f"{label}: duplicate rule id")
            seen_ids.add(raw_id)
        try:
            rule = spec.RuleSpec.model_validate(raw)
        except ValidationError as error:
            problems.extend(_pydantic_problems(f"{label}: ", error))
            continue
        if rule.category not in spec.CATEGORIES:
            problems.append(f"{label}: unknown category {rule.category!r}")
        elif rule.id.split(".", 1)[0] != rule.category:
            problems.append(f"{label}: id must start with its category {rule.category!r}")
        if rule.severity not in spec.SEVERITIES:
            problems.append(f"{label}: unknown severity {rule.severity!r} {spec.SEVERITIES}")
        if rule.kind not in spec.KINDS:
            problems.append(f"{label}: unknown kind {rule.kind!r} {spec.KINDS}")
        _check_sources(label, rule.sources, problems)
        _check_text(label, rule, problems)
        checker.condition(f"{label}: when", rule.when)
        rules.append(rule)

    if problems or header is None:
        raise RuleSetError(origin, problems or ["invalid rule set"])
    return RuleSet(
        version=header.version,
        parameters=dict(header.parameters),
        rules=tuple(rules),
        origin=origin,
        rule_parameters={
            rule.id: tuple(sorted(referenced_parameters(rule.when))) for rule in rules
        },
        emergency_number=emergency_number,
    )


def ruleset_from_text(
    text: str, *, origin: str = "<memory>", emergency_number: str = DEFAULT_EMERGENCY_NUMBER
) -> RuleSet:
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise RuleSetError(origin, [f"not valid YAML: {error}"]) from error
    return ruleset_from_mapping(data, origin=origin, emergency_number=emergency_number)


@lru_cache(maxsize=16)
def _load_cached(path: str, mtime_ns: int, size: int, emergency_number: str) -> RuleSet:
    # mtime and size are part of the key so an edited file is reloaded, not served stale.
    return ruleset_from_text(
        Path(path).read_text(encoding="utf-8"), origin=path, emergency_number=emergency_number
    )


def load_ruleset(
    path: Path | None = None, *, emergency_number: str = DEFAULT_EMERGENCY_NUMBER
) -> RuleSet:
    """Load a rule set (default: the packaged rules.yaml), cached per file version and number.

    `emergency_number` fills the `{emergency_number}` placeholder in every advice text.
    Raises RuleSetError listing every problem when the file is missing or invalid.
    """
    resolved = (path or DEFAULT_RULES_PATH).resolve()
    try:
        stat = resolved.stat()
    except OSError as error:
        raise RuleSetError(str(resolved), [f"cannot read the file: {error}"]) from error
    return _load_cached(str(resolved), stat.st_mtime_ns, stat.st_size, str(emergency_number))


def clear_ruleset_cache() -> None:
    _load_cached.cache_clear()
