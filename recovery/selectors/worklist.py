"""Reads for the care-team worklist, scoped to the clinician, in a fixed number of queries.

Everything a page needs is fetched with select_related/prefetch_related or aggregated in SQL,
so a page issues the same number of queries whatever the number of patients or rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce

from recovery.models import (
    PATIENT_ZONE_PATH,
    AttentionSignal,
    CareTeam,
    Flag,
    FlagFinding,
    Patient,
    QuestionnaireResponse,
    Surgery,
)
from recovery.selectors.attention import (
    SIGNALS,
    adherence_threshold,
    milestone_grace_days,
    silence_days,
)
from recovery.selectors.caregivers import flag_reporter_subqueries
from recovery.selectors.patients import (
    care_teams_for_clinician,
    current_surgery_subquery,
    postop_day,
)
from recovery.services.attention import attention_teams_ensure_fresh
from recovery.triage.spec import SEVERITIES

Reason = AttentionSignal.Reason

# How long a patient listed on the polled worklist is not recorded again for the same
# clinician (the full page always records). Keeps the audit meaningful at one poll per 30 s.
LIST_AUDIT_DEDUPE_SECONDS = 15 * 60
# The server-rendered worklist's first page: this many patients (one row each, every live
# flag of theirs in the row); a team with more is told so and can filter. 25 (50 before
# issue 16's speed work): rendering a row costs ~0.5 ms of CPU, and the first 25 in triage
# order are the ones a nurse acts on first (docs/benchmarks.md, section 3b).
WORKLIST_PATIENT_LIMIT = 25
# What the worklist shows of a patient listed for attention (a link and the name): the
# signals load only these, not every column of up to 200 patients each.
ATTENTION_PATIENT_FIELDS = ("id", "first_name", "last_name")


@dataclass(frozen=True)
class FindingData:
    """One rule that fired on a flag: what it saw and where it came from."""

    rule_id: str
    severity: str
    facts: dict[str, Any]
    checkin_id: Any
    at: datetime
    checkin_day: int | None = None  # that check-in's day after surgery (None: a trend rule)


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
    # How many patients need attention in all (the list shows ATTENTION_PATIENT_LIMIT).
    attention_total: int = 0

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
    """Those findings as data, oldest first, by flag id, each with its check-in's day (one
    query: the patient page names "the check-in of day 4" whatever the timeline shows)."""
    found: dict[Any, list[FindingData]] = {}
    rows = findings.order_by("at", "id").values_list(
        "flag_id", "rule_id", "severity", "facts", "checkin_id", "at", "checkin__postop_day"
    )
    for flag_id, *finding in rows:
        found.setdefault(flag_id, []).append(FindingData(*finding))
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


# The attention list's first page: the most pressing patients (a team with more is told
# how many there are in all).
ATTENTION_PATIENT_LIMIT = 25
# How much each reason weighs when ranking the attention list (project judgement, no
# clinical source): silence and a worse-than-before ODI first, then adherence, then paperwork.
ATTENTION_WEIGHTS = {
    Reason.SILENCE: 4,
    Reason.WORSE_THAN_BASELINE: 4,
    Reason.ADHERENCE: 2,
    Reason.QUESTIONNAIRE: 1,
    Reason.MILESTONE: 1,
}
# A patient's reasons are listed in this order (as the signals were always merged).
_REASON_ORDER = {str(reason): index for index, (reason, _) in enumerate(SIGNALS)}


def reason_text(reason: str, detail: dict[str, Any], now: datetime) -> str:
    """A stored signal in words, as of `now` (a silence's length grows with the clock)."""
    if reason == Reason.SILENCE:
        last = detail.get("last_checkin")
        if last is None:
            return "No check-in since surgery"
        return f"No check-in for {(now - datetime.fromisoformat(last)).days} days"
    if reason == Reason.ADHERENCE:
        return f"Checklist kept {detail['percent']}% over the last 7 days"
    if reason == Reason.MILESTONE:
        titles = detail["titles"]
        return "Overdue, not recorded: " + "; ".join(titles[:3]) + ("…" if len(titles) > 3 else "")
    if reason == Reason.QUESTIONNAIRE:
        return "Questionnaire overdue: " + ", ".join(detail["timepoints"])
    timepoint = QuestionnaireResponse.Timepoint(detail["timepoint"]).label
    return (
        "Disability score (ODI) worse than before surgery: "
        f"{detail['score']:g} vs {detail['baseline']:g} at {timepoint}"
    )


def _attention(
    *, clinician: Any, team: CareTeam | None, now: datetime
) -> tuple[list[Attention], int, str]:
    """Patients with no live flag who may need a call today, with the reasons and since when,
    ranked by risk (the summed ATTENTION_WEIGHTS, then the longest-standing, then the patient
    id, a stable order the database sorts without joining the team's patients):
    the first ATTENTION_PATIENT_LIMIT, and how many there are in all.

    The signals are read from their per-patient summary (AttentionSignal, kept by
    recovery.services.attention; recovery.selectors.attention defines them): one query when
    the teams are fresh, to check that, and two reads (the ranked page with the total, then
    its patients' signals). A team not swept within ATTENTION_MAX_AGE is swept first.
    """
    teams = care_teams_for_clinician(clinician=clinician)
    if team is not None:
        teams = teams.filter(id=team.id)
    team_ids = attention_teams_ensure_fresh(teams=teams, now=now)
    weight = Case(
        *(When(reason=reason, then=Value(w)) for reason, w in ATTENTION_WEIGHTS.items()),
        default=Value(0),
    )
    # A patient with a live flag is on the flag list: the two lists stay apart.
    flagged = Flag.objects.filter(patient_id=OuterRef("patient_id"), status__in=Flag.LIVE_STATUSES)
    ranked = list(
        AttentionSignal.objects.filter(care_team_id__in=team_ids)
        .exclude(Exists(flagged))
        .values("patient_id")
        .annotate(weight=Sum(weight), since=Min("since"), total=Window(Count("*")))
        .order_by("-weight", F("since").asc(nulls_last=True), "patient_id")[
            :ATTENTION_PATIENT_LIMIT
        ]
    )
    if not ranked:
        return [], 0, _attention_note()
    items = {
        row["patient_id"]: Attention(
            patient=Patient(id=row["patient_id"]),
            reasons=[],
            since=row["since"],
            weight=row["weight"],
        )
        for row in ranked
    }
    signals = sorted(
        AttentionSignal.objects.filter(patient_id__in=list(items)).values_list(
            "patient_id", "patient__last_name", "patient__first_name", "reason", "detail"
        ),
        key=lambda row: _REASON_ORDER[row[3]],
    )
    for patient_id, last_name, first_name, reason, detail in signals:
        item = items[patient_id]
        item.patient.last_name, item.patient.first_name = last_name, first_name
        item.reasons.append(reason_text(reason, detail, now))
    return list(items.values()), ranked[0]["total"], _attention_note()


def _attention_note() -> str:
    return (
        f"Patients with no open flag, listed for: no check-in for {silence_days()} or more days "
        f"(triage rule set); checklist kept under {round(adherence_threshold() * 100)}% over 7 "
        f"days; a visit, scan or event more than {milestone_grace_days()} days past its window "
        "that nobody recorded; a follow-up questionnaire not answered in its window; or a "
        "latest ODI worse than before surgery. Most pressing first."
    )


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
    attention, attention_total, note = _attention(clinician=clinician, team=team, now=now)
    return Worklist(
        rows=rows,
        attention=attention,
        truncated=truncated,
        attention_note=note,
        attention_total=attention_total,
    )


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
