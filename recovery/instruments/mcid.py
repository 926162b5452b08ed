"""Classify a change between a baseline and a follow-up score against MCID/SCB thresholds.

Thresholds are data (thresholds.yaml), each with its sources. Arithmetic is done on Decimal
built from the numbers' text, so boundaries are exact: 40 -> 28 on the ODI is exactly 30%.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from .loader import load_thresholds
from .schema import Criterion, Measure, Thresholds, ThresholdSet, UnknownInstrumentError
from .scoring import round_half_up

_OPS = {
    "ge": Decimal.__ge__,
    "gt": Decimal.__gt__,
    "le": Decimal.__le__,
    "lt": Decimal.__lt__,
}


@dataclass(frozen=True)
class ChangeResult:
    """How a follow-up compares with baseline on one measure.

    `change` is follow_up - baseline as measured (negative = lower score); `percent_change` is
    change / baseline x 100 rounded half-up to one decimal, None when baseline is 0.
    `improvement` is the change in the better direction (positive = better for every measure).
    `scb_reached` is None when the measure has no SCB defined. `mcid_attainable` is False when
    even the best possible follow-up could not reach the MCID (e.g. leg pain baseline 2 with a
    3.2-point MCID), so a "not reached" is not held against the patient.
    """

    measure: str
    baseline: float
    follow_up: float
    change: float
    percent_change: float | None
    improvement: float
    mcid_reached: bool
    scb_reached: bool | None
    worse_than_baseline: bool
    mcid_attainable: bool
    summary: str
    thresholds_version: int


@dataclass(frozen=True)
class PainReduction:
    """Share of baseline pain gone at follow-up (1.0 = pain-free, negative = worse)."""

    share: float
    percent: float  # share x 100, rounded half-up to one decimal
    reached: dict[int, bool]  # cut-off percent -> reduction at least that large


def classify_change(
    measure: str,
    baseline: float,
    follow_up: float,
    *,
    thresholds: Thresholds | None = None,
) -> ChangeResult:
    """Compare two scores of one measure ("odi", "nrs_back", "nrs_leg", "promis_pf").

    Raises UnknownInstrumentError for an unknown measure and ValueError for values that are not
    finite numbers inside the measure's scale.
    """
    thresholds = thresholds or load_thresholds()
    spec = _measure(thresholds, measure)
    base = _scaled(spec, "baseline", baseline)
    final = _scaled(spec, "follow_up", follow_up)
    improvement = _improvement(spec, base, final)
    mcid = _reached(spec.mcid, base, final, improvement)
    scb: bool | None = None
    if spec.scb is not None:
        scb = _reached(spec.scb, base, final, improvement) and (mcid or not spec.scb_requires_mcid)
    best = spec.scale_min if spec.direction == "lower_is_better" else spec.scale_max
    attainable = _reached(spec.mcid, base, best, _improvement(spec, base, best))
    change = final - base
    return ChangeResult(
        measure=spec.code,
        baseline=float(base),
        follow_up=float(final),
        change=float(change),
        percent_change=None if base == 0 else float(round_half_up(change * 100 / base, 1)),
        improvement=float(improvement),
        mcid_reached=mcid,
        scb_reached=scb,
        worse_than_baseline=improvement < 0,
        mcid_attainable=attainable,
        summary=_summary(thresholds, spec, improvement, mcid=mcid, scb=scb, attainable=attainable),
        thresholds_version=thresholds.version,
    )


def pain_reduction_share(
    baseline: float,
    follow_up: float,
    *,
    thresholds: Thresholds | None = None,
) -> PainReduction | None:
    """Reduction of a 0-10 pain score relative to baseline; None when baseline is 0.

    `reached` answers the ">= 50%" and ">= 80%" reduction metrics (cut-offs configurable in
    thresholds.yaml, `pain_reduction.cutoffs_percent`).
    """
    thresholds = thresholds or load_thresholds()
    base = _number("baseline", baseline)
    final = _number("follow_up", follow_up)
    for name, value in (("baseline", base), ("follow_up", final)):
        if not 0 <= value <= 10:
            raise ValueError(f"{name} must be between 0 and 10, got {value}")
    if base == 0:
        return None
    share = (base - final) / base
    return PainReduction(
        share=float(share),
        percent=float(round_half_up(share * 100, 1)),
        reached={cut: share * 100 >= cut for cut in thresholds.pain_reduction.cutoffs_percent},
    )


def measures_for(
    instrument_code: str, *, thresholds: Thresholds | None = None
) -> Mapping[str, str]:
    """score key -> measure code for one instrument, e.g. nrs_pain -> {back: nrs_back, ...}."""
    thresholds = thresholds or load_thresholds()
    return {m.score_key: m.code for m in thresholds.measures if m.instrument == instrument_code}


def _measure(thresholds: Thresholds, code: str) -> Measure:
    try:
        return thresholds.by_code[code]
    except KeyError:
        raise UnknownInstrumentError(f"unknown measure {code!r}") from None


def _number(name: str, value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"{name} must be a number, got {type(value).__name__}")
    # str() keeps 2.7 as 2.7 instead of 2.70000000000000017763568394002504646778106689453125.
    number = Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"{name} must be finite, got {value}")
    return number


def _scaled(spec: Measure, name: str, value: object) -> Decimal:
    number = _number(name, value)
    if not spec.scale_min <= number <= spec.scale_max:
        raise ValueError(
            f"{name} must be between {spec.scale_min} and {spec.scale_max} for {spec.code}, "
            f"got {number}"
        )
    return number


def _improvement(spec: Measure, base: Decimal, final: Decimal) -> Decimal:
    return base - final if spec.direction == "lower_is_better" else final - base


def _reached(rules: ThresholdSet, base: Decimal, final: Decimal, improvement: Decimal) -> bool:
    return any(_met(rule, base, final, improvement) for rule in rules.any_of)


def _met(rule: Criterion, base: Decimal, final: Decimal, improvement: Decimal) -> bool:
    compare = _OPS[rule.op]
    if rule.kind == "improvement_points":
        return compare(improvement, rule.value)
    if rule.kind == "improvement_percent":
        # A percentage of nothing is undefined: from a baseline of 0 there is no relative gain.
        return base != 0 and compare(improvement * 100 / abs(base), rule.value)
    return compare(final, rule.value)


def _summary(
    thresholds: Thresholds,
    spec: Measure,
    improvement: Decimal,
    *,
    mcid: bool,
    scb: bool | None,
    attainable: bool,
) -> str:
    texts = thresholds.summaries
    if improvement < 0:
        template = texts.worse
    elif improvement == 0:
        template = texts.unchanged
    elif scb:
        template = texts.scb
    elif mcid:
        template = texts.mcid
    elif attainable:
        template = texts.improved_below_mcid
    else:
        template = texts.improved
    return template.format(label=spec.label)
