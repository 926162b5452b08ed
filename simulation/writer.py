"""Storing a simulated cohort with bulk inserts.

The rows are the ones the services would have written (enrollment, plan instantiation,
check-in triage and flag upsert), built directly and inserted in bulk (COPY on PostgreSQL,
`bulk_create` elsewhere: see bulk.py): one transaction per batch of patients, so memory stays
flat and a crash loses one batch.
Not written: activation codes and audit events (the simulated patients never claimed an
account or were looked at), and care-team notifications for simulated history (alerting
about flags already closed would only flood the outbox).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.db import models, transaction

from notifications.models import Preference
from recovery import instruments
from recovery.models import (
    CareTeam,
    CareTeamMembership,
    CheckIn,
    ChecklistEntry,
    Flag,
    FlagFinding,
    Milestone,
    Patient,
    PatientPlan,
    PlanItem,
    QuestionnaireResponse,
    ReminderSchedule,
    Surgery,
)
from recovery.models.checkins import SYMPTOM_FIELDS
from recovery.pathways import milestones_for, pathway_for_technique, plan_items_for
from recovery.reminders.schedule import evening_time
from recovery.reminders.timing import next_occurrence
from recovery.selectors.plans import items_in_force, pathway_templates
from recovery.services.plans import DISCHARGE_MILESTONE, milestone_row, plan_item_row
from recovery.triage import severity_rank
from simulation.bulk import BULK, objects_insert, rows_insert
from simulation.cohort import Profile
from simulation.flags import SimFlag, TriagedPatient
from simulation.questionnaires import Answered

ROLES = ("surgeon", "nurse", "nurse", "coordinator")
# Share of checklist items a patient ticks as kept (no source: project default).
CHECKLIST_KEPT_RATE = 0.88


@dataclass(frozen=True)
class Team:
    team: CareTeam
    timezone: str
    clinician_ids: tuple[int, ...]


@dataclass(frozen=True)
class SimPatient:
    index: int
    profile: Profile
    surgery_date: date
    timezone: str
    triaged: TriagedPatient
    questionnaires: tuple[Answered, ...] = ()


def team_name(seed: int, number: int) -> str:
    return f"Simulated Spine Team s{seed}-{number:02d}"


def username_prefix(seed: int) -> str:
    return f"sim{seed}-"


def _unusable_password(rng: random.Random) -> str:
    # What set_unusable_password stores, from the seeded generator instead of the OS.
    return UNUSABLE_PASSWORD_PREFIX + rng.randbytes(20).hex()


@transaction.atomic
def teams_create(
    *, seed: int, count: int, timezones: Sequence[str], password: str | None
) -> list[Team]:
    """Care teams with a surgeon, two nurses and a coordinator each."""
    User = get_user_model()
    rng = random.Random(f"{seed}:teams")
    hashed = make_password(password) if password else None
    teams = []
    for number in range(1, count + 1):
        team = CareTeam.objects.create(name=team_name(seed, number))
        users = User.objects.bulk_create(
            User(
                username=f"{username_prefix(seed)}t{number:02d}-{role}{n}",
                password=hashed or _unusable_password(rng),
                is_active=True,
            )
            for n, role in enumerate(ROLES, start=1)
        )
        CareTeamMembership.objects.bulk_create(
            CareTeamMembership(team=team, user=user, role=role)
            for user, role in zip(users, ROLES, strict=True)
        )
        timezone = timezones[(number - 1) % len(timezones)]
        teams.append(Team(team=team, timezone=timezone, clinician_ids=tuple(u.id for u in users)))
    return teams


def team_existing(*, name: str, timezone: str) -> Team | None:
    """An existing care team to simulate into (the demo team, issue 16), or None."""
    team = CareTeam.objects.filter(name=name).first()
    if team is None:
        return None
    members = tuple(
        CareTeamMembership.objects.filter(team=team)
        .order_by("id")
        .values_list("user_id", flat=True)
    )
    return Team(team=team, timezone=timezone, clinician_ids=members)


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _patient(sim: SimPatient, *, user: Any, team: CareTeam, rng: random.Random) -> Patient:
    p = sim.profile
    born = date(sim.surgery_date.year - p.age, rng.randint(1, 12), rng.randint(1, 28))
    return Patient(
        id=uuid.UUID(bytes=rng.randbytes(16), version=4),
        user=user,
        care_team=team,
        first_name="Sim",
        last_name=f"Patient {sim.index:06d}",
        date_of_birth=born,
        sex=p.sex,
        smoking_status=p.smoking_status,
        # Former smokers quit one to ten years before the operation.
        smoking_quit_date=(
            sim.surgery_date.replace(year=sim.surgery_date.year - rng.randint(1, 10), day=1)
            if p.smoking_status == "former"
            else None
        ),
        diabetes=p.diabetes,
        hba1c=_decimal(p.hba1c),
        bmi=_decimal(p.bmi),
        bone_quality=p.bone_quality,
        t_score=_decimal(p.t_score),
        steroid_use=p.steroid_use,
    )


def _surgery(sim: SimPatient, patient: Patient, created_by: int, rng: random.Random) -> Surgery:
    p = sim.profile
    return Surgery(
        id=uuid.UUID(bytes=rng.randbytes(16), version=4),
        patient=patient,
        date=sim.surgery_date,
        levels="L3-L4",
        indication=p.indication,
        approach=p.approach,
        technique=p.technique,
        brace_prescribed=p.brace_prescribed,
        discharge_date=sim.surgery_date + timedelta(days=p.length_of_stay),
        surgeon="Simulated surgeon",
        created_by_id=created_by,
    )


class _RiskProfile(TypedDict):
    """A plan's risk_profile: what plan_items_for and milestones_for select on."""

    brace_prescribed: bool
    smoking_status: str


def _plan(surgery: Surgery, patient: Patient, templates: Any) -> tuple[PatientPlan, list, list]:
    """plan_instantiate's rows, built from the same pure pathway functions."""
    template = pathway_for_technique(surgery.technique, templates)
    risk: _RiskProfile = {
        "brace_prescribed": surgery.brace_prescribed,
        "smoking_status": patient.smoking_status,
    }
    plan = PatientPlan(
        id=uuid.uuid4(),
        patient=patient,
        surgery=surgery,
        template_code=template.code,
        template_version=template.version,
        risk_profile=risk,
    )
    titles = {phase.code: phase.title for phase in template.phases}
    items = [
        plan_item_row(
            plan, spec, phase_title=titles[spec.phase_code], position=n, start_day=spec.start_day
        )
        for n, spec in enumerate(plan_items_for(template, **risk))
    ]
    milestones = [
        milestone_row(plan, spec, surgery.date) for spec in milestones_for(template, **risk)
    ]
    return plan, items, milestones


# Share of past milestones recorded, by kind: a team records nearly every visit and scan it
# sees; a patient marks most of their goals. The rest stay pending, as in a real clinic
# (the worklist lists those overdue beyond their grace period). Simulation assumptions.
RECORDED_SHARE = {"visit": 0.97, "imaging": 0.97, "event": 0.97, "goal": 0.8}


def _milestones_recorded(
    milestones: list[Milestone], surgery: Surgery, *, today: date, rng: random.Random
) -> list[Milestone]:
    """Settle the milestones whose window has closed as a team and patient would have: the
    discharge on the discharge date (as enrollment does), others achieved in their window
    with the RECORDED_SHARE chance. Own random stream: the other rows stay as they were."""
    for m in milestones:
        if m.code == DISCHARGE_MILESTONE and surgery.discharge_date:
            if surgery.discharge_date <= today:
                m.status, m.achieved_on = Milestone.Status.ACHIEVED, surgery.discharge_date
        elif m.target_date_max < today and rng.random() < RECORDED_SHARE.get(m.kind, 0.9):
            span = (m.target_date_max - m.target_date_min).days
            m.status = Milestone.Status.ACHIEVED
            m.achieved_on = m.target_date_min + timedelta(days=rng.randint(0, span))
        if m.status == Milestone.Status.ACHIEVED and m.achieved_on is not None:
            m.status_changed_at = datetime.combine(m.achieved_on, time(12), tzinfo=UTC)
    return milestones


def _flag_row(flag: SimFlag, patient: Patient, clinicians: tuple[int, ...]) -> Flag:
    finding = flag.finding
    actor = clinicians[flag.actor % len(clinicians)]
    return Flag(
        id=flag.id,
        patient=patient,
        category=flag.category,
        severity=finding.severity,
        severity_rank=severity_rank(finding.severity),
        status=flag.status,
        origin=flag.origin,
        rule_id=finding.rule_id,
        rule_version=finding.rule_version,
        ruleset_version=finding.ruleset_version,
        facts=finding.facts,
        advice=finding.advice,
        rationale=finding.rationale,
        sources=list(finding.sources),
        opened_at=flag.opened_at,
        updated_at=flag.updated_at,
        alerted_at=flag.alerted_at,
        acknowledged_by_id=actor if flag.acknowledged_at else None,
        acknowledged_at=flag.acknowledged_at,
        resolved_by_id=actor if flag.resolved_at else None,
        resolved_at=flag.resolved_at,
        resolution_outcome=flag.resolution_outcome,
    )


def _finding_rows(flag: SimFlag) -> list[FlagFinding]:
    return [
        FlagFinding(
            flag_id=flag.id,
            rule_id=item.finding.rule_id,
            rule_version=item.finding.rule_version,
            ruleset_version=item.finding.ruleset_version,
            severity=item.finding.severity,
            facts=item.finding.facts,
            checkin_id=item.checkin_id,
            at=item.at,
        )
        for item in flag.findings
    ]


def _response(
    answered: Answered, patient: Patient, surgery: Surgery, rng: random.Random
) -> QuestionnaireResponse:
    """questionnaire_submit's row: scored on the server by the instrument package."""
    result = instruments.score(answered.instrument, answered.answers)
    details = dict(result.details)
    if result.reason:
        details["reason"] = result.reason
    return QuestionnaireResponse(
        id=uuid.UUID(bytes=rng.randbytes(16), version=4),
        patient=patient,
        surgery=surgery,
        instrument=result.instrument,
        instrument_version=result.instrument_version,
        definition_version=result.definition_version,
        timepoint=answered.timepoint,
        answers=answered.answers,
        score=None if result.score is None else Decimal(str(result.score)),
        scores=result.scores,
        valid=result.valid,
        details=details,
        submitted_at=answered.submitted_at,
    )


class _Rows:
    """Every row of one batch, by table, in insertion order."""

    def __init__(self) -> None:
        self.users: list[Any] = []
        self.patients: list[Patient] = []
        self.surgeries: list[Surgery] = []
        self.preferences: list[Preference] = []
        self.plans: list[PatientPlan] = []
        self.items: list[PlanItem] = []
        self.milestones: list[Milestone] = []
        self.checkins: list[CheckIn] = []
        self.flags: list[Flag] = []
        self.findings: list[FlagFinding] = []
        self.links: list[Any] = []
        self.entries: list[tuple[Any, ...]] = []  # CHECKLIST_COLUMNS
        self.responses: list[QuestionnaireResponse] = []
        self.reminders: list[ReminderSchedule] = []


def _checkins(sim: SimPatient, patient: Patient, surgery: Surgery) -> list[CheckIn]:
    rows = []
    for report in sim.triaged.reports:
        rows.append(
            CheckIn(
                id=report.id,
                patient=patient,
                surgery=surgery,
                recorded_at=report.recorded_at,
                received_at=report.received_at,
                postop_day=report.postop_day,
                flags=sim.triaged.shown.get(report.id, []),
                **{name: report.symptoms.get(name) for name in SYMPTOM_FIELDS},
            )
        )
    return rows


CHECKLIST_COLUMNS = ("patient_id", "item_id", "date", "kept")


def _checklist(
    sim: SimPatient, patient: Patient, items: list[PlanItem], rng: random.Random
) -> list[tuple[Any, ...]]:
    """On each day with a check-in, the patient also ticks that day's daily items.

    Plain tuples (CHECKLIST_COLUMNS), not instances: these are most of the cohort's rows."""
    kept_rate = CHECKLIST_KEPT_RATE * (0.8 + 0.2 * sim.profile.engagement)
    # Same answer as over all items (daily_only keeps plan order), a quarter of the work.
    daily = [item for item in items if item.daily_check]
    return [
        (patient.id, item.id, report.local_date, rng.random() < kept_rate)
        for report in sim.triaged.reports
        for item in items_in_force(daily, report.postop_day, daily_only=True)
    ]


def _reminders(patient: Patient, preference: Preference, now: datetime) -> list[ReminderSchedule]:
    """reminder_schedules_sync's rows: morning at the chosen time, evening nudge."""
    times = {
        ReminderSchedule.Kind.MORNING: preference.checkin_reminder_time,
        ReminderSchedule.Kind.EVENING: evening_time(),
    }
    return [
        ReminderSchedule(
            patient=patient,
            kind=kind,
            wall_time=wall_time,
            # The preference row is not saved yet, so patient.tz would not find it.
            next_due_at=next_occurrence(wall_time, ZoneInfo(preference.timezone), after=now),
        )
        for kind, wall_time in times.items()
    ]


@transaction.atomic
def patients_write(
    *, seed: int, sims: Sequence[SimPatient], teams: Sequence[Team], now: datetime
) -> dict:
    """Insert one batch of simulated patients and everything they produced; returns counts."""
    User = get_user_model()
    templates = pathway_templates()
    rows = _Rows()
    for sim in sims:
        rng = random.Random(f"{seed}:{sim.index}:rows")
        rows.users.append(
            User(
                username=f"{username_prefix(seed)}p{sim.index:06d}",
                password=_unusable_password(rng),
                is_active=True,
            )
        )
    User.objects.bulk_create(rows.users, batch_size=BULK)

    through = Flag.checkins.through
    for sim, user in zip(sims, rows.users, strict=True):
        rng = random.Random(f"{seed}:{sim.index}:rows")
        rng.randbytes(20)  # the password's bytes, drawn above
        team = teams[sim.index % len(teams)]
        patient = _patient(sim, user=user, team=team.team, rng=rng)
        surgery = _surgery(sim, patient, team.clinician_ids[0], rng)
        plan, items, milestones = _plan(surgery, patient, templates)
        rows.patients.append(patient)
        rows.surgeries.append(surgery)
        # The patient's zone is stored once, here (Patient.timezone_name reads it).
        preference = Preference(user=user, timezone=sim.timezone)
        rows.preferences.append(preference)
        rows.reminders += _reminders(patient, preference, now)
        rows.plans.append(plan)
        rows.items += items
        rows.milestones += _milestones_recorded(
            milestones, surgery, today=now.date(), rng=random.Random(f"{seed}:{sim.index}:ms")
        )
        rows.checkins += _checkins(sim, patient, surgery)
        rows.entries += _checklist(sim, patient, items, rng)
        rows.responses += [_response(a, patient, surgery, rng) for a in sim.questionnaires]
        for flag in sim.triaged.flags:
            rows.flags.append(_flag_row(flag, patient, team.clinician_ids))
            rows.findings += _finding_rows(flag)
            rows.links += [through(flag_id=flag.id, checkin_id=c) for c in flag.checkin_ids]

    # Declared once for both loops below, which mix models.
    model: type[models.Model]
    objects: Sequence[models.Model]
    for model, objects in (
        (Patient, rows.patients),
        (Surgery, rows.surgeries),
        (Preference, rows.preferences),
        (PatientPlan, rows.plans),
        (PlanItem, rows.items),
        (Milestone, rows.milestones),
        (CheckIn, rows.checkins),
    ):
        objects_insert(model, objects)
    rows_insert(ChecklistEntry, CHECKLIST_COLUMNS, rows.entries)
    for model, objects in (
        (QuestionnaireResponse, rows.responses),
        (ReminderSchedule, rows.reminders),
        (Flag, rows.flags),
        (FlagFinding, rows.findings),
        (through, rows.links),
    ):
        objects_insert(model, objects)
    return {
        "patients": len(rows.patients),
        "checkins": len(rows.checkins),
        "checklist_entries": len(rows.entries),
        "flags": len(rows.flags),
        "plan_items": len(rows.items),
        "questionnaire_responses": len(rows.responses),
    }


def simulation_now_for(last_date: date, now: datetime) -> datetime:
    """The simulation stops at `now`, or at the end of `last_date` (UTC) if that is earlier."""
    end = datetime.combine(last_date + timedelta(days=1), time(), tzinfo=UTC)
    return min(now, end)
