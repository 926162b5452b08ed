"""Plain-language summaries the dashboard shows about a patient (no queries, no clock; the
risk cut-offs come from reviewed data, risk_profile.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from recovery.models import Patient
from recovery.risk.risk_profile import load_risk_profile


@dataclass(frozen=True)
class RiskFactor:
    label: str
    detail: str
    sources: tuple[str, ...]


def age_on(date_of_birth: date, on: date) -> int:
    before_birthday = (on.month, on.day) < (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - before_birthday


def risk_factors(patient: Patient) -> list[RiskFactor]:
    """The risk factors recorded for the patient, in plain words with their sources."""
    factors: list[RiskFactor] = []
    if patient.smoking_status == Patient.SmokingStatus.CURRENT:
        factors.append(RiskFactor("Smokes", "", ("R95", "R96", "R16")))
    elif patient.smoking_status == Patient.SmokingStatus.FORMER:
        quit_text = (
            f"quit {patient.smoking_quit_date:%d %b %Y}" if patient.smoking_quit_date else ""
        )
        factors.append(RiskFactor("Former smoker", quit_text, ("R99", "R100")))
    # Cut-offs are reviewed data with their sources (risk_profile.yaml).
    profile = load_risk_profile()
    if patient.diabetes:
        hba1c = profile.hba1c_raised_percent
        detail = ""
        if patient.hba1c is not None:
            raised = " (raised)" if patient.hba1c >= hba1c.value else ""
            detail = f"HbA1c {patient.hba1c}%{raised}"
        factors.append(RiskFactor("Diabetes", detail, ("R17", *hba1c.sources)))
    if patient.bmi is not None:
        bmi = profile.bmi_classes
        for cls in bmi.classes:
            if patient.bmi >= cls.min:
                factors.append(
                    RiskFactor("High BMI", f"BMI {patient.bmi} ({cls.name})", bmi.sources)
                )
                break
    if patient.bone_quality in (Patient.BoneQuality.OSTEOPENIA, Patient.BoneQuality.OSTEOPOROSIS):
        t_score = f", T-score {patient.t_score}" if patient.t_score is not None else ""
        factors.append(
            RiskFactor("Low bone density", f"{patient.bone_quality}{t_score}", ("R132", "R133"))
        )
    if patient.steroid_use:
        factors.append(RiskFactor("Long-term steroids", "", ("R16", "R135")))
    return factors


def phase_markers(technique: str) -> list[tuple[int, str]]:
    """(first post-operative day, title) of each recovery phase, day 0 first.

    Phase boundaries come from the reviewed pathway template for the technique; an unknown
    technique gives no markers rather than an error on the page.
    """
    from recovery.pathways import UnknownTechniqueError, pathway_for_technique

    try:
        template = pathway_for_technique(technique)
    except UnknownTechniqueError:
        return []
    return [(phase.start_day, phase.title) for phase in template.phases]


def mcid_target(baseline: float, *, measure: str = "odi") -> float | None:
    """The follow-up score at which the MCID is reached from `baseline`, for the chart line.

    The MCID is reached when ANY criterion is met (thresholds.yaml, e.g. ODI "10 points or 30%"
    [R150]), so the line sits at the most lenient of the point and percent targets. Criteria on
    the final score (SCB only) do not apply. None when no criterion gives a target.
    """
    from recovery.instruments import load_thresholds

    spec = load_thresholds().by_code[measure]
    lower_is_better = spec.direction == "lower_is_better"
    targets = []
    for rule in spec.mcid.any_of:
        value = float(rule.value)
        if rule.kind == "improvement_points":
            targets.append(baseline - value if lower_is_better else baseline + value)
        elif rule.kind == "improvement_percent" and baseline:
            change = abs(baseline) * value / 100
            targets.append(baseline - change if lower_is_better else baseline + change)
    if not targets:
        return None
    return max(targets) if lower_is_better else min(targets)
