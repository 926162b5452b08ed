"""The data of one patient's page: surgery, flags, check-ins, questionnaires, plan adherence.

Data only: the dashboard's presenters (recovery/dashboard/presenters.py) turn it into charts
and timeline text. A fixed number of queries whatever the number of rows.

Issue 16, item 8 (the page under 100 ms at 1,000,000 check-ins): the charts and the answers
strip read one row per post-operative day (`checkin_days`, aggregated in SQL); check-in rows
are loaded only for the timeline, as many as it shows.
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
    PlanItem,
    QuestionnaireResponse,
    Surgery,
)
from recovery.pathways.adherence import DayRecord, adherence
from recovery.risk.summary import RiskFactor, age_on, mcid_target, phase_markers, risk_factors
from recovery.selectors.checkin_days import CheckInDay, checkin_days
from recovery.selectors.checkins import checkins_recent_for_patient
from recovery.selectors.patients import current_surgery, postop_day
from recovery.selectors.plans import items_in_force
from recovery.selectors.worklist import FindingData, FlagItem, findings_by_flag
from recovery.services.triage_facts import triage_ruleset

# The timeline's first view shows this many of the latest events, its full view (the
# page's "?timeline=all") up to TIMELINE_LIMIT.
TIMELINE_FIRST = 40
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
    # The current surgery's days with a check-in, oldest first: the charts and answers strip.
    days: list[CheckInDay]
    # The latest check-ins, oldest first: as many as the timeline shows, and one more when
    # there are more (so the page knows to offer the rest).
    checkins: list[CheckIn]
    timeline_limit: int
    flags: list[Flag]
    # Every finding of every live flag, oldest first, by flag id.
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


# What PlanItem.in_force_on and items_in_force read.
_WINDOW_FIELDS = (
    "id",
    "plan_id",
    "code",
    "daily_check",
    "start_day",
    "end_day",
    "adjusted_end_day",
    "adjusted_at",
    "lifted_at",
    "retired_at",
)


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
    # The heat strip counts the daily checks only (items_in_force(daily_only=True) skips the
    # rest): reading just those, and just the columns their day window needs, keeps the
    # 42-day loop and the rows small (issue 16, item 8).
    items = list(
        plan.items.filter(retired_at__isnull=True, daily_check=True)
        .only(*_WINDOW_FIELDS)
        .order_by("position")
    )
    data.milestones = list(plan.milestones.order_by("day_min", "code", "occurrence"))
    surgery_date = plan.surgery.date
    first = max(surgery_date, today - timedelta(days=HEAT_STRIP_DAYS - 1))
    entries: dict[Any, dict[str, bool]] = {}
    for day, code, kept in ChecklistEntry.objects.filter(
        patient=patient, date__gte=first, date__lte=today
    ).values_list("date", "item__code", "kept"):
        entries.setdefault(day, {})[code] = kept
    # Which items are in force changes on a few days only: items_in_force (the precedence
    # rule) runs when the set changes, and adherence when the day has answers (none: no rate).
    in_force: list[PlanItem] | None = None
    due: frozenset[str] = frozenset()
    day = first
    while day <= today:
        n = (day - surgery_date).days
        day_items = [item for item in items if item.in_force_on(n)]
        if day_items != in_force:
            in_force = day_items
            due = frozenset(i.code for i in items_in_force(day_items, n, daily_only=True))
        if due:
            answers = entries.get(day)
            rate = adherence({day: DayRecord(due=due, entries=answers)}).rate if answers else None
            data.heat.append(DayAdherence(day, rate))
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


def patient_record(
    *, patient: Patient, now: datetime, timeline_limit: int = TIMELINE_FIRST
) -> PatientRecord:
    """The page's data; the timeline will show the latest `timeline_limit` events."""
    surgery = current_surgery(patient)
    day = postop_day(patient=patient, surgery=surgery, at=now) if surgery else None
    phases = phase_markers(surgery.technique) if surgery else []
    # The latest events are among the latest check-ins: `timeline_limit` of them cover the
    # timeline, one more tells whether there is more to show.
    checkins = checkins_recent_for_patient(patient=patient, limit=timeline_limit + 1)
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
        days=checkin_days(patient=patient, surgery=surgery),
        checkins=checkins,
        timeline_limit=timeline_limit,
        flags=flags,
        findings=findings,
        responses=responses,
        plan=_plan_data(patient, patient.local_date(now)),
        fever_threshold_c=float(triage_ruleset().param("fever_threshold_c")),
        odi_mcid_target=odi_target,
    )
