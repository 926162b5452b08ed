"""Evaluate a rule set against a check-in (or a patient's recent check-ins) and return findings.

Pure functions over plain data: no ORM, no clock (`now` is passed in), no I/O. A `Finding` is a
prompt for the care team and advice for the patient, never a diagnosis. It carries the rule id
and version and exactly the facts the rule looked at, so any flag can be explained later.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import spec
from .compiler import Scope
from .facts import CheckinError, NormalisedCheckin, TriageContext, checkin_normalise
from .loader import RuleSet

SEVERITY_ORDER: Mapping[str, int] = {name: rank for rank, name in enumerate(spec.SEVERITIES)}


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


def _finding(rule: spec.RuleSpec, ruleset: RuleSet, facts: dict[str, Any]) -> Finding:
    names = ruleset.rule_parameters.get(rule.id, ())
    return Finding(
        rule_id=rule.id,
        rule_version=rule.version,
        category=rule.category,
        severity=rule.severity,
        advice=ruleset.advice[rule.id],  # emergency number filled in when the set was loaded
        rationale=" ".join(rule.rationale.split()),
        sources=tuple(rule.sources),
        facts=facts,
        ruleset_version=ruleset.version,
        parameters={name: ruleset.param(name) for name in names},
    )


def _sorted(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-severity_rank(f.severity), f.category, f.rule_id))


def _run(ruleset: RuleSet, kind: str, scope: Scope) -> list[Finding]:
    findings = []
    for rule, holds in ruleset.programs[kind]:
        scope.facts = {}  # each finding carries exactly the facts its own rule looked at
        if holds(scope):
            findings.append(_finding(rule, ruleset, scope.facts))
    return _sorted(findings)


def _check_times(now: Any, entries: Sequence[Mapping[str, Any]]) -> None:
    if not isinstance(now, datetime):
        raise CheckinError(f"now must be a datetime, got {now!r}")
    if any((e["recorded_at"].tzinfo is None) != (now.tzinfo is None) for e in entries):
        raise CheckinError("recorded_at and now must all be timezone-aware (or all naive)")


def _history(history: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    # An entry checkin_normalise already returned is not validated again: a caller that keeps
    # a patient's history (the simulator) passes each entry through here up to 30 times.
    entries = [
        entry
        if type(entry) is NormalisedCheckin
        else checkin_normalise(entry, label=f"history entry {index}")
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
    current = checkin if type(checkin) is NormalisedCheckin else checkin_normalise(checkin)
    everything = _history(history)
    _check_times(now, [current, *everything])
    earlier = [e for e in everything if e["recorded_at"] < current["recorded_at"]]
    series = [current, *earlier]
    last_before = earlier[0]["recorded_at"] if earlier else None
    return _run(ruleset, "checkin", Scope(context, current, series, now, last_before))


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
    return _run(ruleset, "trend", Scope(context, newest, series, now, last_checkin_at))


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
