"""Reads of a patient's recovery plan: what is in force, what is due, how well it is kept.

Every function loads a fixed number of queries whatever the plan's size (plan, items,
milestones, entries), then works in memory: a plan holds about a hundred items, and the
day-by-day arithmetic is done by the pure `recovery.pathways` functions.

Days are post-operative days on the patient's own calendar (the surgery date is day 0); the
caller passes `today` (the patient's local date), never the clock.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.db.models import QuerySet, Value
from django.utils import timezone

from core.exceptions import ApplicationError
from recovery.models import (
    ChecklistEntry,
    ClinicianAdjustment,
    Milestone,
    Patient,
    PatientPlan,
    PlanItem,
)
from recovery.pathways import PathwayTemplate, load_pathways
from recovery.pathways.adherence import Adherence, DayRecord, adherence_between

NO_PLAN = "This patient has no recovery plan yet."
# A checklist day can be answered or changed from today back this many days
# (settings.CHECKLIST_GRACE_DAYS; project default, no clinical source).
DEFAULT_GRACE_DAYS = 3


def grace_days() -> int:
    return int(getattr(settings, "CHECKLIST_GRACE_DAYS", DEFAULT_GRACE_DAYS))


def checklist_editable(day: datetime.date, *, today: datetime.date) -> bool:
    """Whether the patient may still record or change the day's checklist (the grace window)."""
    return today - datetime.timedelta(days=grace_days()) <= day <= today


@dataclass(frozen=True)
class PhaseInfo:
    code: str
    title: str
    start_day: int
    end_day: int | None


@dataclass
class PlanSnapshot:
    """A plan with its items and milestones loaded, seen from the patient's `today`."""

    plan: PatientPlan
    items: list[PlanItem]
    milestones: list[Milestone]
    today: datetime.date
    surgery_date: datetime.date = field(init=False)

    def __post_init__(self) -> None:
        self.surgery_date = self.plan.surgery.date

    @property
    def postop_day(self) -> int:
        return self.day_of(self.today)

    def day_of(self, day: datetime.date) -> int:
        return (day - self.surgery_date).days

    def date_of(self, postop_day: int) -> datetime.date:
        return self.surgery_date + datetime.timedelta(days=postop_day)


def pathway_directory() -> Path | None:
    """Where the pathway templates live: settings.PATHWAY_TEMPLATES_DIR, else the package."""
    configured = getattr(settings, "PATHWAY_TEMPLATES_DIR", None)
    return Path(configured) if configured else None


def pathway_templates() -> dict[str, PathwayTemplate]:
    """The loaded templates (cached by the loader). Raises PathwayError."""
    return load_pathways(pathway_directory())


def patient_today(patient: Patient, *, now: datetime.datetime | None = None) -> datetime.date:
    """The patient's calendar date: their time zone decides when a day starts."""
    return patient.local_date(now or timezone.now())


def plan_current(*, patient: Patient) -> PatientPlan | None:
    """The plan of the patient's latest surgery (same order as selectors.current_surgery)."""
    return (
        PatientPlan.objects.select_related("surgery", "patient")
        .filter(patient=patient)
        .order_by("-surgery__date", "-surgery__created_at")
        .first()
    )


def plan_snapshot(*, patient: Patient, today: datetime.date) -> PlanSnapshot:
    """Three queries. Raises ApplicationError (404, code no_plan) when there is no plan."""
    plan = plan_current(patient=patient)
    if plan is None:
        raise ApplicationError(NO_PLAN, code="no_plan", status_code=404)
    items = list(plan.items.filter(retired_at__isnull=True).order_by("position"))
    milestones: list[Milestone] = list(
        plan.milestones.annotate(patient_user_id=Value(patient.user_id)).order_by(
            "day_min", "day_max", "code", "occurrence"
        )
    )
    return PlanSnapshot(plan=plan, items=items, milestones=milestones, today=today)


def items_in_force(
    items: Iterable[PlanItem], postop_day: int, *, daily_only: bool = False
) -> list[PlanItem]:
    """Items whose window contains the day, one per code, in plan order.

    Two items share a code on one day only when a clinician extended a restriction past its
    phase: the extension is the clinician's explicit decision, so it wins over the next
    phase's version of the same item until its new end day.
    """
    chosen: dict[str, PlanItem] = {}
    for item in items:
        if not item.in_force_on(postop_day) or (daily_only and not item.daily_check):
            continue
        current = chosen.get(item.code)
        if current is None or _precedence(item) > _precedence(current):
            chosen[item.code] = item
    picked = {item.pk for item in chosen.values()}
    return [item for item in items if item.pk in picked]


def _precedence(item: PlanItem) -> tuple[bool, int]:
    return (item.is_extended, item.start_day)


def phase_on(items: Sequence[PlanItem], postop_day: int) -> PhaseInfo | None:
    """The template phase containing the day (None before surgery)."""
    for item in items:
        end = item.phase_end_day
        if item.phase_start_day <= postop_day and (end is None or postop_day <= end):
            return PhaseInfo(item.phase_code, item.phase_title_text, item.phase_start_day, end)
    return None


def checklist_for_date(
    *, patient: Patient, day: datetime.date, today: datetime.date
) -> tuple[PlanSnapshot, list[PlanItem], dict[UUID, ChecklistEntry]]:
    """(snapshot, items due that day, entries by item id): four queries."""
    snapshot = plan_snapshot(patient=patient, today=today)
    due = items_in_force(snapshot.items, snapshot.day_of(day), daily_only=True)
    entries = {
        entry.item_id: entry
        for entry in ChecklistEntry.objects.filter(
            patient=patient, date=day, item__in=due
        ).select_related("reported_by_caregiver")
    }
    return snapshot, due, entries


def milestones_for_patient(*, patient: Patient, status: str | None = None) -> QuerySet[Milestone]:
    """The current plan's milestones; paginate with MilestoneCursorPagination."""
    plan = plan_current(patient=patient)
    if plan is None:
        raise ApplicationError(NO_PLAN, code="no_plan", status_code=404)
    queryset = (
        Milestone.objects.filter(plan=plan)
        .select_related("reported_by_caregiver")
        .annotate(patient_user_id=Value(patient.user_id))  # who "recorded_by" is (reported_by)
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def adjustments_for_patient(*, patient: Patient) -> QuerySet[ClinicianAdjustment]:
    return ClinicianAdjustment.objects.filter(patient=patient).select_related("actor")


@dataclass(frozen=True)
class AdherenceWindow:
    start: datetime.date
    end: datetime.date
    result: Adherence


@dataclass(frozen=True)
class AdherenceReport:
    last_7_days: AdherenceWindow
    since_surgery: AdherenceWindow
    titles: dict[str, str]  # item code -> the title of its latest version


def adherence_report(*, snapshot: PlanSnapshot) -> AdherenceReport:
    """Adherence over the last 7 days and since surgery, both ending today (one query).

    What was due on each date is recomputed from the plan as it stands (items in force on
    that date with a daily check); answers are the patient's entries by item code.
    """
    today = snapshot.today
    start = max(snapshot.surgery_date, today - datetime.timedelta(days=6))
    first = snapshot.surgery_date
    entries: dict[datetime.date, dict[str, bool]] = {}
    rows = ChecklistEntry.objects.filter(
        patient_id=snapshot.plan.patient_id, date__gte=first, date__lte=today
    ).values_list("date", "item__code", "kept")
    for day, code, kept in rows:
        entries.setdefault(day, {})[code] = kept

    days: dict[datetime.date, DayRecord] = {}
    day = first
    while day <= today:
        due = items_in_force(snapshot.items, snapshot.day_of(day), daily_only=True)
        days[day] = DayRecord(due=frozenset(i.code for i in due), entries=entries.get(day, {}))
        day += datetime.timedelta(days=1)

    # Name each item by the version in force today, else by its latest version.
    titles = {item.code: item.title_text for item in snapshot.items if item.daily_check}
    titles.update(
        (item.code, item.title_text)
        for item in items_in_force(snapshot.items, snapshot.postop_day, daily_only=True)
    )
    return AdherenceReport(
        last_7_days=AdherenceWindow(start, today, adherence_between(days, start, today)),
        since_surgery=AdherenceWindow(first, today, adherence_between(days, first, today)),
        titles=titles,
    )


# ---------------------------------------------------------------------------------------------
# What the plan endpoints show: one selector per response, returning data (the serializers in
# recovery/api/plan_serializers.py only shape it)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanSummary:
    """The plan as seen on the patient's `today`: what is in force, what is due or overdue."""

    plan: PatientPlan
    surgery_date: datetime.date
    today: datetime.date
    postop_day: int
    phase: PhaseInfo | None
    restrictions: list[PlanItem]
    tasks_and_goals: list[PlanItem]
    upcoming_milestones: list[Milestone]
    overdue_milestones: list[Milestone]
    adherence: AdherenceReport


def plan_summary(*, patient: Patient, now: datetime.datetime) -> PlanSummary:
    """Raises ApplicationError (404, no_plan) when the patient has no plan."""
    snapshot = plan_snapshot(patient=patient, today=patient_today(patient, now=now))
    day = snapshot.postop_day
    in_force = items_in_force(snapshot.items, day)
    pending = [m for m in snapshot.milestones if m.status == Milestone.Status.PENDING]
    return PlanSummary(
        plan=snapshot.plan,
        surgery_date=snapshot.surgery_date,
        today=snapshot.today,
        postop_day=day,
        phase=phase_on(snapshot.items, day),
        restrictions=[i for i in in_force if i.kind == PlanItem.Kind.RESTRICTION],
        tasks_and_goals=[i for i in in_force if i.kind != PlanItem.Kind.RESTRICTION],
        upcoming_milestones=[m for m in pending if m.day_max >= day],
        overdue_milestones=[m for m in pending if m.day_max < day],
        adherence=adherence_report(snapshot=snapshot),
    )


def plan_adherence(*, patient: Patient, now: datetime.datetime) -> AdherenceReport:
    snapshot = plan_snapshot(patient=patient, today=patient_today(patient, now=now))
    return adherence_report(snapshot=snapshot)


@dataclass(frozen=True)
class ChecklistDay:
    date: datetime.date
    surgery_date: datetime.date
    postop_day: int
    phase: PhaseInfo | None
    editable: bool
    grace_days: int
    items: list[PlanItem]
    entries: dict[UUID, ChecklistEntry]


def checklist_day(
    *, patient: Patient, now: datetime.datetime, day: datetime.date | None = None
) -> ChecklistDay:
    """The items due on `day` (default: the patient's today) with their entries."""
    today = patient_today(patient, now=now)
    day = day or today
    snapshot, due, entries = checklist_for_date(patient=patient, day=day, today=today)
    postop = snapshot.day_of(day)
    return ChecklistDay(
        date=day,
        surgery_date=snapshot.surgery_date,
        postop_day=postop,
        phase=phase_on(snapshot.items, postop),
        editable=checklist_editable(day, today=today),
        grace_days=grace_days(),
        items=due,
        entries=entries,
    )
