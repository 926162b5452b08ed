"""Cohort outcome analytics for the care team: per-timepoint tables computed in the database.

Reads only, scoped to the clinician's teams. The cohort is each patient's most recent surgery
(as `current_surgery`), narrowed by the filters. Per timepoint:
- eligible patients (window opened by `today`), patients who responded, completion rate;
- per measure (odi, nrs_back, nrs_leg): n, median and interquartile range of valid scores;
- share reaching the MCID and the SCB, and for pain the share with >= 50% / >= 80% less pain,
  among patients with a valid baseline of the same instrument ("paired");
- imaging-confirmed fusion by the timepoint's target day, among patients past that day.
For the whole cohort: complications by category and revision surgeries, from resolved triage
flags opened since the cohort surgery (counted in patients, and flags).
Thresholds, cut-offs and schedule come from recovery/instruments/ (with their sources); this
module only turns them into SQL. Quartiles follow percentile_cont (linear interpolation, the
same as statistics.quantiles(method="inclusive")): in PostgreSQL by the ordered-set aggregate,
elsewhere (SQLite for `make run`) by `percentile_cont` below over one fetched column.

Every cell whose n is under settings.OUTCOMES_MIN_CELL (default 5) is suppressed (values null,
"suppressed": true), so a small group cannot single out a patient. The number of queries does
not depend on the cohort size: one for eligibility and fusion, one for responses, one per
instrument, one each for complications and revisions.

Known approximation: eligibility uses the UTC calendar for `today` and the enrolment date,
where the patient's own due list uses their time zone; the two can differ by a day at a
window edge.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DateField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import (
    Abs,
    Cast,
    ExtractDay,
    ExtractMonth,
    ExtractYear,
    TruncDate,
)

from core.db_routing import use_replica
from recovery import instruments
from recovery.instruments.schema import Criterion, Measure, ThresholdSet
from recovery.models import Flag, ImagingResult, Milestone, QuestionnaireResponse, Surgery
from recovery.models.flags import FLAG_CATEGORIES, NOT_COMPLICATIONS
from recovery.selectors import AnyUser, patient_list_for_clinician
from recovery.services.adjustments import FUSION_MILESTONES

if TYPE_CHECKING:  # django-stubs-ext is a dev (type-checking) dependency only
    from django_stubs_ext import WithAnnotations

BASELINE = "baseline"
PAIN_INSTRUMENT = "nrs_pain"  # pain-reduction shares apply to its 0-10 measures
QUARTILES = (0.25, 0.5, 0.75)

# Age at surgery, [lower, upper) in whole years; None = open end.
AGE_BANDS: dict[str, tuple[int | None, int | None]] = {
    "<50": (None, 50),
    "50-64": (50, 65),
    "65-74": (65, 75),
    "75+": (75, None),
}


def min_cell() -> int:
    return int(getattr(settings, "OUTCOMES_MIN_CELL", 5))


@dataclass(frozen=True)
class CohortFilters:
    approach: str | None = None
    technique: str | None = None
    indication: str | None = None
    age_band: str | None = None
    smoking_status: str | None = None
    bone_quality: str | None = None
    surgery_from: date | None = None
    surgery_to: date | None = None


# --- percentiles ---------------------------------------------------------------------------------


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile: percentile_cont(f) WITHIN GROUP (ORDER BY x)."""

    function = "percentile_cont"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        # A float we choose, never user input: safe to render into the SQL text.
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def percentile_cont(values: Sequence[float | Decimal], fraction: float) -> float | None:
    """The portable twin of PercentileCont: linear interpolation between closest ranks."""
    if not values:
        return None
    ordered = sorted(float(v) for v in values)
    position = (len(ordered) - 1) * fraction
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def sql_percentiles_supported() -> bool:
    return connection.vendor == "postgresql"


# --- cohort --------------------------------------------------------------------------------------


def cohort_surgeries(*, clinician: AnyUser, filters: CohortFilters) -> QuerySet[Surgery]:
    """Each of the clinician's teams' patients' most recent surgery, filtered.

    "Most recent" as `current_surgery` (date, then creation; the id settles a full tie) written
    as "no newer surgery of the same patient" (issue 23): the former `id = (SELECT ... LIMIT
    1)` filter made PostgreSQL expect 2 surgeries instead of thousands and plan nested loops
    over every patient (~700 ms at 10,000 patients, docs/benchmarks.md); an anti join is
    estimated from the table's statistics.
    """
    patients = patient_list_for_clinician(clinician=clinician).values("id")
    newer = Surgery.objects.filter(patient_id=OuterRef("patient_id")).filter(
        Q(date__gt=OuterRef("date"))
        | Q(date=OuterRef("date"), created_at__gt=OuterRef("created_at"))
        | Q(date=OuterRef("date"), created_at=OuterRef("created_at"), id__gt=OuterRef("id"))
    )
    surgeries = Surgery.objects.filter(patient_id__in=patients).filter(~Exists(newer))
    exact = {
        "approach": filters.approach,
        "technique": filters.technique,
        "indication": filters.indication,
        "patient__smoking_status": filters.smoking_status,
        "patient__bone_quality": filters.bone_quality,
        "date__gte": filters.surgery_from,
        "date__lte": filters.surgery_to,
    }
    surgeries = surgeries.filter(**{k: v for k, v in exact.items() if v is not None})
    if filters.age_band is not None:
        lower, upper = AGE_BANDS[filters.age_band]
        aged = _with_age_at_surgery(surgeries)
        if lower is not None:
            aged = aged.filter(age_at_surgery__gte=lower)
        if upper is not None:
            aged = aged.filter(age_at_surgery__lt=upper)
        surgeries = aged
    return surgeries


class _AgeAtSurgery(TypedDict):
    age_at_surgery: int


def _with_age_at_surgery(
    surgeries: QuerySet[Surgery],
) -> QuerySet[WithAnnotations[Surgery, _AgeAtSurgery]]:
    # Whole years, minus one when the birthday had not come yet that year (portable SQL).
    surgeries = surgeries.annotate(
        _s_year=ExtractYear("date"),
        _s_month=ExtractMonth("date"),
        _s_day=ExtractDay("date"),
        _b_year=ExtractYear("patient__date_of_birth"),
        _b_month=ExtractMonth("patient__date_of_birth"),
        _b_day=ExtractDay("patient__date_of_birth"),
    )
    before_birthday = Q(_s_month__lt=F("_b_month")) | Q(
        _s_month=F("_b_month"), _s_day__lt=F("_b_day")
    )
    return surgeries.annotate(
        age_at_surgery=F("_s_year")
        - F("_b_year")
        - Case(When(before_birthday, then=Value(1)), default=Value(0))
    )


def _eligible_conditions(today: date) -> dict[str, Q]:
    """Per timepoint: the patient's window has opened by `today` (see timepoint_windows).

    Mirrors recovery.instruments.schedule in SQL: the baseline opens at enrolment and closes
    `grace` days after surgery; a follow-up opens at target - window (or at enrolment) and is
    left out when it closed before the patient enrolled.
    """
    schedule = instruments.load_schedule()

    def enrolled_by(days_after_surgery: int) -> Q:
        closes = ExpressionWrapper(
            F("date") + timedelta(days=days_after_surgery), output_field=DateField()
        )
        return Q(enrolled_on__lte=closes)

    conditions = {schedule.baseline.code: enrolled_by(schedule.baseline.grace_days_after_surgery)}
    for tp in schedule.follow_ups:
        half_width = schedule.window_days(tp)
        conditions[tp.code] = Q(
            date__lte=today - timedelta(days=tp.target_day - half_width)
        ) & enrolled_by(tp.target_day + half_width)
    return conditions


def _fusion_conditions(today: date) -> dict[str, tuple[Q, Q]]:
    """Per follow-up: (patients whose target day has passed, fusion confirmed by that day).

    Confirmed = a solid fusion on imaging dated from the surgery up to the target day, or the
    pathway's fusion milestone achieved by then (the plans work settles it from imaging).
    """
    conditions = {}
    for tp in instruments.load_schedule().follow_ups:
        by_target = ExpressionWrapper(
            OuterRef("date") + timedelta(days=tp.target_day), output_field=DateField()
        )
        imaging = ImagingResult.objects.filter(
            patient_id=OuterRef("patient_id"),
            finding=ImagingResult.Finding.SOLID_FUSION,
            date__gte=OuterRef("date"),
            date__lte=by_target,
        )
        milestone = Milestone.objects.filter(
            plan__surgery_id=OuterRef("id"),
            code__in=FUSION_MILESTONES,
            status=Milestone.Status.ACHIEVED,
            achieved_on__lte=by_target,
        )
        reached = Q(date__lte=today - timedelta(days=tp.target_day))
        conditions[tp.code] = (reached, Q(Exists(imaging)) | Q(Exists(milestone)))
    return conditions


def _resolved_flags(surgeries: QuerySet[Surgery]) -> QuerySet[Flag]:
    # Same join for both conditions: flags opened on or after the cohort surgery itself.
    return Flag.objects.filter(
        patient__surgeries__id__in=surgeries.values("id"),
        opened_at__date__gte=F("patient__surgeries__date"),
        status=Flag.Status.RESOLVED,
    )


def _flag_cell(counts: dict[str, Any] | None, limit: int) -> dict[str, Any]:
    patients = counts["patients"] if counts else 0
    if patients < limit:
        return {"patients": None, "flags": None, "suppressed": True}
    assert counts is not None
    return {"patients": patients, "flags": counts["flags"], "suppressed": False}


def _complications(surgeries: QuerySet[Surgery], limit: int) -> dict[str, dict[str, Any]]:
    """Resolved flags by category (one query), leaving out non-complications and flags the
    care team resolved as "no problem"; dismissed flags are never resolved."""
    rows = (
        _resolved_flags(surgeries)
        .exclude(category__in=NOT_COMPLICATIONS)
        .exclude(resolution_outcome=Flag.Outcome.NO_PROBLEM)
        .values("category")
        .annotate(patients=Count("patient_id", distinct=True), flags=Count("id", distinct=True))
    )
    by_category = {row["category"]: row for row in rows}
    return {
        category: _flag_cell(by_category.get(category), limit)
        for category in FLAG_CATEGORIES
        if category not in NOT_COMPLICATIONS
    }


def _revisions(surgeries: QuerySet[Surgery], limit: int) -> dict[str, Any]:
    """Patients (and flags) resolved with a reoperation (one query)."""
    counts = (
        _resolved_flags(surgeries)
        .filter(resolution_outcome=Flag.Outcome.REOPERATION)
        .aggregate(patients=Count("patient_id", distinct=True), flags=Count("id", distinct=True))
    )
    return _flag_cell(counts, limit)


# --- measures ------------------------------------------------------------------------------------


def _value_expression(score_key: str) -> Cast:
    # Scores are stored per key in `scores` (odi: total; nrs_pain: back, leg); numeric keeps
    # threshold boundaries exact on PostgreSQL (40 -> 28 is exactly 30%).
    return Cast(
        KeyTextTransform(score_key, "scores"),
        DecimalField(max_digits=6, decimal_places=2),
    )


def _criterion_q(rule: Criterion, key: str) -> Q:
    """One MCID/SCB criterion (thresholds.yaml) as SQL, as recovery.instruments.mcid._met."""
    lookup = {"ge": "gte", "gt": "gt", "le": "lte", "lt": "lt"}[rule.op]
    value = rule.value
    if rule.kind == "improvement_points":
        return Q(**{f"imp_{key}__{lookup}": value})
    if rule.kind == "improvement_percent":
        # improvement / |baseline| x 100 >= value, without dividing; undefined at baseline 0.
        return ~Q(**{f"base_{key}": 0}) & Q(
            **{f"imp100_{key}__{lookup}": Abs(F(f"base_{key}")) * value}
        )
    return Q(**{f"final_{key}__{lookup}": value})


def _threshold_q(rules: ThresholdSet, key: str) -> Q:
    q = Q()
    for rule in rules.any_of:
        q |= _criterion_q(rule, key)
    return q


@dataclass(frozen=True)
class _MeasurePlan:
    measure: Measure
    key: str  # annotation suffix

    @property
    def is_pain(self) -> bool:
        return self.measure.instrument == PAIN_INSTRUMENT


def _measures_by_instrument() -> dict[str, list[_MeasurePlan]]:
    enabled = {c for c, i in instruments.load_instruments().items() if i.enabled}
    plans: dict[str, list[_MeasurePlan]] = {}
    for measure in instruments.load_thresholds().measures:
        if measure.instrument in enabled:
            plans.setdefault(measure.instrument, []).append(
                _MeasurePlan(measure=measure, key=measure.code)
            )
    return plans


def _instrument_rows(
    responses: QuerySet[QuestionnaireResponse],
    instrument: str,
    plans: list[_MeasurePlan],
    *,
    sql_percentiles: bool,
) -> dict[str, dict[str, Any]]:
    """Aggregates per timepoint for one instrument's valid responses (one query)."""
    cutoffs = instruments.load_thresholds().pain_reduction.cutoffs_percent
    rows = responses.filter(instrument=instrument, valid=True)
    annotations: dict[str, Any] = {}
    aggregates: dict[str, Any] = {}
    # The patient's valid baseline of the same instrument, joined once (LEFT JOIN; at most one
    # row: unique (patient, instrument, timepoint)). A correlated subquery per reference ran
    # ~30 index scans per response for nrs_pain (issue 23).
    relation = "patient__questionnaire_responses"
    rows = rows.annotate(
        baseline_row=FilteredRelation(
            relation,
            condition=Q(
                **{
                    f"{relation}__instrument": instrument,
                    f"{relation}__timepoint": BASELINE,
                    f"{relation}__valid": True,
                }
            ),
        )
    )
    for plan in plans:
        key, measure = plan.key, plan.measure
        better = F(f"base_{key}") - F(f"final_{key}")
        if measure.direction == "higher_is_better":
            better = F(f"final_{key}") - F(f"base_{key}")
        decimal: DecimalField[Decimal, Decimal] = DecimalField(max_digits=8, decimal_places=2)
        annotations |= {
            f"final_{key}": _value_expression(measure.score_key),
            f"base_{key}": Cast(
                KeyTextTransform(measure.score_key, "baseline_row__scores"), output_field=decimal
            ),
        }
        annotations[f"imp_{key}"] = ExpressionWrapper(better, output_field=decimal)
        annotations[f"imp100_{key}"] = ExpressionWrapper(better * 100, output_field=decimal)
        has_value = Q(**{f"final_{key}__isnull": False})
        paired = has_value & Q(**{f"base_{key}__isnull": False})
        mcid = _threshold_q(measure.mcid, key)
        aggregates[f"{key}__n"] = Count("id", filter=has_value)
        aggregates[f"{key}__paired"] = Count("id", filter=paired)
        aggregates[f"{key}__mcid"] = Count("id", filter=paired & mcid)
        if measure.scb is not None:
            scb = _threshold_q(measure.scb, key)
            if measure.scb_requires_mcid:
                scb &= mcid
            aggregates[f"{key}__scb"] = Count("id", filter=paired & scb)
        if plan.is_pain:
            positive = paired & Q(**{f"base_{key}__gt": 0})
            aggregates[f"{key}__reducible"] = Count("id", filter=positive)
            for cut in cutoffs:
                # share of baseline pain gone >= cut%, i.e. (base - final) x 100 >= cut x base
                reached = Q(**{f"imp100_{key}__gte": F(f"base_{key}") * cut})
                aggregates[f"{key}__red{cut}"] = Count("id", filter=positive & reached)
        if sql_percentiles:
            for fraction in QUARTILES:
                aggregates[f"{key}__p{int(fraction * 100)}"] = PercentileCont(
                    F(f"final_{key}"), fraction, filter=has_value
                )
    grouped = rows.annotate(**annotations).values("timepoint").annotate(**aggregates)
    result = {row["timepoint"]: row for row in grouped}
    if not sql_percentiles:
        _add_python_percentiles(result, rows, plans)
    return result


def _add_python_percentiles(
    result: dict[str, dict[str, Any]],
    rows: QuerySet[QuestionnaireResponse],
    plans: list[_MeasurePlan],
) -> None:
    """Fallback for databases without percentile_cont: one query fetching the value columns."""
    columns = {f"v_{p.key}": _value_expression(p.measure.score_key) for p in plans}
    values: dict[tuple[str, str], list[Decimal]] = {}
    for row in rows.annotate(**columns).order_by().values("timepoint", *columns):
        for plan in plans:
            value = row[f"v_{plan.key}"]
            if value is not None:
                values.setdefault((row["timepoint"], plan.key), []).append(value)
    for timepoint, aggregate in result.items():
        for plan in plans:
            column = values.get((timepoint, plan.key), [])
            for fraction in QUARTILES:
                aggregate[f"{plan.key}__p{int(fraction * 100)}"] = percentile_cont(column, fraction)


# --- table ---------------------------------------------------------------------------------------


def _count_cell(n: int, limit: int) -> dict[str, Any]:
    if n < limit:
        return {"n": None, "suppressed": True}
    return {"n": n, "suppressed": False}


def _share_cell(hits: int, n: int, limit: int) -> dict[str, Any]:
    if n < limit:
        return {"n": None, "share": None, "suppressed": True}
    return {"n": n, "share": hits / n, "suppressed": False}


def _score_cell(aggregate: dict[str, Any], key: str, limit: int) -> dict[str, Any]:
    n = aggregate.get(f"{key}__n", 0)
    if n < limit:
        return {"n": None, "median": None, "p25": None, "p75": None, "suppressed": True}
    return {
        "n": n,
        "median": _float(aggregate[f"{key}__p50"]),
        "p25": _float(aggregate[f"{key}__p25"]),
        "p75": _float(aggregate[f"{key}__p75"]),
        "suppressed": False,
    }


def _measure_cell(
    plan: _MeasurePlan,
    aggregate: dict[str, Any],
    *,
    baseline: bool,
    limit: int,
    cutoffs: Sequence[int],
) -> dict[str, Any]:
    """One measure at one timepoint; `aggregate` is empty when nobody answered."""
    key = plan.key
    cell: dict[str, Any] = {"score": _score_cell(aggregate, key, limit)}
    if baseline:
        return cell
    paired = aggregate.get(f"{key}__paired", 0)
    cell["mcid"] = _share_cell(aggregate.get(f"{key}__mcid", 0), paired, limit)
    if plan.measure.scb is not None:
        cell["scb"] = _share_cell(aggregate.get(f"{key}__scb", 0), paired, limit)
    if plan.is_pain:
        reducible = aggregate.get(f"{key}__reducible", 0)
        cell["pain_reduction"] = {
            f"at_least_{cut}": _share_cell(aggregate.get(f"{key}__red{cut}", 0), reducible, limit)
            for cut in cutoffs
        }
    return cell


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


@use_replica()  # analytics: may read a streaming replica (core.db_routing, issue 23)
def cohort_outcome_table(
    *,
    clinician: AnyUser,
    filters: CohortFilters,
    today: date,
    sql_percentiles: bool | None = None,
) -> dict[str, Any]:
    """The per-timepoint table for the clinician's teams' cohort; see the module docstring.

    `sql_percentiles` None picks by database (PostgreSQL aggregates, otherwise Python).
    """
    if sql_percentiles is None:
        sql_percentiles = sql_percentiles_supported()
    limit = min_cell()
    schedule = instruments.load_schedule()
    thresholds = instruments.load_thresholds()
    cutoffs = thresholds.pain_reduction.cutoffs_percent

    surgeries = cohort_surgeries(clinician=clinician, filters=filters)
    eligible_q = _eligible_conditions(today)
    fusion_q = _fusion_conditions(today)
    counts = surgeries.annotate(enrolled_on=TruncDate("patient__created_at")).aggregate(
        patients=Count("id"),
        **{f"eligible_{tp}": Count("id", filter=q) for tp, q in eligible_q.items()},
        **{f"fusion_n_{tp}": Count("id", filter=q) for tp, (q, _) in fusion_q.items()},
        **{f"fusion_hit_{tp}": Count("id", filter=q & hit) for tp, (q, hit) in fusion_q.items()},
    )
    responses = QuestionnaireResponse.objects.filter(surgery_id__in=surgeries.values("id"))
    responded = {
        row["timepoint"]: row["n"]
        for row in responses.values("timepoint").annotate(n=Count("patient_id", distinct=True))
    }
    plans = _measures_by_instrument()
    aggregates = {
        instrument: _instrument_rows(
            responses, instrument, measure_plans, sql_percentiles=sql_percentiles
        )
        for instrument, measure_plans in plans.items()
    }

    timepoints = []
    for code in schedule.timepoint_codes:
        eligible = counts[f"eligible_{code}"]
        answered = responded.get(code, 0)
        rate = _share_cell(answered, eligible, limit)
        if answered < limit:
            # The rate times the eligible count would give away a suppressed count.
            rate = _share_cell(0, 0, limit)
        row: dict[str, Any] = {
            "timepoint": code,
            "eligible": _count_cell(eligible, limit),
            "responded": _count_cell(answered, limit),
            "completion_rate": rate,
            "measures": {},
        }
        if code in fusion_q:
            row["fusion"] = _share_cell(
                counts[f"fusion_hit_{code}"], counts[f"fusion_n_{code}"], limit
            )
        for instrument, measure_plans in plans.items():
            aggregate = aggregates[instrument].get(code) or {}
            for plan in measure_plans:
                row["measures"][plan.key] = _measure_cell(
                    plan, aggregate, baseline=code == BASELINE, limit=limit, cutoffs=cutoffs
                )
        timepoints.append(row)

    return {
        "today": today.isoformat(),
        "min_cell": limit,
        "thresholds_version": thresholds.version,
        "schedule_version": schedule.version,
        "patients": _count_cell(counts["patients"], limit),
        "complications": _complications(surgeries, limit),
        "revisions": _revisions(surgeries, limit),
        "timepoints": timepoints,
    }


# --- CSV -----------------------------------------------------------------------------------------

SUPPRESSED = "suppressed"


def flatten_row(row: dict[str, Any]) -> dict[str, Any]:
    """One timepoint row as flat columns, e.g. measures.odi.score.median -> odi_score_median."""
    flat: dict[str, Any] = {"timepoint": row["timepoint"]}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        if "suppressed" in node:
            for name, value in node.items():
                if name != "suppressed":
                    flat[f"{prefix}{name}"] = SUPPRESSED if node["suppressed"] else value
            return
        for name, child in node.items():
            walk(f"{prefix}{name}_", child)

    for name, node in row.items():
        if name == "measures":
            walk("", node)
        elif name != "timepoint":
            walk(f"{name}_", node)
    return flat


def table_rows(table: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """A "cohort" row (patients, complications, revisions), then one row per timepoint."""
    cohort = {
        "timepoint": "cohort",
        "patients": table["patients"],
        "complications": table["complications"],
        "revisions": table["revisions"],
    }
    yield flatten_row(cohort)
    for row in table["timepoints"]:
        yield flatten_row(row)
