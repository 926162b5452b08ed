"""The reminder sweep: claim due rows in batches, decide in bulk, hand messages to notifications.

Per batch the work is a fixed handful of queries whatever its size: claim the rows (FOR UPDATE
SKIP LOCKED, so two sweeps or two beats never take the same row), load what the decisions
need for all its patients at once, one bulk insert of outbox rows with conflict-ignore on the
idempotency key, one bulk update of the next due times. A row that raises is pushed an hour
forward so it cannot wedge the queue (healthchecks' crash-loop protection).

Issue 23 (100,000 reminders in the same minute): rows are read as plain tuples, not model
instances; id lists travel as one array parameter (`__any`: `= ANY(%s)`) and the batch's
statements bind their parameters on the server (core.sql.server_side_binding), because
quoting 5,000-element lists into SQL text in Python cost more than the statements themselves.
"""

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, QuerySet

from core.sql import server_side_binding
from notifications.models import Preference
from notifications.services import Message, notify
from recovery.instruments import due_timepoints
from recovery.models import (
    PATIENT_ZONE_PATH,
    CareTeamMembership,
    CheckIn,
    ChecklistEntry,
    Milestone,
    PlanItem,
    QuestionnaireResponse,
    ReminderSchedule,
    Surgery,
)
from recovery.reminders import wound_photos
from recovery.reminders.caregivers import caregiver_copies
from recovery.reminders.timing import local_date_of, next_occurrence
from recovery.selectors.plans import items_in_force
from recovery.services.triage_facts import triage_ruleset

logger = logging.getLogger(__name__)

DEFAULTS = {
    "SILENCE_PATIENT_DAYS": 2,  # a gentle nudge to the patient
    # Rows claimed per transaction. A batch costs about a dozen statements whatever its size,
    # so large batches keep a same-minute fan-out cheap; 5,000 rows stay locked ~2-5 s.
    "BATCH_SIZE": 5000,
    "MAX_BATCHES_PER_TICK": 100,  # 500,000 reminders a minute; more wait for the next tick
}
RETRY_AFTER_FAILURE = timedelta(hours=1)
SCHEDULE_COLUMNS = (
    "id",
    "kind",
    "wall_time",
    "patient_id",
    "patient__user_id",
    "patient__care_team_id",
    "patient__created_at",
    # The patient's clock: their notification preference's zone (Patient.timezone_name).
    f"patient__{PATIENT_ZONE_PATH}__timezone",
)


def _conf(name: str) -> int:
    return int(getattr(settings, "REMINDERS", {}).get(name, DEFAULTS[name]))


@dataclass
class SweepResult:
    runs: int = 0
    sent: Counter[str] = field(default_factory=Counter)  # outbox rows created, by template

    def add(self, other: "SweepResult") -> None:
        self.runs += other.runs
        self.sent.update(other.sent)


@dataclass(frozen=True)
class _Patient:
    """What the decisions read of a patient (the claim's columns, no model instance)."""

    id: UUID
    user_id: int
    care_team_id: UUID
    created_at: datetime
    tz: ZoneInfo

    def local_date(self, moment: datetime) -> date:
        return local_date_of(moment, self.tz)


@dataclass(frozen=True)
class _Row:
    id: UUID
    kind: str
    wall_time: time
    patient: _Patient

    @property
    def patient_id(self) -> UUID:
        return self.patient.id


@dataclass(frozen=True)
class _Surgery:
    date: date
    technique: str


@dataclass(frozen=True)
class _PatientDay:
    patient: _Patient
    surgery: _Surgery | None
    today: date  # the patient's local date for this run

    @property
    def postop_day(self) -> int | None:
        return (self.today - self.surgery.date).days if self.surgery else None


def _due(now: datetime) -> QuerySet[ReminderSchedule]:
    """Active rows due by `now` (the reminder_due_active partial index)."""
    return ReminderSchedule.objects.filter(active=True, next_due_at__lte=now)


def reminder_batches_due(*, now: datetime) -> int:
    """How many batches the rows due by `now` make (capped per tick; the next tick takes
    the rest)."""
    due = _due(now).count()
    return min(-(-due // _conf("BATCH_SIZE")), _conf("MAX_BATCHES_PER_TICK"))


def reminders_send_due(*, now: datetime, max_batches: int | None = None) -> SweepResult:
    """Run every due reminder row (in batches) and return what was sent."""
    total = SweepResult()
    batches = 0
    while max_batches is None or batches < max_batches:
        result = _run_one_batch(now=now)
        if result.runs == 0:
            break
        total.add(result)
        batches += 1
    return total


def _claim(now: datetime) -> list[_Row]:
    claim = _due(now).order_by("next_due_at")
    if connection.features.has_select_for_update_skip_locked:
        claim = claim.select_for_update(skip_locked=True, of=("self",))
    # Only the columns the decisions read, as tuples: a fan-out loads thousands a minute.
    default_zone = Preference().timezone  # no preference row: the defaults notifications uses
    zones: dict[str, ZoneInfo] = {}
    rows = []
    for (
        row_id,
        kind,
        wall_time,
        patient_id,
        user_id,
        team_id,
        created_at,
        zone,
    ) in claim.values_list(*SCHEDULE_COLUMNS)[: _conf("BATCH_SIZE")]:
        zone = zone or default_zone
        if zone not in zones:
            zones[zone] = ZoneInfo(zone)
        patient = _Patient(patient_id, user_id, team_id, created_at, zones[zone])
        rows.append(_Row(row_id, kind, wall_time, patient))
    return rows


@transaction.atomic
def _run_one_batch(*, now: datetime) -> SweepResult:
    with server_side_binding():
        return _run_claimed(_claim(now), now=now)


def _run_claimed(rows: list[_Row], *, now: datetime) -> SweepResult:
    if not rows:
        return SweepResult()

    patients = {row.patient_id: row.patient for row in rows}
    surgeries = _current_surgeries(patients)
    days = {
        row.id: _PatientDay(
            patient=row.patient,
            surgery=surgeries.get(row.patient_id),
            today=local_date_of(now, row.patient.tz),
        )
        for row in rows
    }
    morning = [days[r.id] for r in rows if r.kind == ReminderSchedule.Kind.MORNING]
    evening = [days[r.id] for r in rows if r.kind == ReminderSchedule.Kind.EVENING]
    failed: set[object] = set()
    messages = _morning_messages(morning, failed, now=now) + _evening_messages(evening, failed)
    # Caregivers with receive_reminders get a copy (issue 22): one query per batch.
    patient_by_user = {p.user_id: p.id for p in patients.values()}
    messages += caregiver_copies(messages, patient_by_user)
    notify(messages)

    _reschedule(rows, now=now, failed=failed)
    return SweepResult(runs=len(rows), sent=Counter(m.template for m in messages))


def _reschedule(rows: list[_Row], *, now: datetime, failed: set[object]) -> None:
    """Move each row to its next occurrence: one UPDATE per distinct next time.

    Rows due in the same minute share a handful of (wall time, zone) pairs, hence of next
    times, so this is a few statements per batch where bulk_update's CASE would be one
    large, slow one.
    """
    by_next: dict[datetime, list[object]] = defaultdict(list)
    occurrences: dict[tuple[time, ZoneInfo], datetime] = {}
    for row in rows:
        if row.patient_id in failed:
            next_due = now + RETRY_AFTER_FAILURE
        else:
            key = (row.wall_time, row.patient.tz)
            if key not in occurrences:
                occurrences[key] = next_occurrence(row.wall_time, row.patient.tz, after=now)
            next_due = occurrences[key]
        by_next[next_due].append(row.id)
    for next_due, ids in by_next.items():
        ReminderSchedule.objects.filter(id__any=ids).update(next_due_at=next_due, last_run_at=now)


def _current_surgeries(patients: Mapping[UUID, _Patient]) -> dict[UUID, _Surgery]:
    latest: dict[UUID, _Surgery] = {}
    surgeries = Surgery.objects.filter(patient_id__any=list(patients)).order_by(
        "date", "created_at"
    )
    for patient_id, day, technique in surgeries.values_list("patient_id", "date", "technique"):
        latest[patient_id] = _Surgery(day, technique)  # later rows win: the most recent one
    return latest


def _last_checkins(patient_ids: list[UUID]) -> dict[UUID, datetime]:
    rows = (
        CheckIn.objects.filter(patient_id__any=patient_ids)
        .values("patient_id")
        .annotate(last=Max("recorded_at"))
    )
    return {row["patient_id"]: row["last"] for row in rows}


def _morning_messages(
    runs: list[_PatientDay], failed: set[object], *, now: datetime
) -> list[Message]:
    if not runs:
        return []
    ids = [run.patient.id for run in runs]
    last_checkin = _last_checkins(ids)
    completed: dict[object, set[tuple[str, str]]] = defaultdict(set)
    for pid, instrument, timepoint in QuestionnaireResponse.objects.filter(
        patient_id__any=ids
    ).values_list("patient_id", "instrument", "timepoint"):
        completed[pid].add((instrument, timepoint))
    upcoming = Milestone.objects.filter(
        plan__patient_id__any=ids,
        status=Milestone.Status.PENDING,
        kind__in=[Milestone.Kind.VISIT, Milestone.Kind.IMAGING],
    ).values_list("id", "plan__patient_id", "day_min")
    milestones_by_patient: dict[object, list[tuple[object, int]]] = defaultdict(list)
    for milestone_id, pid, day_min in upcoming:
        milestones_by_patient[pid].append((milestone_id, day_min))
    photo_sent = wound_photos.photo_days(
        ids, now=now, zones={run.patient.id: run.patient.tz for run in runs}
    )

    def decide(run: _PatientDay) -> list[Message]:
        patient, user_id = run.patient, run.patient.user_id
        out: list[Message] = []
        last = last_checkin.get(patient.id)
        if last is None or local_date_of(last, patient.tz) != run.today:
            out.append(Message(user_id, "checkin_due", f"checkin:{patient.id}:{run.today}"))
        if run.surgery is None or run.postop_day is None:  # both None together
            return out
        enrolled_on = patient.local_date(patient.created_at)
        for due in due_timepoints(run.surgery.date, enrolled_on, run.today, completed[patient.id]):
            if not due.overdue:
                key = f"questionnaire:{patient.id}:{due.timepoint}:{due.instrument}"
                out.append(Message(user_id, "questionnaire_due", key))
        for milestone_id, day_min in milestones_by_patient[patient.id]:
            if day_min == run.postop_day + 1:  # the appointment or scan is tomorrow
                out.append(Message(user_id, "milestone_upcoming", f"milestone:{milestone_id}"))
        if wound_photos.prompt_due(
            technique=run.surgery.technique,
            postop_day=run.postop_day,
            sent_today=(patient.id, run.today) in photo_sent,
        ):
            key = wound_photos.idempotency_key(patient.id, run.today)
            out.append(Message(user_id, wound_photos.TEMPLATE, key))
        return out

    return _decide_each(runs, decide, failed)


def _evening_messages(runs: list[_PatientDay], failed: set[object]) -> list[Message]:
    if not runs:
        return []
    ids = [run.patient.id for run in runs]
    items_by_patient: dict[object, list[PlanItem]] = defaultdict(list)
    daily = PlanItem.objects.filter(
        plan__patient_id__any=ids, retired_at__isnull=True, daily_check=True
    )
    for item in daily.select_related("plan").order_by("position"):
        items_by_patient[item.plan.patient_id].append(item)
    answered: dict[tuple[object, date], set[UUID]] = defaultdict(set)
    for pid, day, item_id in ChecklistEntry.objects.filter(
        patient_id__any=ids, date__in={run.today for run in runs}
    ).values_list("patient_id", "date", "item_id"):
        answered[(pid, day)].add(item_id)
    last_checkin = _last_checkins(ids)
    # The care team's silence threshold and watch window are the triage rule set's (versioned
    # clinical data), so the notice and the silence flag agree.
    rules = triage_ruleset()
    silence_days = int(rules.param("silence_days"))
    silence_watch_days = int(rules.param("silence_watch_days"))
    team_members: dict[object, list[int]] = defaultdict(list)
    for team_id, user_id in CareTeamMembership.objects.filter(
        team_id__any={run.patient.care_team_id for run in runs}
    ).values_list("team_id", "user_id"):
        team_members[team_id].append(user_id)

    def decide(run: _PatientDay) -> list[Message]:
        patient, postop_day = run.patient, run.postop_day
        out: list[Message] = []
        if run.surgery is None or postop_day is None or postop_day < 0:
            return out
        due = items_in_force(items_by_patient[patient.id], postop_day, daily_only=True)
        if due and {i.id for i in due} - answered[(patient.id, run.today)]:
            key = f"checklist:{patient.id}:{run.today}"
            out.append(Message(patient.user_id, "checklist_nudge", key))
        if postop_day > silence_watch_days:
            return out
        last = last_checkin.get(patient.id)
        quiet_since = local_date_of(last, patient.tz) if last else run.surgery.date
        silent_days = (run.today - quiet_since).days
        if silent_days >= _conf("SILENCE_PATIENT_DAYS"):
            key = f"silence:{patient.id}:{run.today}"
            out.append(Message(patient.user_id, "silence_patient", key))
        if silent_days >= silence_days:
            key = f"silence-team:{patient.id}:{run.today}"
            link = f"/dashboard/patients/{patient.id}/"
            out.extend(
                Message(member, "silence_careteam", key, link=link)
                for member in team_members[patient.care_team_id]
            )
        return out

    return _decide_each(runs, decide, failed)


def _decide_each(
    runs: list[_PatientDay], decide: Callable[[_PatientDay], list[Message]], failed: set[object]
) -> list[Message]:
    messages: list[Message] = []
    for run in runs:
        try:
            messages.extend(decide(run))
        except Exception:
            # One bad row must not block everyone else's reminders: log, retry it later.
            logger.exception("reminder decision failed for patient %s", run.patient.id)
            failed.add(run.patient.id)
    return messages
