"""Presenters: the dashboard's charts and display text, drawn from the selectors' data.

Selectors (recovery/selectors/) return rows and dataclasses; this module turns a patient's
record into the page's charts (SVG through recovery/dashboard/charts.py) and timeline lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from recovery.dashboard import charts
from recovery.dashboard.forms import label_for
from recovery.models import CaregiverLink, CheckIn, Flag, Milestone, QuestionnaireResponse, Surgery
from recovery.models.checkins import SYMPTOM_FIELDS
from recovery.risk.summary import RiskFactor
from recovery.selectors.answer_strip import AnswerStrip
from recovery.selectors.checkin_days import CheckInDay
from recovery.selectors.patient_record import (
    DayAdherence,
    PatientRecord,
    PlanData,
)
from recovery.selectors.worklist import FindingData, FlagItem, PatientRow, Worklist
from recovery.triage.wording import answer_words, facts_in_words, merged_words

# Between the answers of a worklist row: "saddle numbness: yes · temperature 38.9 °C".
ANSWER_SEPARATOR = " \u00b7 "


@dataclass(frozen=True)
class Chart:
    key: str
    heading: str
    svg: SafeString
    note: str = ""
    headers: tuple[str, ...] = ()
    rows: Sequence[tuple[object, ...]] = field(default_factory=list)


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
    # The live flags with every finding in words (what fired, from which check-in).
    problems: list[ProblemView] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    timeline: list[TimelineEvent] = field(default_factory=list)
    # There are more events than the timeline shows (its first view offers the full one).
    timeline_more: bool = False
    overdue_milestones: list[Any] = field(default_factory=list)
    due_milestones: list[Any] = field(default_factory=list)


def _of(count: int, worst: str) -> str:
    """ " (highest of 3 check-ins)" on a day with several readings; nothing for one."""
    return f" ({worst} of {count} check-ins)" if count > 1 else ""


def _pain_chart(days: list[CheckInDay], phases: list[tuple[int, str]], day: int) -> Chart:
    """One point per day and side: the day's worst score (issue 16, item 8)."""
    back = [
        charts.Point(
            d.day,
            d.back_pain,
            f"Day {d.day}: back {d.back_pain}/10{_of(d.back_pain_count, 'worst')}",
        )
        for d in days
        if d.back_pain is not None
    ]
    leg = [
        charts.Point(
            d.day, d.leg_pain, f"Day {d.day}: leg {d.leg_pain}/10{_of(d.leg_pain_count, 'worst')}"
        )
        for d in days
        if d.leg_pain is not None
    ]
    x_high = _day_axis_end(day, [d.day for d in days], phases)
    svg = charts.line_chart(
        chart_id="chart-pain-svg",
        title="Back and leg pain by day after surgery",
        x_axis=charts.Axis(0, x_high, "Day after surgery", ticks=charts.day_ticks(0, x_high)),
        y_axis=charts.Axis(0, 10, "Pain (0-10)", ticks=charts.whole_ticks(0, 10)[::2]),
        series=[
            charts.Series("Back pain", back, colour=charts.BLUE, marker="circle"),
            charts.Series("Leg pain", leg, colour=charts.VERMILLION, marker="square", dashed=True),
        ],
        markers=_phase_markers(phases),
    )
    rows = [(d.day, _dash(d.back_pain), _dash(d.leg_pain), d.checkins) for d in days]
    return Chart(
        "pain",
        "Pain",
        mark_safe(svg),  # noqa: S308 - charts.py escapes all text
        note="One point per day: the worst score of the day's check-ins. "
        "Dotted lines mark the recovery phases of the patient's pathway.",
        headers=("Day", "Worst back pain", "Worst leg pain", "Check-ins"),
        rows=rows,
    )


def _day_axis_end(day: int, days: list[int], phases: list[tuple[int, str]]) -> int:
    """The day axis reaches today, the latest check-in and two weeks at least, and on to the
    next phase boundary when one is within a week, so the phase lines show where they fall."""
    end = max([day, 14, *days])
    upcoming = [start for start, _ in phases if end < start <= end + 7]
    return min(upcoming) if upcoming else end


def _phase_markers(phases: list[tuple[int, str]]) -> list[charts.Marker]:
    return [charts.Marker(start, title) for start, title in phases if start > 0]


def _temperature_chart(
    days: list[CheckInDay], day: int, fever: float, phases: list[tuple[int, str]]
) -> Chart:
    """One point per day: the day's highest reading, so a fever is never hidden by a later
    normal one (issue 16, item 8)."""
    temps = [(d, t) for d in days if (t := d.temperature_c) is not None]
    points = [
        charts.Point(d.day, t, f"Day {d.day}: {t:.1f} °C{_of(d.temperature_count, 'highest')}")
        for d, t in temps
    ]
    x_high = _day_axis_end(day, [d.day for d, _ in temps], phases)
    svg = charts.line_chart(
        chart_id="chart-temperature-svg",
        title="Temperature by day after surgery",
        x_axis=charts.Axis(0, x_high, "Day after surgery", ticks=charts.day_ticks(0, x_high)),
        y_axis=charts.Axis(35, 40, "Temperature (°C)", ticks=charts.whole_ticks(35, 40)),
        series=[charts.Series("Temperature", points, colour=charts.GREEN, marker="diamond")],
        markers=_phase_markers(phases),
        thresholds=[charts.Threshold(fever, f"Fever {fever:.1f} °C")],
    )
    rows = [(d.day, f"{t:.1f}", d.temperature_count) for d, t in temps]
    return Chart(
        "temperature",
        "Temperature",
        mark_safe(svg),  # noqa: S308
        note="One point per day: the highest reading of the day. "
        f"The dashed line is the fever threshold used by triage ({fever:.1f} °C); "
        "dotted lines mark the recovery phases of the patient's pathway.",
        headers=("Day", "Highest °C", "Readings"),
        rows=rows,
    )


TIMEPOINT_ORDER = ("baseline", "6w", "3m", "6m", "12m", "24m")


def _odi_chart(responses: list[QuestionnaireResponse], target: float | None) -> Chart:
    odi = {
        r.timepoint: float(score)
        for r in responses
        if r.instrument == "odi" and r.valid and (score := r.score) is not None
    }
    labels = dict(QuestionnaireResponse.Timepoint.choices)
    points = [
        charts.Point(i, odi[code], f"{labels[code]}: ODI {odi[code]:g}")
        for i, code in enumerate(TIMEPOINT_ORDER)
        if code in odi
    ]
    thresholds = []
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
    rows = [(labels[code], f"{odi[code]:g}") for code in TIMEPOINT_ORDER if code in odi]
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


# The check-in answers the timeline words after pain and temperature, in the form's order.
_ANSWER_FIELDS = tuple(
    name for name in SYMPTOM_FIELDS if name not in ("back_pain", "leg_pain", "temperature_c")
)


def _checkin_text(c: CheckIn) -> str:
    """Pain and temperature, then every other answer the patient reported: each "yes" and each
    value in words, and how many questions were answered "no"."""
    parts = []
    if c.back_pain is not None:
        parts.append(f"back pain {c.back_pain}/10")
    if c.leg_pain is not None:
        parts.append(f"leg pain {c.leg_pain}/10")
    if c.temperature_c is not None:
        parts.append(f"{c.temperature_c:.1f} °C")
    noes = 0
    for name in _ANSWER_FIELDS:
        value = getattr(c, name)
        words = answer_words(name, value)
        if words:
            parts.append(words)
        elif value is False or value == "none":
            noes += 1
    if noes:
        parts.append(f"{noes} other question{'s' if noes != 1 else ''} answered no")
    return f"Day {c.postop_day}: " + (", ".join(parts) if parts else "no scores")


def reported_by_label(link: CaregiverLink | None) -> str:
    """ "reported by Maria (daughter)" (issue 22); empty for the patient's own."""
    if link is None:
        return ""
    if link.relationship:
        return f"reported by {link.display_name} ({link.relationship})"
    return f"reported by {link.display_name}"


def _with_reporter(text: str, checkin: CheckIn) -> str:
    """The timeline text, plus who reported it when it was a caregiver."""
    label = reported_by_label(checkin.reported_by_caregiver)
    return f"{text} — {label}" if label else text


def _person(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user else "someone"


def _flag_events(flag: Flag) -> list[TimelineEvent]:
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
    if flag.assigned_at and flag.owner_id:  # issue 16: who took it (the current owner)
        events.append(
            TimelineEvent(
                flag.assigned_at, "flag", "Flag assigned", f"{what}, to {_person(flag.owner)}"
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


def _adherence_chart(days: list[DayAdherence]) -> Chart:
    heat = [charts.HeatCell(f"{d.day:%d %b}", d.rate) for d in days]
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


def _plan_events(plan: PlanData) -> list[TimelineEvent]:
    events = [
        TimelineEvent(
            a.created_at,
            "adjustment",
            "Plan adjusted",
            f"{a.get_kind_display()} by {_person(a.actor)}" + (f": {a.reason}" if a.reason else ""),
        )
        for a in plan.adjustments
    ]
    for m in plan.milestones:
        if m.status != Milestone.Status.PENDING and m.status_changed_at:
            events.append(
                TimelineEvent(
                    m.status_changed_at,
                    "milestone",
                    f"Milestone {m.get_status_display().lower()}",
                    m.title,
                )
            )
    return events


def patient_page(record: PatientRecord) -> PatientPage:
    """The patient page: the record's charts and its timeline, newest first (the latest
    `record.timeline_limit` events)."""
    timeline = [
        TimelineEvent(c.recorded_at, "checkin", "Check-in", _with_reporter(_checkin_text(c), c))
        for c in record.checkins
    ]
    timeline.extend(
        TimelineEvent(r.submitted_at, "questionnaire", "Questionnaire", _questionnaire_text(r))
        for r in record.responses
    )
    for flag in record.flags:
        timeline.extend(_flag_events(flag))
    timeline.extend(_plan_events(record.plan))
    timeline.sort(key=lambda e: e.at, reverse=True)
    day = record.postop_day
    return PatientPage(
        surgery=record.surgery,
        postop_day=day,
        phase=record.phase,
        age=record.age,
        risk_factors=record.risk_factors,
        phases=record.phases,
        live_flags=record.live_flags,
        problems=[problem_view(item) for item in record.live_items],
        charts=[
            _pain_chart(record.days, record.phases, day or 0),
            _temperature_chart(record.days, day or 0, record.fever_threshold_c, record.phases),
            _adherence_chart(record.plan.heat),
            _odi_chart(record.responses, record.odi_mcid_target),
        ],
        overdue_milestones=record.plan.overdue,
        due_milestones=record.plan.due,
        timeline=timeline[: record.timeline_limit],
        timeline_more=len(timeline) > record.timeline_limit,
    )


# -------------------------------------------------------------------------------- worklist


@dataclass(frozen=True)
class FindingLine:
    """One rule that fired, in words: which rule, from which check-in, on which answers."""

    rule: str
    severity: str
    answers: str
    checkin_id: Any
    at: datetime
    source: str  # "check-in of day 3", "trend over several check-ins"


@dataclass(frozen=True)
class ProblemView:
    """A live flag as a row or the patient page shows it."""

    flag: Flag
    answers: str
    findings: list[FindingLine]


@dataclass(frozen=True)
class WorklistRowView:
    row: PatientRow
    answers: str
    problems: list[ProblemView]


def rule_words(rule_id: str) -> str:
    """ "infection.fever_with_wound_signs" -> "Fever with wound signs"."""
    name = rule_id.split(".", 1)[-1]
    return name.replace("_", " ").capitalize()


def _source(finding: FindingData) -> str:
    if finding.checkin_day is None:
        return "trend over several check-ins"
    return f"check-in of day {finding.checkin_day}"


def problem_view(item: FlagItem) -> ProblemView:
    """A live flag and every finding on it, each named by the check-in it came from."""
    findings = [
        FindingLine(
            rule=rule_words(f.rule_id),
            severity=f.severity,
            answers=ANSWER_SEPARATOR.join(facts_in_words(f.facts)) or "no answers recorded",
            checkin_id=f.checkin_id,
            at=f.at,
            source=_source(f),
        )
        for f in item.findings
    ]
    return ProblemView(
        flag=item.flag,
        answers=ANSWER_SEPARATOR.join(merged_words(item.all_facts)),
        findings=findings,
    )


def worklist_rows(data: Worklist) -> list[WorklistRowView]:
    """The worklist's rows: each patient's problems and the answers that fired them, in words."""
    return [
        WorklistRowView(
            row=row,
            answers=ANSWER_SEPARATOR.join(merged_words(row.all_facts)),
            problems=[problem_view(item) for item in row.flags],
        )
        for row in data.rows
    ]


# --------------------------------------------------------------- wound and nerve answers strip

STRIP_GROUP_HEADINGS = {
    "wound": "Wound",
    "fever": "Fever",
    "nerves": "Nerves and legs",
    "bladder_bowel": "Bladder and bowel",
    "clot_chest": "Clot, chest and breathing",
    "spinal_fluid": "Spinal fluid leak",
}
STRIP_LABELS = {
    "wound_drainage": "Drainage",
    "wound_redness": "Redness",
    "wound_swelling": "Swelling",
    "wound_warmth": "Warmth",
    "wound_opening": "Wound opening",
    "clear_fluid_from_wound": "Clear fluid from the wound",
    "temperature_c": "Highest temperature",
    "chills": "Chills",
    "saddle_numbness": "Saddle numbness",
    "new_leg_weakness": "New leg weakness",
    "foot_drop": "Foot drop",
    "new_leg_numbness": "New leg numbness",
    "thigh_numbness": "Thigh numbness",
    "hip_flexion_weakness": "Hip flexion weakness",
    "leg_symptom_side": "Leg symptoms on",
    "new_bladder_problem": "New bladder problem",
    "unable_to_urinate": "Cannot pass urine",
    "new_bowel_incontinence": "New bowel incontinence",
    "calf_pain_or_swelling": "Calf pain or swelling",
    "chest_pain": "Chest pain",
    "shortness_of_breath": "Short of breath",
    "coughing_blood": "Coughing blood",
    "headache_worse_upright": "Headache worse when upright",
    "stiff_neck": "Stiff neck",
}
# Shown before a notable answer, with bold type: a shape and a word, never colour alone.
NOTABLE_MARK = "\u25b2"


@dataclass(frozen=True)
class StripCell:
    text: str  # what the cell shows
    spoken: str = ""  # what a screen reader says instead, when `text` is a symbol
    notable: bool = False  # a "yes", any drainage, a fever


@dataclass(frozen=True)
class StripRowView:
    label: str
    cells: list[StripCell]


@dataclass(frozen=True)
class StripGroupView:
    heading: str
    rows: list[StripRowView]


@dataclass(frozen=True)
class StripView:
    days: list[int]
    groups: list[StripGroupView]
    caption: str


NOT_ANSWERED = StripCell("\u2014", spoken="not answered")


def strip_cell(field: str, value: Any, *, fever_c: float) -> StripCell:
    """One day's answer in words: "Yes", "no", "Pus", "38.9 °C fever", "—" (not answered)."""
    if value is None:
        return NOT_ANSWERED
    if field == "temperature_c":
        fever = float(value) >= fever_c
        return StripCell(f"{float(value):.1f} °C" + (" fever" if fever else ""), notable=fever)
    if field == "wound_drainage":
        return StripCell(str(value).capitalize(), notable=value != "none")
    if isinstance(value, bool):
        return StripCell("Yes", notable=True) if value else StripCell("no")
    return StripCell(str(value).capitalize())


def answer_strip(strip: AnswerStrip, *, fever_c: float) -> StripView:
    """The strip as the patient page's table: a row per question, a column per day."""
    groups = [
        StripGroupView(
            heading=STRIP_GROUP_HEADINGS.get(group.code, group.code),
            rows=[
                StripRowView(
                    label=STRIP_LABELS.get(row.field, label_for(row.field)),
                    cells=[strip_cell(row.field, v, fever_c=fever_c) for v in row.values],
                )
                for row in group.rows
            ],
        )
        for group in strip.groups
    ]
    caption = (
        "Wound and nerve answers by day after surgery, for the last "
        f"{len(strip.days)} day{'s' if len(strip.days) != 1 else ''} with a check-in. "
        f"{NOTABLE_MARK} and bold: a yes, any wound drainage, or a temperature at or above "
        f"the fever threshold ({fever_c:.1f} °C). \u2014: not answered. Several check-ins on "
        "one day: a yes at any time, the worst drainage, the highest temperature."
    )
    return StripView(days=strip.days, groups=groups, caption=caption)
