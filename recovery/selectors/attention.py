"""The worklist's "needs attention" signals, computed from the source rows (issue 16, item 8).

Each signal is one set-based query (two for questionnaires) over a scope of patients: a set of
teams (the beat's sweep, or the worklist recomputing a stale team) or one patient (the writes
that change a reason). recovery.services.attention stores what they find as AttentionSignal
rows; recovery.selectors.worklist reads those rows and words them with `now`.

Signals: silence (no check-in for the triage rule set's `silence_days`, during follow-up),
low checklist adherence over 7 days, a visit, scan or event overdue beyond its grace period
that nobody recorded, a follow-up questionnaire not answered in its window, a latest ODI
worse than baseline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import TruncDate

from recovery.instruments import due_timepoints, load_instruments, load_schedule
from recovery.models import CheckIn, Milestone, Patient, QuestionnaireResponse, Surgery
from recovery.models.attention import AttentionSignal
from recovery.selectors.patients import current_surgery_subquery
from recovery.services.triage_facts import triage_ruleset

Reason = AttentionSignal.Reason

# Patients are followed for "silence" up to the last questionnaire timepoint (24 months,
# recovery/instruments/schedule.yaml); after that a quiet patient is a recovered one.
FOLLOW_UP_DAYS = 730
# A missed questionnaire stays on the worklist this long after its window closed.
QUESTIONNAIRE_OVERDUE_DAYS = 30
# Overdue milestones stay on the list this long after their grace period (as questionnaires):
# one missed months ago is the plan's history, not today's call.
MILESTONE_OVERDUE_DAYS = 30
# Goals (back to work, off opioids) are wide ranges that vary between patients: a late goal
# is not a reason to call today (slow recovery shows in pain, adherence and the ODI).
ATTENTION_MILESTONE_KINDS = (
    Milestone.Kind.EVENT,
    Milestone.Kind.VISIT,
    Milestone.Kind.IMAGING,
)


def adherence_threshold() -> float:
    """Below this share of answered checklist items kept over 7 days, a patient is listed.

    Project default, no clinical source: settings.DASHBOARD_ADHERENCE_THRESHOLD (0..1).
    """
    return float(getattr(settings, "DASHBOARD_ADHERENCE_THRESHOLD", 0.7))


def milestone_grace_days() -> int:
    """A milestone nobody recorded is listed this many days after its window closed.

    Project default, no clinical source: settings.DASHBOARD_MILESTONE_GRACE_DAYS (7): a visit
    or scan is often recorded a few days late, and a nurse acts on a missed one, not on one
    recorded on Friday instead of Tuesday.
    """
    return int(getattr(settings, "DASHBOARD_MILESTONE_GRACE_DAYS", 7))


def silence_days() -> int:
    return int(triage_ruleset().param("silence_days"))


def silence_days_if_set() -> int | None:
    """The rule set's silence window, or None for a rule set without one (a site's own rules):
    the check-in path must never fail on the summary's bookkeeping."""
    parameter = triage_ruleset().parameters.get("silence_days")
    return None if parameter is None else int(parameter.value)


@dataclass(frozen=True)
class Signal:
    """One reason one patient is listed: what an AttentionSignal row stores."""

    patient_id: Any
    care_team_id: Any
    reason: str
    since: date | None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scope:
    """Whose signals to compute: the patients of some teams, or a few patients."""

    team_ids: Any = None  # a list or a values("id") queryset
    patient_ids: list[Any] | None = None

    def patients(self) -> Q:
        scope = Q()
        if self.team_ids is not None:
            scope &= Q(care_team_id__in=self.team_ids)
        if self.patient_ids is not None:
            scope &= Q(id__in=self.patient_ids)
        return scope

    def via(self, path: str) -> Q:
        """The same scope seen from a model that reaches the patient through `path`."""
        scope = Q()
        if self.team_ids is not None:
            scope &= Q(**{f"{path}__care_team_id__in": self.team_ids})
        if self.patient_ids is not None:
            scope &= Q(**{f"{path}_id__in": self.patient_ids})
        return scope


def _silent(scope: Scope, now: datetime) -> Iterable[Signal]:
    """Patients in follow-up with no check-in for `silence_days` (one query).

    "No check-in since the cut-off" is a NOT EXISTS over the check-ins recorded since then,
    which the (recorded_at, patient) index answers from the last few days' rows alone; the
    latest check-in is then looked up (checkin_patient_recent) for the silent patients only.
    """
    cutoff = now - timedelta(days=silence_days())
    in_follow_up = Surgery.objects.filter(
        patient=OuterRef("pk"),
        date__gte=(now - timedelta(days=FOLLOW_UP_DAYS)).date(),
        date__lte=cutoff.date(),
    )
    checkins = CheckIn.objects.filter(patient=OuterRef("pk"))
    rows = (
        Patient.objects.filter(scope.patients())
        .filter(Exists(in_follow_up))
        .exclude(Exists(checkins.filter(recorded_at__gte=cutoff)))
        .annotate(
            last_checkin=Subquery(checkins.order_by("-recorded_at").values("recorded_at")[:1])
        )
        .values_list("id", "care_team_id", "last_checkin")
    )
    for patient_id, team_id, last in rows:
        yield Signal(
            patient_id,
            team_id,
            Reason.SILENCE,
            last.date() if last is not None else None,
            {"last_checkin": last.isoformat() if last is not None else None},
        )


def _low_adherence(scope: Scope, now: datetime) -> Iterable[Signal]:
    """Kept share of answered checklist items over the last 7 days under the threshold.

    Same definition as recovery.pathways.adherence (kept / answered); aggregated in one query.
    The dates are UTC dates, which can differ from the patient's by one at the window edge.
    The date filter sits in WHERE (before the aggregate), so only the last 7 days' entries are
    read, through the (date, patient, kept) index, not every entry the team ever answered.
    """
    rows = (
        Patient.objects.filter(
            scope.patients(),
            checklist_entries__date__gte=(now - timedelta(days=6)).date(),
        )
        # Counting `kept` (never NULL) counts the same rows as the entry id, and lets the
        # index answer without visiting the table.
        .annotate(
            answered=Count("checklist_entries__kept"),
            kept=Count("checklist_entries__kept", filter=Q(checklist_entries__kept=True)),
        )
        .filter(kept__lt=F("answered") * adherence_threshold())
        .values_list("id", "care_team_id", "kept", "answered")
    )
    for patient_id, team_id, kept, answered in rows:
        percent = round(100 * kept / answered)
        yield Signal(patient_id, team_id, Reason.ADHERENCE, None, {"percent": percent})


def _overdue_milestones(scope: Scope, now: datetime) -> Iterable[Signal]:
    """Pending visits, scans and events whose window closed more than the grace period ago
    and less than MILESTONE_OVERDUE_DAYS after that (one query, the pending-due index)."""
    grace = timedelta(days=milestone_grace_days())
    today = now.date()
    rows = (
        Milestone.objects.filter(
            scope.via("plan__patient"),
            status=Milestone.Status.PENDING,
            kind__in=ATTENTION_MILESTONE_KINDS,
            target_date_max__lt=today - grace,
            target_date_max__gte=today - grace - timedelta(days=MILESTONE_OVERDUE_DAYS),
        )
        .order_by("target_date_max", "id")
        .values_list("plan__patient_id", "plan__patient__care_team_id", "title", "target_date_max")
    )
    found: dict[Any, tuple[Any, list[str], date]] = {}
    for patient_id, team_id, title, target_date_max in rows:
        _, titles, _ = found.setdefault(patient_id, (team_id, [], target_date_max + grace))
        titles.append(title)
    for patient_id, (team_id, titles, since) in found.items():
        yield Signal(patient_id, team_id, Reason.MILESTONE, since, {"titles": titles})


def _may_have_overdue_questionnaire(today: date) -> Q:
    """Patients with a surgery after which some follow-up window closed in the last
    QUESTIONNAIRE_OVERDUE_DAYS with an enabled instrument unanswered: the schedule's
    arithmetic as a condition on the joined surgery row.

    A window closes a fixed number of days after surgery, is left out when the patient
    enrolled after it closed (`enrolled_on` annotation), and is answered when every enabled
    instrument has a response for its timepoint. A necessary condition only: it lets the
    database skip the patients with nothing overdue (most of a team), and the schedule itself
    (due_timepoints, the authority) then runs in Python for the few that remain.
    """
    schedule = load_schedule()
    enabled = {code for code, i in load_instruments().items() if i.enabled}
    answered = QuestionnaireResponse.objects.filter(patient=OuterRef("pk"))
    candidates = Q(pk__in=[])
    for tp in schedule.follow_ups:
        codes = [code for code in tp.instruments if code in enabled]
        if not codes:
            continue
        closes_after = timedelta(days=tp.target_day + schedule.window_days(tp))
        earliest = today - closes_after - timedelta(days=QUESTIONNAIRE_OVERDUE_DAYS)
        unanswered = Q()
        for code in codes:
            unanswered |= Q(~Exists(answered.filter(instrument=code, timepoint=tp.code)))
        candidates |= (
            Q(
                surgeries__date__gte=earliest,
                surgeries__date__lt=today - closes_after,
            )
            & Q(
                surgeries__date__gte=ExpressionWrapper(
                    F("enrolled_on") - closes_after, output_field=DateField()
                )
            )
            & unanswered
        )
    return candidates


def _overdue_questionnaires(scope: Scope, now: datetime) -> Iterable[Signal]:
    """Follow-up questionnaires whose window closed recently without an answer (<= 2 queries).

    Windows come from the instrument schedule (recovery.instruments), the same source the
    patient's own due list uses; only windows closed in the last QUESTIONNAIRE_OVERDUE_DAYS.
    """
    today = now.date()
    latest_surgery = current_surgery_subquery("pk").filter(
        date__gte=today - timedelta(days=FOLLOW_UP_DAYS + 60)
    )
    patients = list(
        Patient.objects.filter(scope.patients())
        # The enrolment date due_timepoints is given below: created_at's UTC date (as
        # created_at.date() of the UTC datetime Django returns).
        .annotate(enrolled_on=TruncDate("created_at", tzinfo=UTC))
        .filter(_may_have_overdue_questionnaire(today))
        # The latest surgery decides the windows, whichever surgery matched above; computed
        # for the remaining patients only.
        .annotate(surgery_date=Subquery(latest_surgery.values("date")[:1]))
        .distinct()
        .values_list("id", "care_team_id", "enrolled_on", "surgery_date")
    )
    if not patients:
        return
    completed: dict[Any, set[tuple[str, str]]] = {pid: set() for pid, _, _, _ in patients}
    for pid, instrument, timepoint in QuestionnaireResponse.objects.filter(
        patient_id__in=completed
    ).values_list("patient_id", "instrument", "timepoint"):
        completed[pid].add((instrument, timepoint))
    for patient_id, team_id, enrolled_on, surgery_date in patients:
        overdue = [
            due
            for due in due_timepoints(surgery_date, enrolled_on, today, completed[patient_id])
            if due.overdue
            and due.timepoint != "baseline"
            and (today - due.closes_on).days <= QUESTIONNAIRE_OVERDUE_DAYS
        ]
        if overdue:
            yield Signal(
                patient_id,
                team_id,
                Reason.QUESTIONNAIRE,
                min(due.closes_on for due in overdue),
                {"timepoints": sorted({due.timepoint for due in overdue})},
            )


def _worse_than_baseline(scope: Scope, now: datetime) -> Iterable[Signal]:
    """Patients whose latest follow-up ODI is worse than their baseline (one query)."""
    answers = QuestionnaireResponse.objects.filter(instrument="odi", valid=True)
    baseline = answers.filter(patient=OuterRef("patient_id"), timepoint="baseline").values("score")[
        :1
    ]
    latest = (
        answers.filter(patient=OuterRef("patient_id"))
        .exclude(timepoint="baseline")
        .order_by("-submitted_at")
        .values("id")[:1]
    )
    rows = (
        answers.filter(scope.via("patient"), id=Subquery(latest))
        .annotate(baseline=Subquery(baseline))
        .filter(score__gt=F("baseline"))
        .values_list(
            "patient_id", "patient__care_team_id", "score", "baseline", "timepoint", "submitted_at"
        )
    )
    for patient_id, team_id, score, baseline_score, timepoint, submitted_at in rows:
        if score is None:  # never: score > baseline is false for NULL
            continue
        yield Signal(
            patient_id,
            team_id,
            Reason.WORSE_THAN_BASELINE,
            submitted_at.date(),
            {"score": float(score), "baseline": float(baseline_score), "timepoint": timepoint},
        )


# The order a patient's reasons are listed in (and computed in).
SIGNALS = (
    (Reason.SILENCE, _silent),
    (Reason.ADHERENCE, _low_adherence),
    (Reason.MILESTONE, _overdue_milestones),
    (Reason.QUESTIONNAIRE, _overdue_questionnaires),
    (Reason.WORSE_THAN_BASELINE, _worse_than_baseline),
)


def attention_signals_compute(*, scope: Scope, now: datetime) -> list[Signal]:
    """Every signal of every patient in `scope` as of `now` (one or two queries a signal,
    whatever the number of patients)."""
    return [signal for _, compute in SIGNALS for signal in compute(scope, now)]
