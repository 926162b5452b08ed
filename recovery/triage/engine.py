"""Evaluate a rule set against a check-in (or a patient's recent check-ins) and return findings.

Pure functions over plain data: no ORM, no clock (`now` is passed in), no I/O. A `Finding` is a
prompt for the care team and advice for the patient, never a diagnosis. It carries the rule id
and version and exactly the facts the rule looked at, so any flag can be explained later.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from . import operators as ops
from . import spec
from .facts import CheckinError, TriageContext, checkin_normalise
from .loader import RuleSet

SEVERITY_ORDER: Mapping[str, int] = {name: rank for rank, name in enumerate(spec.SEVERITIES)}

_RISK_FACTOR_FIELDS = {
    "current_smoker": "smoking_status",
    "diabetes": "diabetes",
    "osteoporosis": "bone_quality",
    "steroid_use": "steroid_use",
}


def severity_rank(severity: str) -> int:
    """routine < urgent < emergency; raises KeyError for anything else."""
    return SEVERITY_ORDER[severity]


def severity_at_least(severity: str, minimum: str) -> bool:
    return severity_rank(severity) >= severity_rank(minimum)


def max_severity(severities: Iterable[str]) -> str | None:
    return max(severities, key=severity_rank, default=None)


@dataclass(frozen=True)
class Finding:
    rule_id: str
    rule_version: int
    category: str
    severity: str
    advice: str  # for the patient: what to do, never what they "have"
    rationale: str  # for clinicians
    sources: tuple[str, ...]
    facts: dict[str, Any]  # exactly the facts the rule looked at; JSON-serialisable
    ruleset_version: int = 0
    parameters: dict[str, int | float] = field(default_factory=dict)  # thresholds in force


@dataclass
class _Scope:
    ruleset: RuleSet
    context: TriageContext
    current: Mapping[str, Any] | None  # the check-in single-fact conditions read
    series: Sequence[Mapping[str, Any]]  # newest first
    now: datetime
    last_checkin_at: datetime | None
    facts: dict[str, Any] = field(default_factory=dict)

    def value(self, operand: Any) -> Any:
        if isinstance(operand, spec.ParamRef):
            return self.ruleset.param(operand.param)
        return operand

    def fact(self, name: str) -> Any:
        value = self.current.get(name) if self.current is not None else None
        self.facts[name] = value
        return value

    def context_field(self, name: str) -> Any:
        value = getattr(self.context, name)
        self.facts[f"context.{name}"] = value
        return value

    def recent(self, within_days: Any) -> list[Mapping[str, Any]]:
        if within_days is None:
            return list(self.series)
        since = self.now - timedelta(days=self.value(within_days))
        return [entry for entry in self.series if entry["recorded_at"] >= since]

    def reporting(self, fact: str, over_last: Any, within_days: Any) -> list[Mapping[str, Any]]:
        """The last `over_last` check-ins that reported `fact`, newest first."""
        reported = [entry for entry in self.recent(within_days) if entry.get(fact) is not None]
        return reported[: self.value(over_last)]

    def record_series(self, fact: str, entries: Sequence[Mapping[str, Any]]) -> None:
        key = f"series.{fact}"
        points = [
            {
                "recorded_at": entry["recorded_at"].isoformat(),
                "postop_day": entry.get("postop_day"),
                "value": entry.get(fact),
            }
            for entry in reversed(entries)  # chronological reads better in a clinician's view
        ]
        # Several operators may look at the same fact over different windows: keep the widest.
        if len(points) >= len(self.facts.get(key, [])):
            self.facts[key] = points


def _bounds_hold(scope: _Scope, actual: Any, bounds: spec.Bounds) -> bool:
    return all(ops.compare(op, actual, scope.value(bound)) for op, bound in bounds.items())


def _referenced_facts(node: Any) -> list[str]:
    if isinstance(node, spec.Compare):
        return [node.fact]
    if isinstance(node, spec.IsTrue):
        return [node.is_true]
    if isinstance(node, BaseModel):
        return [name for _, child in node for name in _referenced_facts(child)]
    if isinstance(node, list):
        return [name for child in node for name in _referenced_facts(child)]
    return []


def _holds(node: Any, scope: _Scope) -> bool:
    # Children are evaluated without short-circuit so that a finding's facts are the same
    # complete set whichever branch happened to fire first.
    if isinstance(node, spec.Compare):
        operand = node.operand
        value = [scope.value(v) for v in operand] if node.op == "in" else scope.value(operand)
        return ops.compare(node.op, scope.fact(node.fact), value)
    if isinstance(node, spec.IsTrue):
        return ops.is_true(scope.fact(node.is_true))
    if isinstance(node, spec.All):
        return all([_holds(child, scope) for child in node.all])
    if isinstance(node, spec.Any_):
        return any([_holds(child, scope) for child in node.any])
    if isinstance(node, spec.Not):
        return not _holds(node.not_, scope)
    if isinstance(node, spec.AtLeast):
        matches = [_holds(child, scope) for child in node.at_least.of]
        return ops.count_at_least(matches, node.at_least.count)
    if isinstance(node, spec.PostopDay):
        return _bounds_hold(scope, scope.context_field("postop_day"), node.postop_day)
    if isinstance(node, spec.TechniqueIn):
        return scope.context_field("technique") in node.technique_in
    if isinstance(node, spec.ApproachIn):
        return scope.context_field("approach") in node.approach_in
    if isinstance(node, spec.RiskFactorAny):
        for name in node.risk_factor_any:
            scope.context_field(_RISK_FACTOR_FIELDS[name])
        return any(scope.context.has_risk_factor(name) for name in node.risk_factor_any)
    if isinstance(node, spec.Rising | spec.Falling):
        trend = node.rising if isinstance(node, spec.Rising) else node.falling
        entries = scope.reporting(trend.fact, trend.over_last, trend.within_days)
        scope.record_series(trend.fact, entries)
        if len(entries) < scope.value(trend.over_last):
            return False
        values = [entry[trend.fact] for entry in reversed(entries)]
        check = ops.rose_by if isinstance(node, spec.Rising) else ops.fell_by
        return check(values, scope.value(trend.by), monotonic=trend.monotonic)
    if isinstance(node, spec.Rebound):
        rebound = node.rebound
        entries = scope.reporting(rebound.fact, rebound.over_last, rebound.within_days)
        scope.record_series(rebound.fact, entries)
        return ops.rebounded(
            [entry[rebound.fact] for entry in reversed(entries)],
            by=scope.value(rebound.by),
            improved_by=scope.value(rebound.improved_by),
            sustained=scope.value(rebound.sustained),
        )
    if isinstance(node, spec.CountOf):
        count = node.count
        entries = scope.recent(count.within_days)[: scope.value(count.over_last)]
        matches = []
        for entry in entries:
            sub = _Scope(scope.ruleset, scope.context, entry, (), scope.now, None)
            matches.append(_holds(count.where, sub))
        for name in dict.fromkeys(_referenced_facts(count.where)):
            scope.record_series(name, entries)
        return ops.count_at_least(matches, scope.value(count.at_least))
    if isinstance(node, spec.WindowMax | spec.WindowMin):
        window = node.window_max if isinstance(node, spec.WindowMax) else node.window_min
        entries = scope.reporting(window.fact, window.over_last, window.within_days)
        scope.record_series(window.fact, entries)
        if len(entries) < scope.value(window.over_last):
            return False
        values = [entry[window.fact] for entry in entries]
        extreme = max(values) if isinstance(node, spec.WindowMax) else min(values)
        return ops.compare(window.op, extreme, scope.value(getattr(window, window.op)))
    if isinstance(node, spec.DaysSinceLastCheckin):
        last = scope.last_checkin_at or (scope.series[0]["recorded_at"] if scope.series else None)
        # Never checked in at all: the silence has lasted since the operation.
        days = ops.days_between(last, scope.now) if last else float(scope.context.postop_day)
        scope.facts["days_since_last_checkin"] = round(days, 2)
        scope.facts["last_checkin_at"] = last.isoformat() if last else None
        return _bounds_hold(scope, days, node.days_since_last_checkin)
    raise TypeError(f"no evaluator for condition {node!r}")  # unreachable with a valid spec


def _finding(rule: spec.RuleSpec, ruleset: RuleSet, facts: dict[str, Any]) -> Finding:
    names = ruleset.rule_parameters.get(rule.id, ())
    return Finding(
        rule_id=rule.id,
        rule_version=rule.version,
        category=rule.category,
        severity=rule.severity,
        advice=" ".join(rule.advice.split()),
        rationale=" ".join(rule.rationale.split()),
        sources=tuple(rule.sources),
        facts=facts,
        ruleset_version=ruleset.version,
        parameters={name: ruleset.param(name) for name in names},
    )


def _sorted(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-severity_rank(f.severity), f.category, f.rule_id))


def _run(ruleset: RuleSet, kind: str, make_scope: Any) -> list[Finding]:
    findings = []
    for rule in ruleset.rules_of_kind(kind):
        scope = make_scope()
        if _holds(rule.when, scope):
            findings.append(_finding(rule, ruleset, scope.facts))
    return _sorted(findings)


def _check_times(now: Any, entries: Sequence[Mapping[str, Any]]) -> None:
    if not isinstance(now, datetime):
        raise CheckinError(f"now must be a datetime, got {now!r}")
    if any((e["recorded_at"].tzinfo is None) != (now.tzinfo is None) for e in entries):
        raise CheckinError("recorded_at and now must all be timezone-aware (or all naive)")


def _history(history: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    entries = [
        checkin_normalise(entry, label=f"history entry {index}")
        for index, entry in enumerate(history)
    ]
    # The contract is newest first; sort anyway so a caller's ordering slip cannot flip a trend.
    return sorted(entries, key=lambda entry: entry["recorded_at"], reverse=True)


def evaluate(
    ruleset: RuleSet,
    *,
    checkin: Mapping[str, Any],
    context: TriageContext,
    history: Iterable[Mapping[str, Any]] = (),
    now: datetime,
) -> list[Finding]:
    """Run the check-in rules; return findings ordered by severity (desc), category, rule id.

    `history` holds the patient's earlier check-ins (newest first). Entries recorded at or after
    this check-in are ignored, so passing a history that already contains it is harmless.
    Raises CheckinError on malformed input.
    """
    if not isinstance(context, TriageContext):
        raise CheckinError(f"context must be a TriageContext, got {type(context).__name__}")
    current = checkin_normalise(checkin)
    everything = _history(history)
    _check_times(now, [current, *everything])
    earlier = [e for e in everything if e["recorded_at"] < current["recorded_at"]]
    series = [current, *earlier]
    last_before = earlier[0]["recorded_at"] if earlier else None
    return _run(
        ruleset,
        "checkin",
        lambda: _Scope(ruleset, context, current, series, now, last_before),
    )


def evaluate_trends(
    ruleset: RuleSet,
    *,
    context: TriageContext,
    history: Iterable[Mapping[str, Any]],
    now: datetime,
    last_checkin_at: datetime | None = None,
) -> list[Finding]:
    """Run the periodic trend rules over the patient's recent check-ins (newest first).

    `context.postop_day` is the day as of `now`. `last_checkin_at` defaults to the newest
    history entry; with no check-in at all, silence is counted from the operation.
    """
    if not isinstance(context, TriageContext):
        raise CheckinError(f"context must be a TriageContext, got {type(context).__name__}")
    everything = _history(history)
    _check_times(now, everything)
    if last_checkin_at is not None:
        if not isinstance(last_checkin_at, datetime):
            raise CheckinError(f"last_checkin_at must be a datetime, got {last_checkin_at!r}")
        _check_times(now, [{"recorded_at": last_checkin_at}])
    series = [e for e in everything if e["recorded_at"] <= now]
    newest = series[0] if series else None
    return _run(
        ruleset,
        "trend",
        lambda: _Scope(ruleset, context, newest, series, now, last_checkin_at),
    )


def most_severe_per_category(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per category (the most severe; ties go to the lowest rule id).

    Ordered by severity (desc), then category.
    """
    best: dict[str, Finding] = {}
    for finding in findings:
        current = best.get(finding.category)
        key = (-severity_rank(finding.severity), finding.rule_id)
        if current is None or key < (-severity_rank(current.severity), current.rule_id):
            best[finding.category] = finding
    return _sorted(best.values())
