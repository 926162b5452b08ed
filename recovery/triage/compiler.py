"""Turn a rule's condition tree into a Python closure once, when the rule set is built.

Interpreting the pydantic tree on every evaluation re-did work whose answer never changes for a
loaded rule set: which operator a comparison uses (`Compare.op` scans its fields), what a
`{param: ...}` reference resolves to, which facts a `count.where` reads. Here that is decided
once per node; a compiled check only reads the check-in and records the facts it saw.

The semantics are those of the original interpreter, node for node: children are evaluated
without short-circuit (a finding's facts are the same complete set whichever branch fired
first), a fact that was not reported never satisfies a comparison, and a series is recorded
in a finding's facts even when the window is too short to judge.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from . import operators as ops
from . import spec
from .facts import TriageContext

_RISK_FACTOR_FIELDS = {
    "current_smoker": "smoking_status",
    "diabetes": "diabetes",
    "osteoporosis": "bone_quality",
    "steroid_use": "steroid_use",
}


class Scope:
    """What one evaluation can see, plus the facts the rule being run has looked at.

    One scope serves every rule of an evaluation (`facts` is replaced per rule), so the
    windows over the series are filtered once per evaluation, not once per rule.
    """

    __slots__ = ("_windows", "context", "current", "facts", "last_checkin_at", "now", "series")

    def __init__(
        self,
        context: TriageContext,
        current: Mapping[str, Any] | None,
        series: Sequence[Mapping[str, Any]],
        now: datetime,
        last_checkin_at: datetime | None,
    ) -> None:
        self.context = context
        self.current = current  # the check-in single-fact conditions read
        self.series = series  # newest first
        self.now = now
        self.last_checkin_at = last_checkin_at
        self.facts: dict[str, Any] = {}
        self._windows: dict[Any, list[Mapping[str, Any]]] = {}

    def fact(self, name: str) -> Any:
        value = self.current.get(name) if self.current is not None else None
        self.facts[name] = value
        return value

    def context_field(self, name: str) -> Any:
        value = getattr(self.context, name)
        self.facts[f"context.{name}"] = value
        return value

    def recent(self, within_days: float | None) -> list[Mapping[str, Any]]:
        """Entries recorded within `within_days` of now (all of them for None); read-only."""
        window = self._windows.get(within_days)
        if window is None:
            if within_days is None:
                window = list(self.series)
            else:
                since = self.now - timedelta(days=within_days)
                window = [entry for entry in self.series if entry["recorded_at"] >= since]
            self._windows[within_days] = window
        return window

    def reporting(self, fact: str, over_last: int, within_days: float | None) -> list[Any]:
        """The last `over_last` check-ins that reported `fact`, newest first; read-only."""
        key = (fact, within_days)
        reported = self._windows.get(key)
        if reported is None:
            reported = [e for e in self.recent(within_days) if e.get(fact) is not None]
            self._windows[key] = reported
        return reported[:over_last]

    @property
    def previous(self) -> Mapping[str, Any] | None:
        """The report before `current` (series[0]), or None when there is none."""
        return self.series[1] if len(self.series) > 1 else None

    def record_series(self, fact: str, entries: Sequence[Mapping[str, Any]]) -> None:
        key = f"series.{fact}"
        # Several operators may look at the same fact over different windows: keep the widest.
        if len(entries) < len(self.facts.get(key, ())):
            return
        self.facts[key] = [
            {
                "recorded_at": entry["recorded_at"].isoformat(),
                "postop_day": entry.get("postop_day"),
                "value": entry.get(fact),
            }
            for entry in reversed(entries)  # chronological reads better in a clinician's view
        ]


Check = Callable[[Scope], bool]
ParamLookup = Callable[[str], int | float]


def referenced_facts(node: Any) -> list[str]:
    """Check-in facts read anywhere under a node, in reading order (with repeats)."""
    if isinstance(node, spec.Compare):
        return [node.fact]
    if isinstance(node, spec.IsTrue):
        return [node.is_true]
    if isinstance(node, BaseModel):
        return [name for _, child in node for name in referenced_facts(child)]
    if isinstance(node, list):
        return [name for child in node for name in referenced_facts(child)]
    return []


class _Compiler:
    def __init__(self, param: ParamLookup) -> None:
        self.param = param

    def value(self, operand: Any) -> Any:
        return self.param(operand.param) if isinstance(operand, spec.ParamRef) else operand

    def bounds(self, bounds: spec.Bounds) -> Callable[[Any], bool]:
        tests = [(ops.COMPARATORS[op], self.value(bound)) for op, bound in bounds.items()]
        return lambda actual: all(compare(actual, bound) for compare, bound in tests)

    def children(self, nodes: Sequence[Any]) -> list[Check]:
        return [self.compile(node) for node in nodes]

    def compile(self, node: Any) -> Check:
        if isinstance(node, spec.Compare):
            return self.comparison(node)
        if isinstance(node, spec.IsTrue):
            name = node.is_true
            return lambda scope: scope.fact(name) is True
        if isinstance(node, spec.All):
            checks = self.children(node.all)
            return lambda scope: all([check(scope) for check in checks])
        if isinstance(node, spec.Any_):
            checks = self.children(node.any)
            return lambda scope: any([check(scope) for check in checks])
        if isinstance(node, spec.Not):
            inner = self.compile(node.not_)
            return lambda scope: not inner(scope)
        if isinstance(node, spec.AtLeast):
            checks, count = self.children(node.at_least.of), node.at_least.count
            return lambda scope: ops.count_at_least([c(scope) for c in checks], count)
        if isinstance(node, spec.PostopDay):
            within = self.bounds(node.postop_day)
            return lambda scope: within(scope.context_field("postop_day"))
        if isinstance(node, spec.TechniqueIn):
            techniques = frozenset(node.technique_in)
            return lambda scope: scope.context_field("technique") in techniques
        if isinstance(node, spec.ApproachIn):
            approaches = frozenset(node.approach_in)
            return lambda scope: scope.context_field("approach") in approaches
        if isinstance(node, spec.RiskFactorAny):
            return self.risk_factor_any(tuple(node.risk_factor_any))
        if isinstance(node, spec.Rising | spec.Falling):
            return self.trend(node)
        if isinstance(node, spec.Rebound):
            return self.rebound(node.rebound)
        if isinstance(node, spec.CountOf):
            return self.count(node.count)
        if isinstance(node, spec.WindowMax | spec.WindowMin):
            return self.window(node)
        if isinstance(node, spec.DaysSinceLastCheckin):
            return self.silence(node.days_since_last_checkin)
        if isinstance(node, spec.NotReported):
            name = node.not_reported
            return lambda scope: scope.fact(name) is None
        if isinstance(node, spec.Previous):
            return self.previous(node.previous)
        if isinstance(node, spec.FollowUp):
            return self.follow_up(node.follow_up)
        raise TypeError(f"no evaluator for condition {node!r}")  # unreachable with a valid spec

    def comparison(self, node: spec.Compare) -> Check:
        name, op = node.fact, node.op
        operand = node.operand
        value = [self.value(v) for v in operand] if op == "in" else self.value(operand)
        compare = ops.COMPARATORS[op]
        return lambda scope: compare(scope.fact(name), value)

    def risk_factor_any(self, names: tuple[str, ...]) -> Check:
        def check(scope: Scope) -> bool:
            for name in names:
                scope.context_field(_RISK_FACTOR_FIELDS[name])
            return any(scope.context.has_risk_factor(name) for name in names)

        return check

    def trend(self, node: spec.Rising | spec.Falling) -> Check:
        rising = isinstance(node, spec.Rising)
        trend = node.rising if isinstance(node, spec.Rising) else node.falling
        fact, over_last = trend.fact, self.value(trend.over_last)
        within_days, by = self.value(trend.within_days), self.value(trend.by)
        monotonic = trend.monotonic
        moved = ops.rose_by if rising else ops.fell_by

        def check(scope: Scope) -> bool:
            entries = scope.reporting(fact, over_last, within_days)
            scope.record_series(fact, entries)
            if len(entries) < over_last:
                return False
            return moved([entry[fact] for entry in reversed(entries)], by, monotonic=monotonic)

        return check

    def rebound(self, rebound: spec.ReboundSpec) -> Check:
        fact, over_last = rebound.fact, self.value(rebound.over_last)
        within_days = self.value(rebound.within_days)
        by, improved_by = self.value(rebound.by), self.value(rebound.improved_by)
        sustained = self.value(rebound.sustained)

        def check(scope: Scope) -> bool:
            entries = scope.reporting(fact, over_last, within_days)
            scope.record_series(fact, entries)
            return ops.rebounded(
                [entry[fact] for entry in reversed(entries)],
                by=by,
                improved_by=improved_by,
                sustained=sustained,
            )

        return check

    def count(self, count: spec.CountSpec) -> Check:
        where = self.compile(count.where)
        names = tuple(dict.fromkeys(referenced_facts(count.where)))
        within_days, over_last = self.value(count.within_days), self.value(count.over_last)
        at_least = self.value(count.at_least)

        def check(scope: Scope) -> bool:
            entries = scope.recent(within_days)[:over_last]
            # Each entry is judged on its own, as if it were the check-in being evaluated.
            matches = [where(Scope(scope.context, entry, (), scope.now, None)) for entry in entries]
            for name in names:
                scope.record_series(name, entries)
            return ops.count_at_least(matches, at_least)

        return check

    def window(self, node: spec.WindowMax | spec.WindowMin) -> Check:
        window = node.window_max if isinstance(node, spec.WindowMax) else node.window_min
        extreme = max if isinstance(node, spec.WindowMax) else min
        fact, over_last = window.fact, self.value(window.over_last)
        within_days = self.value(window.within_days)
        compare, bound = ops.COMPARATORS[window.op], self.value(getattr(window, window.op))

        def check(scope: Scope) -> bool:
            entries = scope.reporting(fact, over_last, within_days)
            scope.record_series(fact, entries)
            if len(entries) < over_last:
                return False
            return compare(extreme([entry[fact] for entry in entries]), bound)

        return check

    def silence(self, bounds: spec.Bounds) -> Check:
        within = self.bounds(bounds)

        def check(scope: Scope) -> bool:
            series = scope.series
            last = scope.last_checkin_at or (series[0]["recorded_at"] if series else None)
            # Never checked in at all: the silence has lasted since the operation.
            days = ops.days_between(last, scope.now) if last else float(scope.context.postop_day)
            scope.facts["days_since_last_checkin"] = round(days, 2)
            scope.facts["last_checkin_at"] = last.isoformat() if last else None
            return within(days)

        return check

    def previous(self, node: Any) -> Check:
        inner = self.compile(node)

        def check(scope: Scope) -> bool:
            before = scope.previous
            # No earlier report: judged as an empty one, so "not before" holds and a finding
            # on the first report counts as new (the conservative reading).
            sub = Scope(scope.context, before or {}, (), scope.now, None)
            holds = inner(sub)
            scope.facts["previous.recorded_at"] = (
                before["recorded_at"].isoformat() if before is not None else None
            )
            for name, value in sub.facts.items():
                scope.facts[f"previous.{name}"] = value
            return holds

        return check

    def follow_up(self, follow_up: spec.FollowUpSpec) -> Check:
        default = self.value(follow_up.default_days)

        def check(scope: Scope) -> bool:
            day = scope.context_field("postop_day")
            window = scope.context_field("follow_up_days")
            return day <= (default if window is None else window)

        return check


def compile_condition(node: Any, param: ParamLookup) -> Check:
    """A closure equivalent to evaluating `node`; `param` resolves `{param: name}` references."""
    return _Compiler(param).compile(node)
