"""The data of one patient's page: surgery, flags, check-ins, questionnaires, plan adherence.

Data only: the dashboard's presenters (recovery/dashboard/presenters.py) turn it into charts
and timeline text. A fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from recovery.models import (
    CheckIn,
    ChecklistEntry,
    ClinicianAdjustment,
    Flag,
    FlagFinding,
    Milestone,
    Patient,
    PatientPlan,
    QuestionnaireResponse,
    Surgery,
)
from recovery.pathways.adherence import DayRecord, adherence
from recovery.risk.summary import RiskFactor, age_on, mcid_target, phase_markers, risk_factors
from recovery.selectors.checkins import checkins_recent_for_patient
from recovery.selectors.patients import current_surgery, postop_day
from recovery.selectors.plans import items_in_force
from recovery.selectors.worklist import FindingData, FlagItem, findings_by_flag
from recovery.services.triage_facts import triage_ruleset

# The patient page charts and timeline cover this many of the most recent check-ins.
PATIENT_CHECKIN_LIMIT = 400
TIMELINE_LIMIT = 300
# The adherence heat strip covers the last this-many days of the plan.
HEAT_STRIP_DAYS = 42


@dataclass(frozen=True)
class DayAdherence:
    day: date
    rate: float | None  # 0..1, None = nothing answered


@dataclass
class PlanData:
    heat: list[DayAdherence] = field(default_factory=list)
    adjustments: list[ClinicianAdjustment] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    overdue: list[Milestone] = field(default_factory=list)
    # Pending milestones whose window has opened: what the team may record today.
    due: list[Milestone] = field(default_factory=list)


@dataclass
class PatientRecord:
    surgery: Surgery | None
    postop_day: int | None
    phase: str
    age: int
    risk_factors: list[RiskFactor]
    phases: list[tuple[int, str]]
    checkins: list[CheckIn]
    flags: list[Flag]
    # Every finding of every flag, oldest first, by flag id.
    findings: dict[Any, list[FindingData]]
    responses: list[QuestionnaireResponse]
    plan: PlanData
    fever_threshold_c: float
    odi_mcid_target: float | None

    @property
    def live_flags(self) -> list[Flag]:
        return [f for f in self.flags if f.is_live]

    @property
    def live_items(self) -> list[FlagItem]:
        return [FlagItem(flag=f, findings=self.findings.get(f.id, [])) for f in self.live_flags]


def _plan_data(patient: Patient, today: Any) -> PlanData:
    """Adherence per day, milestones and adjustments: five queries when there is a plan."""
    plan = (
        PatientPlan.objects.select_related("surgery")
        .filter(patient=patient)
        .order_by("-surgery__date", "-surgery__created_at")
        .first()
    )
    data = PlanData()
    adjustments = ClinicianAdjustment.objects.filter(patient=patient).select_related("actor")
    data.adjustments = list(adjustments.order_by("-created_at")[:TIMELINE_LIMIT])
    if plan is None:
        return data
    items = list(plan.items.filter(retired_at__isnull=True).order_by("position"))
    data.milestones = list(plan.milestones.order_by("day_min", "code", "occurrence"))
    surgery_date = plan.surgery.date
    first = max(surgery_date, today - timedelta(days=HEAT_STRIP_DAYS - 1))
    entries: dict[Any, dict[str, bool]] = {}
    for day, code, kept in ChecklistEntry.objects.filter(
        patient=patient, date__gte=first, date__lte=today
    ).values_list("date", "item__code", "kept"):
        entries.setdefault(day, {})[code] = kept
    day = first
    while day <= today:
        due = items_in_force(items, (day - surgery_date).days, daily_only=True)
        rate = adherence(
            {day: DayRecord(due=frozenset(i.code for i in due), entries=entries.get(day, {}))}
        )
        if due:
            data.heat.append(DayAdherence(day, rate.rate))
        day += timedelta(days=1)
    data.due = [
        m
        for m in data.milestones
        if m.status == Milestone.Status.PENDING and m.target_date_min <= today
    ]
    data.overdue = [
        m
        for m in data.milestones
        if m.status == Milestone.Status.PENDING and m.target_date_max < today
    ]
    return data


def patient_record(*, patient: Patient, now: datetime) -> PatientRecord:
    surgery = current_surgery(patient)
    day = postop_day(patient=patient, surgery=surgery, at=now) if surgery else None
    phases = phase_markers(surgery.technique) if surgery else []
    checkins = checkins_recent_for_patient(patient=patient, limit=PATIENT_CHECKIN_LIMIT)
    flags = list(
        Flag.objects.filter(patient=patient)
        .select_related("acknowledged_by", "resolved_by", "dismissed_by", "owner")
        .order_by("-severity_rank", "opened_at")
    )
    findings = findings_by_flag(
        FlagFinding.objects.filter(flag__patient=patient, flag__status__in=Flag.LIVE_STATUSES)
    )
    responses = list(
        QuestionnaireResponse.objects.filter(patient=patient)
        .only("id", "instrument", "timepoint", "score", "scores", "valid", "submitted_at")
        .order_by("submitted_at")
    )
    current_phase = ""
    if day is not None and day >= 0:
        current_phase = next((title for start, title in reversed(phases) if start <= day), "")
    baseline = None
    for r in responses:  # the latest valid baseline ODI, as the chart's table shows
        if r.instrument == "odi" and r.valid and r.timepoint == "baseline":
            baseline = r
    odi_target = None
    if baseline is not None and baseline.score is not None:
        odi_target = mcid_target(float(baseline.score))
    return PatientRecord(
        surgery=surgery,
        postop_day=day,
        phase=current_phase,
        age=age_on(patient.date_of_birth, patient.local_date(now)),
        risk_factors=risk_factors(patient),
        phases=phases,
        checkins=checkins,
        flags=flags,
        findings=findings,
        responses=responses,
        plan=_plan_data(patient, patient.local_date(now)),
        fever_threshold_c=float(triage_ruleset().param("fever_threshold_c")),
        odi_mcid_target=odi_target,
    )
