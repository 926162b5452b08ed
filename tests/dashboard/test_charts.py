"""The SVG chart functions: pure, so tested on their markup without a database."""

import re
import xml.etree.ElementTree as ET

import pytest

from recovery.dashboard.charts import (
    Axis,
    Bar,
    HeatCell,
    IqrPoint,
    IqrSeries,
    Marker,
    Point,
    Series,
    Threshold,
    bar_chart,
    heat_colour,
    heat_strip,
    line_chart,
    scale,
)

SVG = "{http://www.w3.org/2000/svg}"
PAIN_AXES = {"x_axis": Axis(0, 90, "Day after surgery"), "y_axis": Axis(0, 10, "Pain (0-10)")}


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # also proves the markup is well-formed XML


def _points(root: ET.Element) -> list[ET.Element]:
    return [el for el in root.iter() if el.get("class") == "point"]


@pytest.mark.parametrize(
    ("value", "low", "high", "out_low", "out_high", "expected"),
    [
        (5, 0, 10, 0, 100, 50),
        (0, 0, 10, 200, 20, 200),  # y axes run upwards: low maps to the bottom
        (10, 0, 10, 200, 20, 20),
        (3, 3, 3, 0, 100, 50),  # flat domain: the middle, not a division by zero
    ],
)
def test_it_scales_linearly(value, low, high, out_low, out_high, expected):
    assert scale(value, low, high, out_low, out_high) == expected


def test_it_draws_one_marker_per_data_point_with_a_line_per_series():
    back = Series("Back pain", [Point(1, 7), Point(5, 5), Point(9, 3)])
    leg = Series("Leg pain", [Point(1, 4), Point(9, 2)], marker="square", dashed=True)

    root = _parse(line_chart(chart_id="pain", title="Pain", series=[back, leg], **PAIN_AXES))

    assert len(_points(root)) == 5
    lines = [el for el in root.iter(f"{SVG}path") if el.get("class") == "series-line"]
    assert len(lines) == 2
    assert lines[1].get("stroke-dasharray")  # leg pain differs by dash, not colour alone


def test_it_gives_screen_readers_a_title_and_a_description():
    root = _parse(line_chart(chart_id="pain", title="Back & leg pain", **PAIN_AXES))

    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "pain-title pain-desc"
    assert root.find(f"{SVG}title").text == "Back & leg pain"


def test_it_escapes_text_that_reaches_the_markup():
    svg = line_chart(
        chart_id="x",
        title="<script>alert(1)</script>",
        series=[Series('"quoted"', [Point(1, 1, label="<b>")])],
        **PAIN_AXES,
    )

    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    _parse(svg)


def test_it_marks_phase_boundaries_inside_the_axis_only():
    markers = [Marker(15, "Weeks 3-6"), Marker(43, "Weeks 7-12"), Marker(400, "Late")]

    root = _parse(line_chart(chart_id="p", title="t", markers=markers, **PAIN_AXES))

    groups = [el for el in root.iter(f"{SVG}g") if el.get("class") == "phase-marker"]
    assert [g.find(f"{SVG}text").text for g in groups] == ["Weeks 3-6", "Weeks 7-12"]


def test_it_draws_a_threshold_line_at_its_value():
    root = _parse(
        line_chart(
            chart_id="t",
            title="Temperature",
            x_axis=Axis(0, 30, "Day"),
            y_axis=Axis(35, 40, "°C"),
            thresholds=[Threshold(38.0, "Fever 38.0 °C")],
        )
    )

    group = next(el for el in root.iter(f"{SVG}g") if el.get("class") == "threshold")
    line = group.find(f"{SVG}line")
    # 38 is 3/5 of the way up a frame that runs from y=220 (35 °C) to y=28 (40 °C).
    assert float(line.get("y1")) == pytest.approx(220 - 0.6 * 192)
    assert group.find(f"{SVG}text").text == "Fever 38.0 °C"


def test_it_clamps_outliers_into_the_frame_but_keeps_the_true_value_in_the_tooltip():
    series = Series("Temp", [Point(1, 43.0, label="43.0 °C")])

    root = _parse(
        line_chart(
            chart_id="t",
            title="t",
            x_axis=Axis(0, 10, "d"),
            y_axis=Axis(35, 40, "C"),
            series=[series],
        )
    )

    (point,) = _points(root)
    assert float(point.get("cy")) == 28  # the top of the frame
    assert point.find(f"{SVG}title").text == "43.0 °C"


def test_it_draws_interquartile_bands_with_their_median_points():
    band = IqrSeries("Open", [IqrPoint(0, 40, 50, 60), IqrPoint(6, 20, 30, 45)])

    root = _parse(
        line_chart(
            chart_id="c",
            title="ODI",
            x_axis=Axis(0, 12, "Months"),
            y_axis=Axis(0, 100, "ODI"),
            bands=[band],
        )
    )

    assert len([el for el in root.iter(f"{SVG}path") if el.get("class") == "iqr-band"]) == 1
    assert len(_points(root)) == 2


def test_it_says_so_when_there_is_no_data():
    svg = line_chart(chart_id="e", title="Empty", **PAIN_AXES)

    assert "No data yet" in svg
    assert _points(_parse(svg)) == []


def test_it_hatches_unanswered_days_in_the_heat_strip():
    cells = [HeatCell("1 Mar", 1.0), HeatCell("2 Mar", None), HeatCell("3 Mar", 0.5)]

    root = _parse(heat_strip(chart_id="h", title="Adherence", cells=cells))

    rects = [el for el in root.iter(f"{SVG}rect") if el.get("class") == "cell"]
    assert [r.find(f"{SVG}title").text for r in rects] == [
        "1 Mar: 100% kept",
        "2 Mar: not answered",
        "3 Mar: 50% kept",
    ]
    assert rects[1].get("fill") == "url(#h-hatch)"


@pytest.mark.parametrize(
    ("value", "colour"),
    [(0.0, "#f7fcf5"), (0.5, "#74c476"), (0.99, "#006d2c"), (1.0, "#006d2c"), (2.0, "#006d2c")],
)
def test_it_shades_adherence_in_five_steps(value, colour):
    assert heat_colour(value) == colour


def test_it_writes_each_bar_value_as_text():
    bars = [Bar("Open", 0.64, text="64% (n=25)"), Bar("MIS", 0.7, text="70% (n=20)")]

    svg = bar_chart(chart_id="b", title="MCID", bars=bars, y_axis=Axis(0, 1, "Share"))

    root = _parse(svg)
    assert len([el for el in root.iter(f"{SVG}rect") if el.get("class") == "bar"]) == 2
    assert re.search(r">64% \(n=25\)</text>", svg)


@pytest.mark.parametrize(
    ("high", "expected"),
    [
        (14, [0, 2, 4, 6, 8, 10, 12, 14]),
        (15, [0, 5, 10, 15]),
        (50, [0, 14, 28, 42]),
        (90, [0, 14, 28, 42, 56, 70, 84]),
    ],
)
def test_it_puts_day_ticks_on_whole_days(high, expected):
    from recovery.dashboard.charts import day_ticks

    assert [int(value) for value, _ in day_ticks(0, high)] == expected
