"""Per-patient outcome: change from baseline per measure, MCID/SCB, and the worse-than-baseline
review flag. Classification itself is recovery.instruments.classify_change (thresholds.yaml).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from recovery import instruments
from recovery.models import Flag, QuestionnaireResponse
from recovery.models.flags import OUTCOME_CATEGORY
from recovery.services.flags import flags_apply_findings, patient_lock
from recovery.triage import Finding

BASELINE = "baseline"

# A patient worse than before surgery from 3 months on is put in front of the care team as a
# routine review (issue 6). Earlier follow-ups are left out because pain and function are still
# recovering from the operation itself; the REFERENCE.md section 7 trend rules route such
# findings as ROUTINE surgeon-review tasks.
WORSE_FLAG_FROM_DAY = 90
WORSE_FLAG_RULE_ID = "outcome.worse_than_baseline"
WORSE_FLAG_RULE_VERSION = 1
WORSE_FLAG_SEVERITY = "routine"
# Pain that returns or worsens after the early weeks is a ROUTINE review for possible non-union
# [R22][R25] (REFERENCE.md 1.3), also hardware failure [R24] or, later, adjacent-segment
# disease [R66].
WORSE_FLAG_SOURCES = ("R22", "R24", "R25", "R66")
WORSE_FLAG_ADVICE = (
    "Your answers show you are worse than before your surgery. Your care team will review "
    "them and may contact you; call them sooner if you are worried."
)
WORSE_FLAG_RATIONALE = (
    "Patient-reported {measures} at {timepoint} worse than the pre-operative baseline; "
    "review for non-union, hardware problems or adjacent-segment disease."
)

NO_BASELINE = (
    "There is no answer from before your surgery to compare with, so no change can be shown."
)


@dataclass(frozen=True)
class FollowUp:
    timepoint: str
    score: float
    change: instruments.ChangeResult | None  # None without a valid baseline


@dataclass(frozen=True)
class MeasureOutcome:
    measure: str
    label: str
    instrument: str
    baseline: float | None
    follow_ups: list[FollowUp] = field(default_factory=list)


@dataclass(frozen=True)
class Worsening:
    """Why a follow-up calls for review; the fields a triage flag records."""

    rule_id: str
    rule_version: int
    severity: str
    advice: str  # for the patient
    rationale: str  # for the care team
    sources: tuple[str, ...]
    facts: dict[str, Any]


def outcomes_from_responses(responses: Iterable[QuestionnaireResponse]) -> list[MeasureOutcome]:
    by_key = {(r.instrument, r.timepoint): r for r in responses}
    order = instruments.load_schedule().timepoint_codes
    enabled = {c for c, i in instruments.load_instruments().items() if i.enabled}
    outcomes: list[MeasureOutcome] = []
    for measure in instruments.load_thresholds().measures:
        if measure.instrument not in enabled:
            continue
        baseline = _value(by_key.get((measure.instrument, BASELINE)), measure.score_key)
        follow_ups = []
        for timepoint in order[1:]:
            value = _value(by_key.get((measure.instrument, timepoint)), measure.score_key)
            if value is None:
                continue
            change = None
            if baseline is not None:
                change = instruments.classify_change(measure.code, baseline, value)
            follow_ups.append(FollowUp(timepoint=timepoint, score=value, change=change))
        outcomes.append(
            MeasureOutcome(
                measure=measure.code,
                label=measure.label,
                instrument=measure.instrument,
                baseline=baseline,
                follow_ups=follow_ups,
            )
        )
    return outcomes


def worse_flag_timepoints() -> frozenset[str]:
    schedule = instruments.load_schedule()
    return frozenset(tp.code for tp in schedule.follow_ups if tp.target_day >= WORSE_FLAG_FROM_DAY)


def outcome_worsening(response: QuestionnaireResponse) -> Worsening | None:
    """Decide whether `response` is worse than the same patient's baseline on any measure.

    Only valid answers from 3 months on, compared with a valid baseline of the same
    instrument; "worse" is ChangeResult.worse_than_baseline (any loss, however small).
    """
    if not response.valid or response.timepoint not in worse_flag_timepoints():
        return None
    baseline = QuestionnaireResponse.objects.filter(
        patient_id=response.patient_id,
        instrument=response.instrument,
        timepoint=BASELINE,
        valid=True,
    ).first()
    if baseline is None:
        return None
    worse: dict[str, dict[str, Any]] = {}
    for score_key, measure in instruments.measures_for(response.instrument).items():
        before = _value(baseline, score_key)
        after = _value(response, score_key)
        if before is None or after is None:
            continue
        change = instruments.classify_change(measure, before, after)
        if change.worse_than_baseline:
            worse[measure] = {
                "baseline": change.baseline,
                "follow_up": change.follow_up,
                "change": change.change,
            }
    if not worse:
        return None
    return Worsening(
        rule_id=WORSE_FLAG_RULE_ID,
        rule_version=WORSE_FLAG_RULE_VERSION,
        severity=WORSE_FLAG_SEVERITY,
        advice=WORSE_FLAG_ADVICE,
        rationale=WORSE_FLAG_RATIONALE.format(
            measures=", ".join(sorted(worse)), timepoint=response.timepoint
        ),
        sources=WORSE_FLAG_SOURCES,
        facts={
            "response_id": str(response.id),
            "instrument": response.instrument,
            "timepoint": response.timepoint,
            "measures": worse,
            "thresholds_version": instruments.load_thresholds().version,
        },
    )


def outcome_flag_if_worse(response: QuestionnaireResponse) -> Flag | None:
    """Raise (or keep) a routine `outcome_worse` flag when `response` is worse than baseline.

    Called by questionnaire_submit inside its transaction. Goes through the triage upsert
    (one live flag per patient and category; the care team is alerted once), so a second worse
    answer while the flag is still live updates nothing. Returns the live flag, or None.
    """
    worsening = outcome_worsening(response)
    if worsening is None:
        return None
    patient = patient_lock(patient_id=response.patient_id)
    finding = Finding(
        rule_id=worsening.rule_id,
        rule_version=worsening.rule_version,
        category=OUTCOME_CATEGORY,
        severity=worsening.severity,
        advice=worsening.advice,
        rationale=worsening.rationale,
        sources=worsening.sources,
        facts=worsening.facts,
    )
    raised = flags_apply_findings(
        patient=patient, findings=[finding], now=response.submitted_at, origin=Flag.Origin.PROM
    )
    return raised[0].flag if raised else None


def _value(response: QuestionnaireResponse | None, score_key: str) -> float | None:
    if response is None or not response.valid:
        return None
    value = response.scores.get(score_key)
    return None if value is None else float(value)
