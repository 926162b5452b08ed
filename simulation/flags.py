"""Replaying simulated reports through the real triage engine and the flag upsert rules.

Pure: `triage_patient` runs `recovery.triage.evaluate` on every report with the history the
check-in service would load (the `history_limit` most recent earlier reports), and applies the
findings through the same decision as `recovery.services.flags.flags_apply_findings`
(`recovery.services.flag_decisions.flag_decide`: one live flag per category; a new finding is
recorded and re-alerts, a more severe one takes the flag over; a repeat only links the
check-in). The periodic trend job (hourly in production) is simulated
once per patient-week, an hour after the week's first report. Between reports, the care team
acknowledges and resolves flags after delays that depend on severity, so the worklist at the
end holds only recent ones.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from recovery.services.flag_decisions import FlagAction, LiveFlag, flag_decide
from recovery.triage import (
    Finding,
    RuleSet,
    TriageContext,
    checkin_normalise,
    evaluate,
    evaluate_trends,
    most_severe_per_category,
)
from simulation.cohort import Profile
from simulation.trajectory import ACUTE, Report, new_uuid

# How long a care team takes to acknowledge and to close a flag, by severity (no source:
# project defaults in line with the escalation targets of 15 minutes and 2 hours).
ACK_DELAY = {
    "emergency": timedelta(minutes=10),
    "urgent": timedelta(hours=1),
    "routine": timedelta(hours=10),
}
RESOLVE_DELAY = {
    "emergency": timedelta(hours=6),
    "urgent": timedelta(days=1),
    "routine": timedelta(days=3),
}
# What the team records when closing a flag raised by a real complication.
OUTCOME_FOR = {
    "infection": "antibiotics_started",
    "nerve": "imaging_ordered",
    "thigh_numbness": "advice_given",
    "hip_weakness": "seen_in_clinic",
    "hardware": "imaging_ordered",
    "nonunion": "imaging_ordered",
    "cauda_equina": "readmitted",
}
TREND_DELAY = timedelta(hours=1)  # the trend job runs hourly
CATEGORY_OF = {  # which flag category a complication's symptoms raise first
    "infection": "infection",
    "nerve": "nerve_injury",
    "thigh_numbness": "nerve_injury",
    "hip_weakness": "nerve_injury",
    "hardware": "hardware_failure",
    "nonunion": "pseudarthrosis",
    "cauda_equina": "cauda_equina",
}


@dataclass(frozen=True)
class SimFinding:
    """A FlagFinding row: a rule that fired on the flag, from which report, when."""

    finding: Finding
    checkin_id: uuid.UUID | None
    at: datetime


@dataclass
class SimFlag:
    id: uuid.UUID
    category: str
    finding: Finding
    opened_at: datetime
    updated_at: datetime
    alerted_at: datetime
    status: str = "open"
    origin: str = "checkin"
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    resolution_outcome: str = ""
    checkin_ids: list[uuid.UUID] = field(default_factory=list)
    findings: list[SimFinding] = field(default_factory=list)
    # Which of the team's clinicians acted (an index: the writer maps it to a user).
    actor: int = 0

    @property
    def live(self) -> bool:
        return self.status in ("open", "acknowledged")

    @property
    def severity(self) -> str:
        return self.finding.severity

    @property
    def fired(self) -> frozenset[tuple[str, str]]:
        return frozenset((f.finding.rule_id, f.finding.severity) for f in self.findings)


@dataclass
class TriagedPatient:
    reports: list[Report]
    # Per report id: what the patient was shown (CheckIn.flags), flag ids as in the service.
    shown: dict[uuid.UUID, list[dict[str, Any]]]
    flags: list[SimFlag]


def context_for(profile: Profile, postop_day: int) -> TriageContext:
    return TriageContext(
        postop_day=max(0, postop_day),
        approach=profile.approach,
        technique=profile.technique,
        smoking_status=profile.smoking_status,
        diabetes=profile.diabetes,
        bone_quality=profile.bone_quality,
        steroid_use=profile.steroid_use,
        brace_prescribed=profile.brace_prescribed,
    )


def _facts(report: Report) -> dict[str, Any]:
    return {**report.symptoms, "recorded_at": report.recorded_at, "postop_day": report.postop_day}


def _care_team_acts(
    flags: list[SimFlag], until: datetime, profile: Profile, rng: random.Random, treated: set[str]
) -> None:
    """Acknowledge and resolve every live flag whose delay has passed by `until`; resolving a
    real complication's flag treats it (its symptoms stop)."""
    true_categories = {CATEGORY_OF[c.kind]: c.kind for c in profile.complications}
    for flag in flags:
        if not flag.live:
            continue
        acked = flag.alerted_at + ACK_DELAY[flag.severity]
        if flag.status == "open" and acked <= until:
            flag.status, flag.acknowledged_at = "acknowledged", acked
            flag.updated_at = acked
        resolved = flag.alerted_at + RESOLVE_DELAY[flag.severity]
        if flag.status == "acknowledged" and resolved <= until:
            kind = true_categories.get(flag.category)
            flag.status, flag.resolved_at = "resolved", resolved
            flag.updated_at = resolved
            flag.resolution_outcome = (
                OUTCOME_FOR[kind] if kind else rng.choice(["advice_given", "no_problem"])
            )
            # Treatment ends an acute problem's symptoms; a non-union stays until revised.
            treated.update(
                c.kind
                for c in profile.complications
                if CATEGORY_OF[c.kind] == flag.category and c.kind in ACUTE
            )


def _evidence_closed(flags: list[SimFlag], category: str, last_received: datetime) -> bool:
    return any(
        f.category == category and f.resolved_at is not None and f.resolved_at >= last_received
        for f in flags
    )


def _upsert(
    flags: list[SimFlag],
    findings: list[Finding],
    rng: random.Random,
    *,
    now: datetime,
    report: Report | None,
    last_received: datetime,
) -> list[dict[str, Any]]:
    """flags_apply_findings, in memory (the same `flag_decide`); returns what the patient is shown.

    `report` is None for a trend run (origin trend: nothing linked, nothing shown)."""
    live = {flag.category: flag for flag in flags if flag.live}
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.category, []).append(finding)
    shown = []
    for best in most_severe_per_category(findings):
        flag = live.get(best.category)
        decision = flag_decide(
            live=None
            if flag is None
            else LiveFlag(severity=flag.severity, status=flag.status, fired=flag.fired),
            findings=grouped[best.category],
            from_trend=report is None,
            evidence_closed=flag is None and _evidence_closed(flags, best.category, last_received),
        )
        if decision.action == FlagAction.SKIP:
            continue
        if flag is None:
            assert decision.headline is not None
            flag = SimFlag(
                id=new_uuid(rng),
                category=best.category,
                finding=decision.headline,
                opened_at=now,
                updated_at=now,
                alerted_at=now,
                origin="checkin" if report is not None else "trend",
                actor=rng.randrange(1 << 16),
            )
            flags.append(flag)
        elif decision.action in (FlagAction.TAKE, FlagAction.REALERT):
            if decision.headline is not None:
                flag.finding = decision.headline
            if decision.restart_escalation:
                flag.status, flag.acknowledged_at = "open", None
                flag.alerted_at = now
            flag.updated_at = now
        elif report is not None:
            flag.updated_at = now
        flag.findings += [
            SimFinding(f, report.id if report is not None else None, now) for f in decision.record
        ]
        if report is None:
            continue
        flag.checkin_ids.append(report.id)
        shown.append(
            {
                "id": str(flag.id),
                "category": best.category,
                "severity": best.severity,
                "advice": best.advice,
            }
        )
    return shown


def triage_patient(
    rng: random.Random,
    profile: Profile,
    reports: Iterable[Report],
    *,
    ruleset: RuleSet,
    history_limit: int,
    now: datetime,
    treated: set[str],
) -> TriagedPatient:
    """Triage every report in order, as the check-in service would have when it arrived.

    `treated` is shared with the report generator (see simulate_reports)."""
    flags: list[SimFlag] = []
    kept: list[Report] = []
    week = -1
    shown: dict[uuid.UUID, list[dict[str, Any]]] = {}
    earlier: list[dict[str, Any]] = []  # newest first, like checkin_history
    for report in reports:
        kept.append(report)
        _care_team_acts(flags, report.received_at, profile, rng, treated)
        # Normalised once here: the engine then takes it as is, as the check-in and in the
        # histories of the next `history_limit` reports.
        current = checkin_normalise(_facts(report))
        findings = evaluate(
            ruleset,
            checkin=current,
            context=context_for(profile, report.postop_day),
            history=earlier[:history_limit],
            now=report.recorded_at,
        )
        shown[report.id] = (
            _upsert(
                flags,
                findings,
                rng,
                now=report.received_at,
                report=report,
                last_received=report.received_at,
            )
            if findings
            else []
        )
        earlier.insert(0, current)
        trend_at = report.received_at + TREND_DELAY
        if report.postop_day // 7 != week and trend_at <= now:
            week = report.postop_day // 7
            _care_team_acts(flags, trend_at, profile, rng, treated)
            trend_findings = evaluate_trends(
                ruleset,
                context=context_for(profile, report.postop_day),
                history=earlier[:history_limit],
                now=trend_at,
                last_checkin_at=report.recorded_at,
            )
            if trend_findings:
                _upsert(
                    flags,
                    trend_findings,
                    rng,
                    now=trend_at,
                    report=None,
                    last_received=report.received_at,
                )
    _care_team_acts(flags, now, profile, rng, treated)
    return TriagedPatient(reports=kept, shown=shown, flags=flags)
