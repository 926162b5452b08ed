"""Reads for the dashboard pages, scoped to the clinician, in a fixed number of queries.

Everything a page needs is fetched with select_related/prefetch_related or aggregated in SQL,
so a page issues the same number of queries whatever the number of patients or rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils.safestring import SafeString, mark_safe

from recovery.dashboard import charts
from recovery.dashboard.caregivers import (
    CHECKIN_REPORTER_COLUMNS,
    flag_reporter_annotations,
    with_reporter,
)
from recovery.dashboard.summary import (
    RiskFactor,
    age_on,
    mcid_target,
    phase_markers,
    risk_factors,
)
from recovery.instruments import due_timepoints, load_instruments, load_schedule
from recovery.models import (
    CareTeam,
    CheckIn,
    ChecklistEntry,
    ClinicianAdjustment,
    Flag,
    Milestone,
    Patient,
    PatientPlan,
    QuestionnaireResponse,
    Surgery,
)
from recovery.pathways.adherence import DayRecord, adherence
from recovery.plan_selectors import items_in_force
from recovery.selectors import (
    care_teams_for_clinician,
    current_surgery,
    current_surgery_subquery,
    postop_day,
)
from recovery.services.triage_facts import triage_ruleset

# How long a patient listed on the polled worklist is not recorded again for the same
# clinician (the full page always records). Keeps the audit meaningful at one poll per 30 s.
LIST_AUDIT_DEDUPE_SECONDS = 15 * 60
# The worklist shows at most this many flags; a team with more is told so.
WORKLIST_FLAG_LIMIT = 200
# What the worklist shows of a patient listed for attention (a link and the name): the
# signals load only these, not every column of up to 200 patients each.
ATTENTION_PATIENT_FIELDS = ("id", "first_name", "last_name")
# Patients are followed for "silence" up to the last questionnaire timepoint (24 months,
# recovery/instruments/schedule.yaml); after that a quiet patient is a recovered one.
FOLLOW_UP_DAYS = 730
# The patient page charts and timeline cover this many of the most recent check-ins.
PATIENT_CHECKIN_LIMIT = 400
TIMELINE_LIMIT = 300
# The adherence heat strip covers the last this-many days of the plan.
HEAT_STRIP_DAYS = 42


def adherence_threshold() -> float:
    """Below this share of answered checklist items kept over 7 days, a patient is listed.

    Project default, no clinical source: settings.DASHBOARD_ADHERENCE_THRESHOLD (0..1).
    """
    return float(getattr(settings, "DASHBOARD_ADHERENCE_THRESHOLD", 0.7))


@dataclass(frozen=True)
class FlagRow:
    flag: Flag
    postop_day: int | None
    approach: str


@dataclass(frozen=True)
class Attention:
    patient: Patient
    reasons: list[str]


@dataclass
class Worklist:
    flags: list[FlagRow] = field(default_factory=list)
    attention: list[Attention] = field(default_factory=list)
    truncated: bool = False
    attention_note: str = ""

    @property
    def patients(self) -> list[Patient]:
        """Every patient the page shows, once each, for the access log."""
        seen: dict[Any, Patient] = {}
        for row in self.flags:
            seen.setdefault(row.flag.patient_id, row.flag.patient)
        for item in self.attention:
            seen.setdefault(item.patient.id, item.patient)
        return list(seen.values())


@dataclass(frozen=True)
class Chart:
    key: str
    heading: str
    svg: SafeString
    note: str = ""
    headers: tuple[str, ...] = ()
    rows: list[tuple[object, ...]] = field(default_factory=list)


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    kind: str
    kind_label: str
    text: str


@dataclass
class PatientPage:
    surgery: Surgery | None
    postop_day: int | None
    phase: str
    age: int
    risk_factors: list[RiskFactor]
    phases: list[tuple[int, str]]
    live_flags: list[Flag] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    timeline: list[TimelineEvent] = field(default_factory=list)
    overdue_milestones: list[Any] = field(default_factory=list)


def teams_for(*, clinician: Any) -> list[CareTeam]:
    return list(care_teams_for_clinician(clinician=clinician))


def flag_list_for_clinician(*, clinician: Any) -> QuerySet[Flag]:
    team_ids = care_teams_for_clinician(clinician=clinician).values("id")
    return Flag.objects.filter(patient__care_team_id__in=team_ids)


def flag_get_for_clinician(*, clinician: Any, flag_id: UUID | str) -> Flag:
    """Another team's flag is indistinguishable from a missing one (404, not 403)."""
    try:
        return flag_list_for_clinician(clinician=clinician).get(id=flag_id)
    except (Flag.DoesNotExist, ValueError) as exc:
        raise Http404("No such flag.") from exc


# Flag fields the worklist never shows: left in the database (JSON decoding and transfer of
# 200 rows' facts and texts was a visible share of the page).
_WORKLIST_DEFERRED = (
    "facts",
    "sources",
    "advice",
    "rationale",
    "resolution_note",
    "dismiss_reason",
)


def _flag_rows(
    *,
    clinician: Any,
    team: CareTeam | None,
    severity: str | None,
    category: str | None,
    now: datetime,
) -> tuple[list[FlagRow], bool]:
    # The row shows the current surgery's day and approach only: two index lookups per flag
    # in the same query, instead of prefetching every surgery of the page's patients (a query
    # and a queryset per patient).
    latest = current_surgery_subquery("patient_id")
    flags = (
        flag_list_for_clinician(clinician=clinician)
        .filter(status__in=Flag.LIVE_STATUSES)
        .select_related("patient", "acknowledged_by")
        .defer(*_WORKLIST_DEFERRED)
        .annotate(
            surgery_date=Subquery(latest.values("date")[:1]),
            surgery_approach=Subquery(latest.values("approach")[:1]),
            **flag_reporter_annotations(),  # issue 22: "reported by Maria (daughter)"
        )
        # Most severe first, then the longest-waiting: the order a nurse should call in.
        .order_by("-severity_rank", "opened_at", "id")
    )
    if team is not None:
        flags = flags.filter(patient__care_team=team)
    if severity:
        flags = flags.filter(severity=severity)
    if category:
        flags = flags.filter(category=category)
    page = list(flags[: WORKLIST_FLAG_LIMIT + 1])
    rows = []
    for flag in page[:WORKLIST_FLAG_LIMIT]:
        surgery = None
        if flag.surgery_date is not None:
            surgery = Surgery(date=flag.surgery_date, approach=flag.surgery_approach)
        rows.append(
            FlagRow(
                flag=flag,
                postop_day=postop_day(patient=flag.patient, surgery=surgery, at=now)
                if surgery
                else None,
                approach=surgery.get_approach_display() if surgery else "",
            )
        )
    return rows, len(page) > WORKLIST_FLAG_LIMIT


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
            found[patient.id] = (patient, "No check-in since surgery")
        else:
            found[patient.id] = (
                patient,
                f"No check-in for {(now - patient.last_checkin).days} days",
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
            *(f"patient__{name}" for name in ATTENTION_PATIENT_FIELDS),
        )[:WORKLIST_FLAG_LIMIT]
    )
    return {
        row.patient_id: (
            row.patient,
            "Disability score (ODI) worse than before surgery: "
            f"{float(row.score):g} vs {float(row.baseline):g} at {row.get_timepoint_display()}",
        )
        for row in rows
    }


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
        p.id: (p, f"Checklist kept {round(100 * p.kept / p.answered)}% over the last 7 days")
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
            unanswered |= ~Exists(answered.filter(instrument=code, timepoint=tp.code))
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
        missed = sorted(
            {
                due.timepoint
                for due in due_timepoints(
                    patient.surgery_date, patient.enrolled_on, today, completed[patient.id]
                )
                if due.overdue
                and due.timepoint != "baseline"
                and (today - due.closes_on).days <= QUESTIONNAIRE_OVERDUE_DAYS
            }
        )
        if missed:
            found[patient.id] = (patient, "Questionnaire overdue: " + ", ".join(missed))
        if len(found) >= WORKLIST_FLAG_LIMIT:
            break
    return found


def _overdue_milestones(*, team_ids: Any, now: datetime) -> dict[Any, tuple]:
    """Pending milestones whose target window closed (one query, patients joined)."""
    rows = (
        Milestone.objects.filter(
            plan__patient__care_team_id__in=team_ids,
            status=Milestone.Status.PENDING,
            target_date_max__lt=now.date(),
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
        titles = found.get(patient.id, (patient, []))[1]
        titles.append(row.title)
        found[patient.id] = (patient, titles)
    return {
        pid: (patient, "Overdue: " + "; ".join(titles[:3]) + ("…" if len(titles) > 3 else ""))
        for pid, (patient, titles) in found.items()
    }


def _attention(*, clinician: Any, team: CareTeam | None, now: datetime) -> tuple[list, str]:
    """Patients who may need a call, with the reasons: one aggregate query per signal.

    Signals: silence (no check-in for the triage rule set's `silence_days`, during follow-up),
    low checklist adherence, overdue milestones, overdue questionnaires, a latest ODI worse
    than baseline.
    """
    silence_days = int(triage_ruleset().param("silence_days"))
    teams = care_teams_for_clinician(clinician=clinician)
    if team is not None:
        teams = teams.filter(id=team.id)
    team_ids = teams.values("id")
    merged: dict[Any, Attention] = {}
    for signal in (
        _silent(team_ids=team_ids, now=now, silence_days=silence_days),
        _low_adherence(team_ids=team_ids, now=now),
        _overdue_milestones(team_ids=team_ids, now=now),
        _overdue_questionnaires(team_ids=team_ids, now=now),
        _worse_than_baseline(team_ids=team_ids),
    ):
        for patient_id, (patient, reason) in signal.items():
            item = merged.setdefault(patient_id, Attention(patient=patient, reasons=[]))
            item.reasons.append(reason)
    note = (
        f"Listed: no check-in for {silence_days} or more days (triage rule set); checklist kept "
        f"under {round(adherence_threshold() * 100)}% over 7 days; a milestone past its target "
        "window; a follow-up questionnaire not answered in its window; or a latest ODI worse "
        "than before surgery."
    )
    return list(merged.values()), note


def worklist(
    *,
    clinician: Any,
    team: CareTeam | None,
    severity: str | None,
    category: str | None,
    now: datetime,
) -> Worklist:
    rows, truncated = _flag_rows(
        clinician=clinician, team=team, severity=severity, category=category, now=now
    )
    attention, note = _attention(clinician=clinician, team=team, now=now)
    return Worklist(flags=rows, attention=attention, truncated=truncated, attention_note=note)


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


# --------------------------------------------------------------------------- patient page


def _pain_chart(checkins: list[CheckIn], phases: list[tuple[int, str]], day: int) -> Chart:
    back = [
        charts.Point(c.postop_day, c.back_pain, f"Day {c.postop_day}: back {c.back_pain}/10")
        for c in checkins
        if c.back_pain is not None
    ]
    leg = [
        charts.Point(c.postop_day, c.leg_pain, f"Day {c.postop_day}: leg {c.leg_pain}/10")
        for c in checkins
        if c.leg_pain is not None
    ]
    x_high = max([day, 14, *(c.postop_day for c in checkins)])
    svg = charts.line_chart(
        chart_id="chart-pain-svg",
        title="Back and leg pain by day after surgery",
        x_axis=charts.Axis(0, x_high, "Day after surgery"),
        y_axis=charts.Axis(0, 10, "Pain (0-10)"),
        series=[
            charts.Series("Back pain", back, colour=charts.BLUE, marker="circle"),
            charts.Series("Leg pain", leg, colour=charts.VERMILLION, marker="square", dashed=True),
        ],
        markers=[charts.Marker(start, title) for start, title in phases if start > 0],
    )
    rows = [(c.postop_day, _dash(c.back_pain), _dash(c.leg_pain)) for c in checkins]
    return Chart(
        "pain",
        "Pain",
        mark_safe(svg),  # noqa: S308 - charts.py escapes all text
        note="Dotted lines mark the recovery phases of the patient's pathway.",
        headers=("Day", "Back pain", "Leg pain"),
        rows=rows,
    )


def _temperature_chart(checkins: list[CheckIn], day: int) -> Chart:
    fever = float(triage_ruleset().param("fever_threshold_c"))
    temps = [c for c in checkins if c.temperature_c is not None]
    points = [
        charts.Point(c.postop_day, c.temperature_c, f"Day {c.postop_day}: {c.temperature_c:.1f} °C")
        for c in temps
    ]
    x_high = max([day, 14, *(c.postop_day for c in temps)])
    svg = charts.line_chart(
        chart_id="chart-temperature-svg",
        title="Temperature by day after surgery",
        x_axis=charts.Axis(0, x_high, "Day after surgery"),
        y_axis=charts.Axis(35, 40, "Temperature (°C)"),
        series=[charts.Series("Temperature", points, colour=charts.GREEN, marker="diamond")],
        thresholds=[charts.Threshold(fever, f"Fever {fever:.1f} °C")],
    )
    rows = [(c.postop_day, f"{c.temperature_c:.1f}") for c in temps]
    return Chart(
        "temperature",
        "Temperature",
        mark_safe(svg),  # noqa: S308
        note=f"The dashed line is the fever threshold used by triage ({fever:.1f} °C).",
        headers=("Day", "°C"),
        rows=rows,
    )


TIMEPOINT_ORDER = ("baseline", "6w", "3m", "6m", "12m", "24m")


def _odi_chart(responses: list[QuestionnaireResponse]) -> Chart:
    odi = {r.timepoint: r for r in responses if r.instrument == "odi" and r.valid}
    labels = dict(QuestionnaireResponse.Timepoint.choices)
    points = [
        charts.Point(i, float(odi[code].score), f"{labels[code]}: ODI {float(odi[code].score):g}")
        for i, code in enumerate(TIMEPOINT_ORDER)
        if code in odi and odi[code].score is not None
    ]
    thresholds = []
    baseline = odi.get("baseline")
    if baseline is not None and baseline.score is not None:
        target = mcid_target(float(baseline.score))
        if target is not None:
            thresholds.append(charts.Threshold(max(target, 0), f"MCID target {max(target, 0):g}"))
    ticks = [(float(i), labels[code]) for i, code in enumerate(TIMEPOINT_ORDER)]
    svg = charts.line_chart(
        chart_id="chart-odi-svg",
        title="Disability (ODI) at each follow-up",
        x_axis=charts.Axis(0, len(TIMEPOINT_ORDER) - 1, "Follow-up", ticks=ticks),
        y_axis=charts.Axis(0, 100, "ODI (0-100, lower is better)"),
        series=[charts.Series("ODI", points, colour=charts.PURPLE, marker="triangle")],
        thresholds=thresholds,
    )
    rows = [
        (labels[code], f"{float(odi[code].score):g}")
        for code in TIMEPOINT_ORDER
        if code in odi and odi[code].score is not None
    ]
    return Chart(
        "odi",
        "Disability (ODI)",
        mark_safe(svg),  # noqa: S308
        note="At or below the dashed line, the change from baseline is meaningful "
        "(MCID: 10 points or 30%, sources: R150).",
        headers=("Follow-up", "ODI"),
        rows=rows,
    )


def _score(value: object) -> str:
    return "—" if value is None else f"{float(value):g}"  # type: ignore[arg-type]


def _questionnaire_text(r: QuestionnaireResponse) -> str:
    when = r.get_timepoint_display()
    if not r.valid:
        return f"{r.instrument.upper()} ({when}): not scorable"
    if r.instrument == "nrs_pain":
        back, leg = (r.scores.get(k) for k in ("back", "leg"))
        return f"Pain ({when}): back {_score(back)}/10, leg {_score(leg)}/10"
    return f"{r.instrument.upper()} ({when}): {float(r.score or 0):g}"


def _dash(value: object) -> object:
    return "—" if value is None else value


def _checkin_text(c: CheckIn) -> str:
    parts = []
    if c.back_pain is not None:
        parts.append(f"back pain {c.back_pain}/10")
    if c.leg_pain is not None:
        parts.append(f"leg pain {c.leg_pain}/10")
    if c.temperature_c is not None:
        parts.append(f"{c.temperature_c:.1f} °C")
    return f"Day {c.postop_day}: " + (", ".join(parts) if parts else "no scores")


def _person(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user else "someone"


def _flag_events(flag: Flag) -> list[TimelineEvent]:
    from recovery.dashboard.forms import label_for

    what = f"{flag.severity.capitalize()} {label_for(flag.category).lower()}"
    events = [TimelineEvent(flag.opened_at, "flag", "Flag raised", what)]
    if flag.acknowledged_at:
        events.append(
            TimelineEvent(
                flag.acknowledged_at,
                "flag",
                "Flag acknowledged",
                f"{what}, by {_person(flag.acknowledged_by)}",
            )
        )
    if flag.resolved_at:
        outcome = label_for(flag.resolution_outcome) if flag.resolution_outcome else "none given"
        note = f": {flag.resolution_note}" if flag.resolution_note else ""
        events.append(
            TimelineEvent(
                flag.resolved_at,
                "flag",
                "Flag resolved",
                # No resolver: the system closed it (a check-in answered a silence flag).
                f"{what}, by {_person(flag.resolved_by) if flag.resolved_by_id else 'the system'}"
                f" ({outcome}){note}",
            )
        )
    if flag.dismissed_at:
        events.append(
            TimelineEvent(
                flag.dismissed_at,
                "flag",
                "Flag dismissed",
                f"{what}, by {_person(flag.dismissed_by)}: {flag.dismiss_reason}",
            )
        )
    return events


@dataclass
class PlanData:
    heat: list[charts.HeatCell] = field(default_factory=list)
    events: list[TimelineEvent] = field(default_factory=list)
    overdue: list[Milestone] = field(default_factory=list)


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
    data.events = [
        TimelineEvent(
            a.created_at,
            "adjustment",
            "Plan adjusted",
            f"{a.get_kind_display()} by {_person(a.actor)}" + (f": {a.reason}" if a.reason else ""),
        )
        for a in adjustments.order_by("-created_at")[:TIMELINE_LIMIT]
    ]
    if plan is None:
        return data
    items = list(plan.items.filter(retired_at__isnull=True).order_by("position"))
    milestones = list(plan.milestones.order_by("day_min", "code", "occurrence"))
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
        rate = adherence({day: DayRecord(due={i.code for i in due}, entries=entries.get(day, {}))})
        if due:
            data.heat.append(charts.HeatCell(f"{day:%d %b}", rate.rate))
        day += timedelta(days=1)
    for m in milestones:
        if m.status == Milestone.Status.PENDING and m.target_date_max < today:
            data.overdue.append(m)
        if m.status != Milestone.Status.PENDING and m.status_changed_at:
            data.events.append(
                TimelineEvent(
                    m.status_changed_at,
                    "milestone",
                    f"Milestone {m.get_status_display().lower()}",
                    m.title,
                )
            )
    return data


def _adherence_chart(heat: list[charts.HeatCell]) -> Chart:
    svg = charts.heat_strip(
        chart_id="chart-adherence-svg", title="Daily checklist adherence", cells=heat
    )
    rows = [
        (c.label, "not answered" if c.value is None else f"{round(c.value * 100)}%") for c in heat
    ]
    return Chart(
        "adherence",
        "Checklist adherence",
        mark_safe(svg),  # noqa: S308
        note="One cell per day: darker green = more of the day's checklist kept; "
        "hatched = not answered.",
        headers=("Day", "Kept"),
        rows=rows,
    )


def patient_page(*, patient: Patient, now: datetime) -> PatientPage:
    surgery = current_surgery(patient)
    day = postop_day(patient=patient, surgery=surgery, at=now) if surgery else None
    phases = phase_markers(surgery.technique) if surgery else []
    checkins = list(
        CheckIn.objects.filter(patient=patient)
        .select_related("reported_by_caregiver")  # issue 22: who reported, joined in
        .only(
            "id",
            "recorded_at",
            "postop_day",
            "back_pain",
            "leg_pain",
            "temperature_c",
            *CHECKIN_REPORTER_COLUMNS,
        )
        .order_by("-recorded_at")[:PATIENT_CHECKIN_LIMIT]
    )[::-1]
    flags = list(
        Flag.objects.filter(patient=patient)
        .select_related("acknowledged_by", "resolved_by", "dismissed_by")
        .order_by("-severity_rank", "opened_at")
    )
    responses = list(
        QuestionnaireResponse.objects.filter(patient=patient)
        .only("id", "instrument", "timepoint", "score", "scores", "valid", "submitted_at")
        .order_by("submitted_at")
    )
    timeline = [
        TimelineEvent(c.recorded_at, "checkin", "Check-in", with_reporter(_checkin_text(c), c))
        for c in checkins
    ]
    timeline.extend(
        TimelineEvent(r.submitted_at, "questionnaire", "Questionnaire", _questionnaire_text(r))
        for r in responses
    )
    for flag in flags:
        timeline.extend(_flag_events(flag))
    plan = _plan_data(patient, patient.local_date(now))
    timeline.extend(plan.events)
    timeline.sort(key=lambda e: e.at, reverse=True)
    current_phase = ""
    if day is not None and day >= 0:
        current_phase = next((title for start, title in reversed(phases) if start <= day), "")
    return PatientPage(
        surgery=surgery,
        postop_day=day,
        phase=current_phase,
        age=age_on(patient.date_of_birth, patient.local_date(now)),
        risk_factors=risk_factors(patient),
        phases=phases,
        live_flags=[f for f in flags if f.is_live],
        charts=[
            _pain_chart(checkins, phases, day or 0),
            _temperature_chart(checkins, day or 0),
            _adherence_chart(plan.heat),
            _odi_chart(responses),
        ],
        overdue_milestones=plan.overdue,
        timeline=timeline[:TIMELINE_LIMIT],
    )
