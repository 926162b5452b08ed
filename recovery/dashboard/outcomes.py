"""The outcomes page: the cohort tables of `recovery.selectors.cohort`, one per surgical group.

Groups are open vs minimally invasive (default) or each technique. Each group's table is the
same per-timepoint table the API serves (`GET /api/v1/care/outcomes/`), so small-cell
suppression (settings.OUTCOMES_MIN_CELL) applies unchanged; the charts below only draw cells
that are not suppressed. Complications (resolved flags by category), revisions and fusion
confirmed come from the same tables.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from recovery import instruments
from recovery.dashboard import charts
from recovery.dashboard.forms import label_for
from recovery.models import Surgery
from recovery.selectors import cohort

GROUPINGS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "approach": ("Approach", list(Surgery.Approach.choices)),
    "technique": ("Technique", list(Surgery.Technique.choices)),
}
TIMEPOINT_LABELS = {
    "baseline": "Before",
    "6w": "6 wk",
    "3m": "3 mo",
    "6m": "6 mo",
    "12m": "12 mo",
    "24m": "24 mo",
}
PALETTE = (
    charts.BLUE,
    charts.VERMILLION,
    charts.GREEN,
    charts.PURPLE,
    "#E69F00",
    "#56B4E9",
    "#000000",
)


@dataclass
class Group:
    code: str
    label: str
    table: dict[str, Any]
    colour: str
    marker: str

    @property
    def patients(self) -> dict[str, Any]:
        return self.table["patients"]


@dataclass
class OutcomesPage:
    compare_by: str
    groups: list[Group]
    min_cell: int
    charts: list[tuple[str, str, SafeString]] = field(default_factory=list)
    complications: list[tuple[str, list[str]]] = field(default_factory=list)


def cohort_groups(*, clinician: Any, compare_by: str, today: date) -> list[Group]:
    """One cohort table per value of the grouping (a fixed number of queries per group)."""
    _, choices = GROUPINGS[compare_by]
    groups = []
    for index, (code, label) in enumerate(choices):
        grouping: dict[str, Any] = {compare_by: code}
        filters = cohort.CohortFilters(**grouping)
        table = cohort.cohort_outcome_table(clinician=clinician, filters=filters, today=today)
        groups.append(
            Group(
                code,
                label,
                table,
                PALETTE[index % len(PALETTE)],
                charts.MARKERS[index % len(charts.MARKERS)],
            )
        )
    return groups


def _timepoint_axis(codes: list[str]) -> charts.Axis:
    ticks = [(float(i), TIMEPOINT_LABELS.get(code, code)) for i, code in enumerate(codes)]
    return charts.Axis(0, max(len(codes) - 1, 1), "Time since surgery", ticks=ticks)


def trajectory_chart(
    groups: list[Group], *, measure: str, title: str, y_axis: charts.Axis, chart_id: str
) -> str:
    """Median per timepoint with its interquartile band, one line per group."""
    codes = [row["timepoint"] for row in groups[0].table["timepoints"]] if groups else []
    bands = []
    for group in groups:
        points = []
        for i, row in enumerate(group.table["timepoints"]):
            score = row["measures"].get(measure, {}).get("score", {})
            if score and not score.get("suppressed") and score.get("median") is not None:
                points.append(charts.IqrPoint(i, score["p25"], score["median"], score["p75"]))
        if points:
            bands.append(
                charts.IqrSeries(group.label, points, colour=group.colour, marker=group.marker)
            )
    return charts.line_chart(
        chart_id=chart_id, title=title, x_axis=_timepoint_axis(codes), y_axis=y_axis, bands=bands
    )


# Shares are drawn in percent: 0-100 % with a tick every 25 % (issue 16: not a bare 0-1).
SHARE_AXIS = charts.Axis(
    0, 100, "Share of patients (%)", ticks=[(v, f"{v}%") for v in (0, 25, 50, 75, 100)]
)


def mcid_chart(groups: list[Group], *, measure: str, chart_id: str) -> str:
    """Share reaching the MCID at each follow-up, one bar per group and timepoint with data."""
    bars = share_bars(groups, lambda row: row["measures"].get(measure, {}).get("mcid"))
    return charts.bar_chart(
        chart_id=chart_id, title="Share reaching the MCID", bars=bars, y_axis=SHARE_AXIS
    )


def fusion_chart(groups: list[Group], *, chart_id: str) -> str:
    """Share with fusion confirmed (imaging or the fusion milestone) at each group's latest
    follow-up with enough patients: one bar per group keeps the chart readable."""
    bars = []
    for group in groups:
        latest = share_bars([group], lambda row: row.get("fusion"))
        bars.extend(latest[-1:])
    return charts.bar_chart(
        chart_id=chart_id, title="Fusion confirmed", bars=bars, y_axis=SHARE_AXIS
    )


def share_bars(groups: list[Group], cell_of: Any) -> list[charts.Bar]:
    """One bar per group and follow-up whose share cell is not suppressed."""
    bars = []
    for group in groups:
        for row in group.table["timepoints"]:
            cell = cell_of(row)
            if cell and not cell["suppressed"]:
                when = TIMEPOINT_LABELS.get(row["timepoint"], row["timepoint"])
                bars.append(
                    charts.Bar(
                        f"{group.label} {when}",
                        cell["share"] * 100,
                        text=f"{round(cell['share'] * 100)}% (n={cell['n']})",
                        colour=group.colour,
                    )
                )
    return bars


def complications(groups: list[Group], limit: int) -> list[tuple[str, list[str]]]:
    """(category label, one cell per group) from the cohort tables: patients with a resolved
    complication flag (analytics leaves out "no problem" and non-complications)."""
    categories: list[str] = []
    for group in groups:
        for category in group.table["complications"]:
            if category not in categories:
                categories.append(category)
    rows = []
    for category in categories:
        cells = []
        for group in groups:
            cell = group.table["complications"].get(category, {})
            total = group.patients.get("n")
            if not cell or cell.get("suppressed"):
                cells.append(f"fewer than {limit}")
            elif total:
                cells.append(f"{cell['patients']} ({round(100 * cell['patients'] / total)}%)")
            else:
                cells.append(str(cell["patients"]))
        rows.append((label_for(category), cells))
    return rows


def outcomes_page(*, clinician: Any, compare_by: str, today: date) -> OutcomesPage:
    groups = cohort_groups(clinician=clinician, compare_by=compare_by, today=today)
    # Every group gets a column: a count under the minimum cell is suppressed even when it is
    # zero, so "nobody" and "a few" cannot be told apart and neither may be dropped.
    shown = groups
    limit = cohort.min_cell()
    odi_max = float(instruments.load_thresholds().by_code["odi"].scale_max)
    page = OutcomesPage(compare_by=compare_by, groups=shown, min_cell=limit)
    page.charts = [
        (
            "odi",
            "Disability (ODI) over time",
            _safe(
                trajectory_chart(
                    shown,
                    measure="odi",
                    title="ODI median and interquartile range",
                    y_axis=charts.Axis(0, odi_max, "ODI (0-100, lower is better)"),
                    chart_id="chart-odi-trajectory",
                )
            ),
        ),
        (
            "back",
            "Back pain over time",
            _safe(
                trajectory_chart(
                    shown,
                    measure="nrs_back",
                    title="Back pain median and IQR",
                    y_axis=charts.Axis(0, 10, "Back pain (0-10)"),
                    chart_id="chart-back-trajectory",
                )
            ),
        ),
        (
            "leg",
            "Leg pain over time",
            _safe(
                trajectory_chart(
                    shown,
                    measure="nrs_leg",
                    title="Leg pain median and IQR",
                    y_axis=charts.Axis(0, 10, "Leg pain (0-10)"),
                    chart_id="chart-leg-trajectory",
                )
            ),
        ),
        (
            "mcid",
            "ODI: share reaching the MCID",
            _safe(mcid_chart(shown, measure="odi", chart_id="chart-odi-mcid")),
        ),
    ]
    page.charts.append(
        ("fusion", "Fusion confirmed", _safe(fusion_chart(shown, chart_id="chart-fusion")))
    )
    page.complications = complications(shown, limit)
    return page


def _safe(svg: str) -> SafeString:
    return mark_safe(svg)  # noqa: S308 - charts.py escapes every piece of text


def csv_rows(groups: Iterable[Group], compare_by: str) -> str:
    """Every group's table as CSV: the API's columns with the group in front."""
    rows = [
        {compare_by: group.code, **row}
        for group in groups
        for row in cohort.table_rows(group.table)
    ]
    buffer = io.StringIO()
    if rows:
        columns = list(dict.fromkeys(name for row in rows for name in row))
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()
