"""Reads for the care-team worklist, scoped to the clinician, in a fixed number of queries.

Everything a page needs is fetched with select_related/prefetch_related or aggregated in SQL,
so a page issues the same number of queries whatever the number of patients or rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate

from recovery.instruments import due_timepoints, load_instruments, load_schedule
from recovery.models import (
    PATIENT_ZONE_PATH,
    CareTeam,
    CheckIn,
    Flag,
    FlagFinding,
    Milestone,
    Patient,
    QuestionnaireResponse,
    Surgery,
)
from recovery.selectors.caregivers import flag_reporter_subqueries
from recovery.selectors.patients import (
    care_teams_for_clinician,
    current_surgery_subquery,
    postop_day,
)
from recovery.services.triage_facts import triage_ruleset
from recovery.triage.spec import SEVERITIES

# How long a patient listed on the polled worklist is not recorded again for the same
# clinician (the full page always records). Keeps the audit meaningful at one poll per 30 s.
LIST_AUDIT_DEDUPE_SECONDS = 15 * 60
# The attention signals list at most this many patients each.
WORKLIST_FLAG_LIMIT = 200
# The server-rendered worklist's first page: this many patients (one row each, every live
# flag of theirs in the row); a team with more is told so and can filter.
WORKLIST_PATIENT_LIMIT = 50
# What the worklist shows of a patient listed for attention (a link and the name): the
# signals load only these, not every column of up to 200 patients each.
ATTENTION_PATIENT_FIELDS = ("id", "first_name", "last_name")
# Patients are followed for "silence" up to the last questionnaire timepoint (24 months,
# recovery/instruments/schedule.yaml); after that a quiet patient is a recovered one.
FOLLOW_UP_DAYS = 730


def adherence_threshold() -> float:
    """Below this share of answered checklist items kept over 7 days, a patient is listed.

    Project default, no clinical source: settings.DASHBOARD_ADHERENCE_THRESHOLD (0..1).
    """
    return float(getattr(settings, "DASHBOARD_ADHERENCE_THRESHOLD", 0.7))


@dataclass(frozen=True)
class FindingData:
    """One rule that fired on a flag: what it saw and where it came from."""

    rule_id: str
    severity: str
    facts: dict[str, Any]
    checkin_id: Any
    at: datetime


@dataclass(frozen=True)
class FlagItem:
    """A live flag of a worklist row, with every finding recorded on it (oldest first)."""

    flag: Flag
    findings: list[FindingData]

    @property
    def all_facts(self) -> list[dict[str, Any]]:
        # A flag raised before findings were recorded has only its headline's facts.
        return [f.facts for f in self.findings] or [self.flag.facts]


@dataclass(frozen=True)
class PatientRow:
    """One worklist row: a patient with live flags, most severe flag first."""

    patient: Patient
    severity: str  # the most severe live flag's
    flags: list[FlagItem]
    postop_day: int | None
    approach: str
    # When the first unacknowledged finding came in (the current alert round of the oldest
    # open flag); None when every live flag is acknowledged.
    waiting_since: datetime | None
    key: RowKey  # where the row sorts (the API's cursor)

    @property
    def all_facts(self) -> list[dict[str, Any]]:
        return [facts for item in self.flags for facts in item.all_facts]


@dataclass
class Attention:
    """A patient with no live flag who may still need a call today, and why."""

    patient: Patient
    reasons: list[str]
    # Since when (the earliest of the reasons'; None when a reason has no start, such as
    # "no check-in since surgery" or the 7-day adherence).
    since: date | None = None
    # How much the reasons weigh together (ATTENTION_WEIGHTS): the list is ranked by it.
    weight: int = 0


@dataclass
class Worklist:
    rows: list[PatientRow] = field(default_factory=list)
    attention: list[Attention] = field(default_factory=list)
    truncated: bool = False
    attention_note: str = ""

    @property
    def patients(self) -> list[Patient]:
        """Every patient the page shows, once each, for the access log."""
        seen: dict[Any, Patient] = {}
        for row in self.rows:
            seen.setdefault(row.patient.id, row.patient)
        for item in self.attention:
            seen.setdefault(item.patient.id, item.patient)
        return list(seen.values())


def teams_for(*, clinician: Any) -> list[CareTeam]:
    return list(care_teams_for_clinician(clinician=clinician))


# What a worklist row shows of its patient: a link, the name, and the day after surgery
# (which needs the patient's time zone, on their notification preference: PATIENT_ZONE_PATH).
ROW_PATIENT_FIELDS = (
    *ATTENTION_PATIENT_FIELDS,
    "care_team_id",
    "user_id",
    "user__id",
    "user__notification_preference__id",
    "user__notification_preference__timezone",
)
# Flag fields a worklist row never shows: left in the database.
_ROW_DEFERRED = ("sources", "advice", "rationale", "resolution_note", "dismiss_reason")


@dataclass(frozen=True)
class RowKey:
    """Where a row sorts: most severe first; patients waiting on an unacknowledged finding
    before those whose flags are all acknowledged; then the longest wait; then the id."""

    rank: int
    has_open: int
    sort_at: datetime
    patient_id: Any

    @classmethod
    def of(cls, patient: Patient) -> RowKey:
        return cls(patient.top_rank, patient.has_open, patient.sort_at, patient.id)  # type: ignore[attr-defined]


ROW_ORDER = ("-top_rank", "-has_open", "sort_at", "id")


def _after(key: RowKey) -> Q:
    """Rows strictly after `key` in ROW_ORDER (keyset pagination, stable while flags arrive)."""
    return (
        Q(top_rank__lt=key.rank)
        | Q(top_rank=key.rank, has_open__lt=key.has_open)
        | Q(top_rank=key.rank, has_open=key.has_open, sort_at__gt=key.sort_at)
        | Q(
            top_rank=key.rank,
            has_open=key.has_open,
            sort_at=key.sort_at,
            id__gt=key.patient_id,
        )
    )


def findings_by_flag(findings: QuerySet[FlagFinding]) -> dict[Any, list[FindingData]]:
    """Those findings as data, oldest first, by flag id (one query)."""
    found: dict[Any, list[FindingData]] = {}
    for flag_id, rule_id, severity, facts, checkin_id, at in findings.order_by(
        "at", "id"
    ).values_list("flag_id", "rule_id", "severity", "facts", "checkin_id", "at"):
        found.setdefault(flag_id, []).append(FindingData(rule_id, severity, facts, checkin_id, at))
    return found


def worklist_rows(
    *,
    clinician: Any,
    now: datetime,
    limit: int,
    team: CareTeam | None = None,
    severities: list[str] | None = None,
    categories: list[str] | None = None,
    after: RowKey | None = None,
    owner: Any | None = None,
) -> tuple[list[PatientRow], bool]:
    """One row per patient with a live flag, in triage order; (rows, more rows exist).

    Three queries whatever the page size: the page of patients (their keys aggregated over
    their live flags in SQL), those patients' live flags (each with its current surgery's
    date and approach), and every finding of those flags. The filters narrow the flags a row
    is made of (a severity filter shows the patients with such a flag, and those flags).
    `owner` (issue 16, "Mine"): only the patients with a live flag that user owns, with all
    their live flags (the row is the patient).
    """
    teams = care_teams_for_clinician(clinician=clinician)
    if team is not None:
        teams = teams.filter(id=team.id)
    live = Q(flags__status__in=Flag.LIVE_STATUSES)
    flag_filter = Q(status__in=Flag.LIVE_STATUSES)
    if severities:
        live &= Q(flags__severity__in=severities)
        flag_filter &= Q(severity__in=severities)
    if categories:
        live &= Q(flags__category__in=categories)
        flag_filter &= Q(category__in=categories)
    is_open = Q(flags__status=Flag.Status.OPEN)
    patients = (
        # One filter() call: the aggregates below see exactly the live flags it joins.
        Patient.objects.filter(live, care_team_id__in=teams.values("id"))
        .annotate(
            top_rank=Max("flags__severity_rank"),
            has_open=Max(Case(When(is_open, then=Value(1)), default=Value(0))),
            waiting_since=Min(Coalesce("flags__alerted_at", "flags__opened_at"), filter=is_open),
            sort_at=Coalesce(
                Min(Coalesce("flags__alerted_at", "flags__opened_at"), filter=is_open),
                Min("flags__opened_at"),
            ),
        )
        .select_related(PATIENT_ZONE_PATH)
        .only(*ROW_PATIENT_FIELDS)
        .order_by(*ROW_ORDER)
    )
    if after is not None:
        patients = patients.filter(_after(after))
    # issue 16 (flag ownership): "Mine"; EXISTS leaves the row's aggregates over every flag.
    if owner is not None:
        owned = Flag.objects.filter(flag_filter, patient_id=OuterRef("pk"), owner_id=owner.pk)
        patients = patients.filter(Exists(owned))
    page = list(patients[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    if not page:
        return [], False

    latest = current_surgery_subquery("patient_id")
    reporter_name, reporter_relationship = flag_reporter_subqueries()
    flags = (
        Flag.objects.filter(flag_filter, patient_id__in=[p.id for p in page])
        .select_related("acknowledged_by", "owner")  # issue 16: the owner's name on the row
        .defer(*_ROW_DEFERRED)
        .annotate(
            surgery_date=Subquery(latest.values("date")[:1]),
            surgery_approach=Subquery(latest.values("approach")[:1]),
            # issue 22: "reported by Maria (daughter)"
            reported_by_name=reporter_name,
            reported_by_relationship=reporter_relationship,
        )
        .order_by("-severity_rank", "opened_at", "id")
    )
    by_patient: dict[Any, list[Flag]] = {}
    for flag in flags:
        by_patient.setdefault(flag.patient_id, []).append(flag)
    findings = findings_by_flag(
        FlagFinding.objects.filter(flag_id__in=[f.id for fs in by_patient.values() for f in fs])
    )

    rows = []
    for patient in page:
        own = by_patient.get(patient.id, [])
        first = own[0] if own else None
        surgery = None
        if first is not None and first.surgery_date is not None:  # type: ignore[attr-defined]
            surgery = Surgery(date=first.surgery_date, approach=first.surgery_approach)  # type: ignore[attr-defined]
        rows.append(
            PatientRow(
                patient=patient,
                severity=SEVERITIES[patient.top_rank],
                flags=[FlagItem(flag=f, findings=findings.get(f.id, [])) for f in own],
                postop_day=postop_day(patient=patient, surgery=surgery, at=now)
                if surgery
                else None,
                approach=surgery.get_approach_display() if surgery else "",
                waiting_since=patient.waiting_since,
                key=RowKey.of(patient),
            )
        )
    return rows, more


def _silent(*, team_ids: Any, now: datetime, silence_days: int) -> dict[Any, tuple]:
    """Patients in follow-up with no check-in for `silence_days` (one query).

    "No check-in since the cut-off" is a NOT EXISTS over the check-ins recorded since then,
    which the (recorded_at, patient) index answers from the last few days' rows alone; the
    latest check-in date is then looked up (checkin_patient_recent) for the silent patients
    only, instead of aggregating every check-in of the team.
    """
    cutoff = now - timedelta(days=silence_days)
    in_follow_up = Surgery.objects.filter(
        patient=OuterRef("pk"),
        date__gte=(now - timedelta(days=FOLLOW_UP_DAYS)).date(),
        date__lte=cutoff.date(),
    )
    checkins = CheckIn.objects.filter(patient=OuterRef("pk"))
    patients = (
        Patient.objects.filter(care_team_id__in=team_ids)
        .filter(Exists(in_follow_up))
        .exclude(Exists(checkins.filter(recorded_at__gte=cutoff)))
        .annotate(
            last_checkin=Subquery(checkins.order_by("-recorded_at").values("recorded_at")[:1])
        )
        .only(*ATTENTION_PATIENT_FIELDS)
        .order_by("last_checkin", "last_name", "first_name")[:WORKLIST_FLAG_LIMIT]
    )
    found = {}
    for patient in patients:
        if patient.last_checkin is None:
            found[patient.id] = (patient, "No check-in since surgery", None)
        else:
            found[patient.id] = (
                patient,
                f"No check-in for {(now - patient.last_checkin).days} days",
                patient.last_checkin.date(),
            )
    return found


def _worse_than_baseline(*, team_ids: Any) -> dict[Any, tuple]:
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
        answers.filter(patient__care_team_id__in=team_ids, id=Subquery(latest))
        .annotate(baseline=Subquery(baseline))
        .filter(score__gt=F("baseline"))
        .select_related("patient")
        .only(
            "patient_id",
            "score",
            "timepoint",
            "submitted_at",
            *(f"patient__{name}" for name in ATTENTION_PATIENT_FIELDS),
        )[:WORKLIST_FLAG_LIMIT]
    )
    found: dict[Any, tuple] = {}
    for row in rows:
        if row.score is None:  # never: score > baseline is false for NULL
            continue
        found[row.patient_id] = (
            row.patient,
            "Disability score (ODI) worse than before surgery: "
            f"{float(row.score):g} vs {float(row.baseline):g} at {row.get_timepoint_display()}",
            row.submitted_at.date(),
        )
    return found


def _low_adherence(*, team_ids: Any, now: datetime) -> dict[Any, tuple]:
    """Kept share of answered checklist items over the last 7 days under the threshold.

    Same definition as recovery.pathways.adherence (kept / answered); aggregated in one query.
    The dates are UTC dates, which can differ from the patient's by one at the window edge.
    The date filter sits in WHERE (before the aggregate), so only the last 7 days' entries are
    read, through the (date, patient, kept) index, not every entry the team ever answered.
    """
    threshold = adherence_threshold()
    patients = (
        Patient.objects.filter(
            care_team_id__in=team_ids,
            checklist_entries__date__gte=(now - timedelta(days=6)).date(),
        )
        # Counting `kept` (never NULL) counts the same rows as the entry id, and lets the
        # index answer without visiting the table.
        .annotate(
            answered=Count("checklist_entries__kept"),
            kept=Count("checklist_entries__kept", filter=Q(checklist_entries__kept=True)),
        )
        .filter(kept__lt=F("answered") * threshold)
        .only(*ATTENTION_PATIENT_FIELDS)
        .order_by("last_name", "first_name")[:WORKLIST_FLAG_LIMIT]
    )
    return {
        p.id: (
            p,
            f"Checklist kept {round(100 * p.kept / p.answered)}% over the last 7 days",
            None,
        )
        for p in patients
    }


# A missed questionnaire stays on the worklist this long after its window closed.
QUESTIONNAIRE_OVERDUE_DAYS = 30


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


def _overdue_questionnaires(*, team_ids: Any, now: datetime) -> dict[Any, tuple]:
    """Follow-up questionnaires whose window closed recently without an answer (<= 2 queries).

    Windows come from the instrument schedule (recovery.instruments), the same source the
    patient's own due list uses; only windows closed in the last QUESTIONNAIRE_OVERDUE_DAYS.
    """
    today = now.date()
    latest_surgery = current_surgery_subquery("pk").filter(
        date__gte=today - timedelta(days=FOLLOW_UP_DAYS + 60)
    )
    patients = list(
        Patient.objects.filter(care_team_id__in=team_ids)
        # The enrolment date due_timepoints is given below: created_at's UTC date (as
        # created_at.date() of the UTC datetime Django returns).
        .annotate(enrolled_on=TruncDate("created_at", tzinfo=UTC))
        .filter(_may_have_overdue_questionnaire(today))
        # The latest surgery decides the windows, whichever surgery matched above; computed
        # for the remaining patients only.
        .annotate(surgery_date=Subquery(latest_surgery.values("date")[:1]))
        .only(*ATTENTION_PATIENT_FIELDS)
        .distinct()
        .order_by("last_name", "first_name")
    )
    completed: dict[Any, set[tuple[str, str]]] = {p.id: set() for p in patients}
    for pid, instrument, timepoint in QuestionnaireResponse.objects.filter(
        patient_id__in=completed
    ).values_list("patient_id", "instrument", "timepoint"):
        completed[pid].add((instrument, timepoint))
    found: dict[Any, tuple] = {}
    for patient in patients:
        overdue = [
            due
            for due in due_timepoints(
                patient.surgery_date, patient.enrolled_on, today, completed[patient.id]
            )
            if due.overdue
            and due.timepoint != "baseline"
            and (today - due.closes_on).days <= QUESTIONNAIRE_OVERDUE_DAYS
        ]
        if overdue:
            missed = sorted({due.timepoint for due in overdue})
            found[patient.id] = (
                patient,
                "Questionnaire overdue: " + ", ".join(missed),
                min(due.closes_on for due in overdue),
            )
        if len(found) >= WORKLIST_FLAG_LIMIT:
            break
    return found


def milestone_grace_days() -> int:
    """A milestone nobody recorded is listed this many days after its window closed.

    Project default, no clinical source: settings.DASHBOARD_MILESTONE_GRACE_DAYS (7): a visit
    or scan is often recorded a few days late, and a nurse acts on a missed one, not on one
    recorded on Friday instead of Tuesday.
    """
    return int(getattr(settings, "DASHBOARD_MILESTONE_GRACE_DAYS", 7))


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


def _overdue_milestones(*, team_ids: Any, now: datetime) -> dict[Any, tuple]:
    """Pending visits, scans and events whose window closed more than the grace period ago
    and less than MILESTONE_OVERDUE_DAYS after that (one query, patients joined)."""
    grace = timedelta(days=milestone_grace_days())
    today = now.date()
    rows = (
        Milestone.objects.filter(
            plan__patient__care_team_id__in=team_ids,
            status=Milestone.Status.PENDING,
            kind__in=ATTENTION_MILESTONE_KINDS,
            target_date_max__lt=today - grace,
            target_date_max__gte=today - grace - timedelta(days=MILESTONE_OVERDUE_DAYS),
        )
        .select_related("plan__patient")
        .only(
            "title",
            "target_date_max",
            "plan__patient_id",
            *(f"plan__patient__{name}" for name in ATTENTION_PATIENT_FIELDS),
        )
        .order_by("target_date_max")[:WORKLIST_FLAG_LIMIT]
    )
    found: dict[Any, tuple] = {}
    for row in rows:
        patient = row.plan.patient
        _, titles, since = found.get(patient.id, (patient, [], row.target_date_max + grace))
        titles.append(row.title)
        found[patient.id] = (patient, titles, since)
    return {
        pid: (
            patient,
            "Overdue, not recorded: " + "; ".join(titles[:3]) + ("…" if len(titles) > 3 else ""),
            since,
        )
        for pid, (patient, titles, since) in found.items()
    }


# How much each reason weighs when ranking the attention list (project judgement, no
# clinical source): silence and a worse-than-before ODI first, then adherence, then paperwork.
ATTENTION_WEIGHTS = {
    "silence": 4,
    "worse_than_baseline": 4,
    "adherence": 2,
    "questionnaire": 1,
    "milestone": 1,
}


def _attention(*, clinician: Any, team: CareTeam | None, now: datetime) -> tuple[list, str]:
    """Patients with no live flag who may need a call today, with the reasons and since when,
    ranked by risk (the summed ATTENTION_WEIGHTS, then the longest-standing): one aggregate
    query per signal, and one to leave out the patients on the flag list.

    Signals: silence (no check-in for the triage rule set's `silence_days`, during follow-up),
    low checklist adherence, a visit, scan or event overdue beyond its grace period that
    nobody recorded, an overdue questionnaire in its window, a latest ODI worse than baseline.
    """
    silence_days = int(triage_ruleset().param("silence_days"))
    teams = care_teams_for_clinician(clinician=clinician)
    if team is not None:
        teams = teams.filter(id=team.id)
    team_ids = teams.values("id")
    merged: dict[Any, Attention] = {}
    for kind, signal in (
        ("silence", _silent(team_ids=team_ids, now=now, silence_days=silence_days)),
        ("adherence", _low_adherence(team_ids=team_ids, now=now)),
        ("milestone", _overdue_milestones(team_ids=team_ids, now=now)),
        ("questionnaire", _overdue_questionnaires(team_ids=team_ids, now=now)),
        ("worse_than_baseline", _worse_than_baseline(team_ids=team_ids)),
    ):
        for patient_id, (patient, reason, since) in signal.items():
            item = merged.setdefault(patient_id, Attention(patient=patient, reasons=[]))
            item.reasons.append(reason)
            item.weight += ATTENTION_WEIGHTS[kind]
            if since is not None and (item.since is None or since < item.since):
                item.since = since
    if merged:
        # A patient with a live flag is on the flag list: the two lists stay apart.
        flagged = set(
            Flag.objects.filter(
                patient_id__in=list(merged), status__in=Flag.LIVE_STATUSES
            ).values_list("patient_id", flat=True)
        )
        for patient_id in flagged:
            del merged[patient_id]
    ranked = sorted(
        merged.values(), key=lambda a: (-a.weight, a.since is None, a.since or date.max)
    )
    note = (
        f"Patients with no open flag, listed for: no check-in for {silence_days} or more days "
        f"(triage rule set); checklist kept under {round(adherence_threshold() * 100)}% over 7 "
        f"days; a visit, scan or event more than {milestone_grace_days()} days past its window "
        "that nobody recorded; a follow-up questionnaire not answered in its window; or a "
        "latest ODI worse than before surgery. Most pressing first."
    )
    return ranked, note


def worklist(
    *,
    clinician: Any,
    team: CareTeam | None,
    severity: str | None,
    category: str | None,
    now: datetime,
    mine: bool = False,  # issue 16: only patients with a flag the clinician owns
) -> Worklist:
    rows, truncated = worklist_rows(
        clinician=clinician,
        now=now,
        limit=WORKLIST_PATIENT_LIMIT,
        team=team,
        severities=[severity] if severity else None,
        categories=[category] if category else None,
        owner=clinician if mine else None,
    )
    attention, note = _attention(clinician=clinician, team=team, now=now)
    return Worklist(rows=rows, attention=attention, truncated=truncated, attention_note=note)


def patients_not_recently_listed(*, actor: Any, patients: list[Patient]) -> list[Patient]:
    """The patients not yet listed to `actor` within the dedupe window; marks them listed."""
    if not patients:
        return []
    keys = {f"dashboard:listed:{actor.pk}:{p.pk}": p for p in patients}
    already = cache.get_many(list(keys))
    fresh = {key: p for key, p in keys.items() if key not in already}
    if fresh:
        cache.set_many(dict.fromkeys(fresh, 1), timeout=LIST_AUDIT_DEDUPE_SECONDS)
    return list(fresh.values())
