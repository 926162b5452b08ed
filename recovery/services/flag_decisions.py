"""The flag upsert decision: what one evaluation's findings do to a category's flag.

One pure function over plain data (no ORM, no clock), called by `flags_apply_findings` (the
database) and by the simulator (in memory), so the two can never drift apart. The caller
carries the decision out: it writes rows, links the check-in and sends the alert.

The rules, per category (issue 14, "Re-alert"):
- no live flag: open one, and alert; a trend finding is skipped instead when a flag of the
  category was closed since the patient's latest check-in (no new evidence);
- a live flag and a *new* finding (a rule that has not fired on this flag yet, or the same
  rule at a higher severity): record it and alert the care team again. If it is more severe
  than the flag, it becomes the flag's headline. An acknowledged flag goes back to open and
  its escalation restarts; an open one keeps its escalation clock running, so a new finding
  never delays an escalation already under way (a rise in severity restarts it, on the
  shorter delay of the new severity);
- a live flag and only repeats of findings it already has: keep it as it is (no alert storm).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from recovery.triage import Finding, most_severe_per_category, severity_rank

OPEN_STATUS = "open"
ACKNOWLEDGED_STATUS = "acknowledged"


class FlagAction(StrEnum):
    OPEN = "open"  # no live flag: open one with the most severe finding as its headline
    TAKE = "take"  # a more severe new finding becomes the headline; reopen, re-alert
    REALERT = "realert"  # a new finding at no higher severity: record it, re-alert
    KEEP = "keep"  # nothing new: link the check-in, nothing else changes
    SKIP = "skip"  # a trend finding for a problem the team closed since the last check-in


@dataclass(frozen=True)
class LiveFlag:
    """A category's open or acknowledged flag, as the decision needs to see it."""

    severity: str
    status: str  # "open" or "acknowledged"
    fired: frozenset[tuple[str, str]]  # (rule_id, severity) of every finding it holds


@dataclass(frozen=True)
class FlagDecision:
    action: FlagAction
    # OPEN/TAKE: the finding the flag now shows (rule, advice, severity). Otherwise None: the
    # headline stays the flag's most severe finding so far.
    headline: Finding | None
    # The findings to add to the flag's history, most severe first.
    record: tuple[Finding, ...]
    # The finding the alert names (its idempotency key): None when nobody is alerted.
    alert: Finding | None
    # The flag goes (back) to open: acknowledgement cleared, escalation from level 0 from now.
    restart_escalation: bool


def _by_severity(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: (-severity_rank(f.severity), f.rule_id)))


def flag_decide(
    *,
    live: LiveFlag | None,
    findings: Sequence[Finding],
    from_trend: bool = False,
    evidence_closed: bool = False,
) -> FlagDecision:
    """Decide what `findings` (one evaluation, one category, at least one) do to its flag.

    `evidence_closed`: a flag of this category was closed since the latest check-in (only
    read for a trend finding with no live flag).
    """
    if not findings:
        raise ValueError("flag_decide needs at least one finding")
    if len({finding.category for finding in findings}) != 1:
        raise ValueError("flag_decide takes the findings of one category")
    if live is None:
        if from_trend and evidence_closed:
            return FlagDecision(FlagAction.SKIP, None, (), None, restart_escalation=False)
        [best] = most_severe_per_category(findings)
        return FlagDecision(
            FlagAction.OPEN, best, _by_severity(findings), best, restart_escalation=True
        )
    new = [f for f in findings if (f.rule_id, f.severity) not in live.fired]
    if not new:
        return FlagDecision(FlagAction.KEEP, None, (), None, restart_escalation=False)
    [top] = most_severe_per_category(new)
    if severity_rank(top.severity) > severity_rank(live.severity):
        # A worse problem needs fresh eyes even if the milder one was acknowledged.
        return FlagDecision(FlagAction.TAKE, top, _by_severity(new), top, restart_escalation=True)
    return FlagDecision(
        FlagAction.REALERT,
        None,
        _by_severity(new),
        top,
        restart_escalation=live.status == ACKNOWLEDGED_STATUS,
    )
