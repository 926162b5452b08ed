"""Server-rendered SVG charts as pure functions: plain data in, an SVG string out.

No Django, no clock, no JavaScript: the page stays within the strict CSP (SVG presentation
attributes are not inline styles) and prints the same everywhere. Every chart carries a
<title>/<desc> for screen readers, and series differ by marker shape and dash as well as
colour, so colour is never the only signal. Callers mark the result safe; every piece of
text that reaches the markup here is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

WIDTH = 640
HEIGHT = 260
MARGIN_LEFT = 48
MARGIN_RIGHT = 36
MARGIN_TOP = 28
MARGIN_BOTTOM = 40

# Okabe-Ito palette: distinguishable with the common colour-vision deficiencies.
BLUE = "#0072B2"
VERMILLION = "#D55E00"
GREEN = "#009E73"
PURPLE = "#CC79A7"
GREY = "#555555"
MARKERS = ("circle", "square", "triangle", "diamond")


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str = ""  # the tooltip, e.g. "Day 12: 6/10"


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[Point]
    colour: str = BLUE
    marker: str = "circle"
    dashed: bool = False


@dataclass(frozen=True)
class IqrPoint:
    x: float
    low: float  # 25th percentile
    median: float
    high: float  # 75th percentile


@dataclass(frozen=True)
class IqrSeries:
    """A median line with its interquartile band (cohort trajectories)."""

    name: str
    points: Sequence[IqrPoint]
    colour: str = BLUE
    marker: str = "circle"
    dashed: bool = False


@dataclass(frozen=True)
class Axis:
    low: float
    high: float
    label: str
    # (value, text) pairs; empty means five evenly spaced numeric ticks.
    ticks: Sequence[tuple[float, str]] = field(default_factory=tuple)


@dataclass(frozen=True)
class Marker:
    """A vertical line at x (a phase boundary) with a short label."""

    x: float
    label: str


@dataclass(frozen=True)
class Threshold:
    """A horizontal reference line (fever threshold, MCID target)."""

    y: float
    label: str


@dataclass(frozen=True)
class HeatCell:
    label: str  # e.g. a date
    value: float | None  # 0..1, None = nothing answered


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str = ""  # shown above the bar, e.g. "64% (n=25)"
    colour: str = BLUE


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _num(value: float) -> str:
    # Two decimals are far below a pixel; trimming keeps the markup small and stable in tests.
    return f"{value:.2f}".rstrip("0").rstrip(".")


def scale(value: float, low: float, high: float, out_low: float, out_high: float) -> float:
    """Map value from [low, high] onto [out_low, out_high]; a flat domain maps to the middle."""
    if high == low:
        return (out_low + out_high) / 2
    return out_low + (value - low) * (out_high - out_low) / (high - low)


# Steps a day axis may take: whole days, then a week, two weeks, a month, a quarter, a year.
DAY_STEPS = (1, 2, 5, 7, 14, 30, 60, 90, 180, 365)


def day_ticks(low: int, high: int, most: int = 8) -> list[tuple[float, str]]:
    """Whole-day ticks from `low`, the smallest DAY_STEPS step giving at most `most` ticks."""
    span = max(high - low, 1)
    step = next((s for s in DAY_STEPS if span / s <= most - 1), DAY_STEPS[-1])
    return [(float(day), str(day)) for day in range(low, high + 1, step)]


def whole_ticks(low: int, high: int) -> list[tuple[float, str]]:
    """One tick per whole unit: a temperature axis reads 35, 36, 37, 38, 39, 40."""
    return [(float(v), str(v)) for v in range(low, high + 1)]


def default_ticks(low: float, high: float, count: int = 5) -> list[tuple[float, str]]:
    if high == low:
        return [(low, _num(low))]
    step = (high - low) / (count - 1)
    return [(low + i * step, _num(round(low + i * step, 1))) for i in range(count)]


@dataclass(frozen=True)
class _Frame:
    x: Axis
    y: Axis
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def left(self) -> float:
        return MARGIN_LEFT

    @property
    def right(self) -> float:
        return self.width - MARGIN_RIGHT

    @property
    def top(self) -> float:
        return MARGIN_TOP

    @property
    def bottom(self) -> float:
        return self.height - MARGIN_BOTTOM

    def px(self, x: float) -> float:
        return scale(x, self.x.low, self.x.high, self.left, self.right)

    def py(self, y: float) -> float:
        return scale(y, self.y.low, self.y.high, self.bottom, self.top)


def _open(chart_id: str, title: str, desc: str, width: int, height: int) -> list[str]:
    cid = _e(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" font-family="sans-serif" font-size="12">',
        f'<title id="{cid}-title">{_e(title)}</title>',
        f'<desc id="{cid}-desc">{_e(desc)}</desc>',
    ]


def _axes(frame: _Frame) -> list[str]:
    parts = [
        f'<g class="axes" stroke="{GREY}" stroke-width="1">',
        f'<line x1="{_num(frame.left)}" y1="{_num(frame.bottom)}" '
        f'x2="{_num(frame.right)}" y2="{_num(frame.bottom)}"/>',
        f'<line x1="{_num(frame.left)}" y1="{_num(frame.top)}" '
        f'x2="{_num(frame.left)}" y2="{_num(frame.bottom)}"/>',
        "</g>",
        f'<g class="ticks" fill="{GREY}">',
    ]
    for value, text in frame.x.ticks or default_ticks(frame.x.low, frame.x.high):
        x = frame.px(value)
        parts.append(
            f'<text x="{_num(x)}" y="{_num(frame.bottom + 16)}" text-anchor="middle">'
            f"{_e(text)}</text>"
        )
    for value, text in frame.y.ticks or default_ticks(frame.y.low, frame.y.high):
        y = frame.py(value)
        parts.append(
            f'<text x="{_num(frame.left - 6)}" y="{_num(y + 4)}" text-anchor="end">'
            f"{_e(text)}</text>"
        )
        parts.append(
            f'<line x1="{_num(frame.left)}" y1="{_num(y)}" x2="{_num(frame.right)}" '
            f'y2="{_num(y)}" stroke="#dddddd" stroke-width="1"/>'
        )
    parts.append("</g>")
    parts.append(
        f'<text class="axis-label" x="{_num((frame.left + frame.right) / 2)}" '
        f'y="{_num(frame.height - 6)}" text-anchor="middle" fill="#222222">'
        f"{_e(frame.x.label)}</text>"
    )
    parts.append(f'<text class="axis-label" x="8" y="16" fill="#222222">{_e(frame.y.label)}</text>')
    return parts


def _marker(shape: str, x: float, y: float, colour: str, label: str) -> str:
    tip = f"<title>{_e(label)}</title>" if label else ""
    common = f'class="point" fill="{colour}" stroke="#ffffff" stroke-width="1"'
    if shape == "square":
        return (
            f'<rect {common} x="{_num(x - 4)}" y="{_num(y - 4)}" width="8" height="8">{tip}</rect>'
        )
    if shape == "triangle":
        pts = f"{_num(x)},{_num(y - 5)} {_num(x - 5)},{_num(y + 4)} {_num(x + 5)},{_num(y + 4)}"
        return f'<polygon {common} points="{pts}">{tip}</polygon>'
    if shape == "diamond":
        pts = f"{_num(x)},{_num(y - 5)} {_num(x + 5)},{_num(y)} {_num(x)},{_num(y + 5)} " + (
            f"{_num(x - 5)},{_num(y)}"
        )
        return f'<polygon {common} points="{pts}">{tip}</polygon>'
    return f'<circle {common} cx="{_num(x)}" cy="{_num(y)}" r="4">{tip}</circle>'


def _path(coords: Sequence[tuple[float, float]]) -> str:
    return " ".join(
        f"{'M' if i == 0 else 'L'}{_num(x)} {_num(y)}" for i, (x, y) in enumerate(coords)
    )


def _line(frame: _Frame, name: str, coords: list[tuple[float, float, str]], **style: str) -> str:
    colour, dashed, marker = style["colour"], style["dashed"], style["marker"]
    pixels = [(frame.px(x), frame.py(y)) for x, y, _ in coords]
    parts = [f'<g class="series" data-series="{_e(name)}">']
    if len(pixels) > 1:
        dash = ' stroke-dasharray="6 4"' if dashed == "yes" else ""
        parts.append(
            f'<path class="series-line" d="{_path(pixels)}" fill="none" stroke="{colour}" '
            f'stroke-width="2"{dash}/>'
        )
    parts.extend(
        _marker(marker, px, py, colour, label)
        for (px, py), (_, _, label) in zip(pixels, coords, strict=True)
    )
    parts.append("</g>")
    return "".join(parts)


def _legend(frame: _Frame, entries: Sequence[tuple[str, str, str, bool]]) -> list[str]:
    parts = ['<g class="legend">']
    # Starts after the y-axis label, which shares the top line.
    x = 24 + 7 * len(frame.y.label)
    for name, colour, marker, dashed in entries:
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        parts.append(
            f'<line x1="{_num(x)}" y1="12" x2="{_num(x + 22)}" y2="12" stroke="{colour}" '
            f'stroke-width="2"{dash}/>'
        )
        parts.append(_marker(marker, x + 11, 12, colour, "").replace('class="point"', ""))
        parts.append(f'<text x="{_num(x + 28)}" y="16" fill="#222222">{_e(name)}</text>')
        x += 40 + 7 * len(name)
    parts.append("</g>")
    return parts


def line_chart(
    *,
    chart_id: str,
    title: str,
    x_axis: Axis,
    y_axis: Axis,
    series: Sequence[Series] = (),
    bands: Sequence[IqrSeries] = (),
    markers: Sequence[Marker] = (),
    thresholds: Sequence[Threshold] = (),
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """A line chart with optional phase markers, threshold lines and interquartile bands.

    Points outside the axes are clamped to the frame so an outlier still shows (its tooltip
    keeps the true value). Each data point is one element with class "point".
    """
    frame = _Frame(x_axis, y_axis, width, height)
    count = sum(len(s.points) for s in series) + sum(len(b.points) for b in bands)
    desc = f"{count} data points; x: {x_axis.label}; y: {y_axis.label}."
    parts = _open(chart_id, title, desc, width, height)
    parts.extend(_axes(frame))

    for marker in markers:
        if not x_axis.low <= marker.x <= x_axis.high:
            continue
        x = frame.px(marker.x)
        parts.append(
            f'<g class="phase-marker"><line x1="{_num(x)}" y1="{_num(frame.top)}" '
            f'x2="{_num(x)}" y2="{_num(frame.bottom)}" stroke="{GREY}" stroke-width="1" '
            f'stroke-dasharray="2 3"/><text x="{_num(x + 3)}" y="{_num(frame.top + 10)}" '
            f'fill="{GREY}" font-size="10">{_e(marker.label)}</text></g>'
        )
    for threshold in thresholds:
        y = frame.py(_clamp(threshold.y, y_axis))
        parts.append(
            f'<g class="threshold"><line x1="{_num(frame.left)}" y1="{_num(y)}" '
            f'x2="{_num(frame.right)}" y2="{_num(y)}" stroke="{VERMILLION}" stroke-width="1.5" '
            f'stroke-dasharray="8 3 2 3"/><text x="{_num(frame.right - 4)}" y="{_num(y - 4)}" '
            f'text-anchor="end" fill="{VERMILLION}">{_e(threshold.label)}</text></g>'
        )
    for band in bands:
        if not band.points:
            continue
        upper = [(frame.px(p.x), frame.py(_clamp(p.high, y_axis))) for p in band.points]
        lower = [(frame.px(p.x), frame.py(_clamp(p.low, y_axis))) for p in band.points]
        outline = upper + lower[::-1]
        parts.append(
            f'<path class="iqr-band" d="{_path(outline)} Z" fill="{band.colour}" '
            f'fill-opacity="0.18" stroke="none"/>'
        )
        coords = [
            (
                p.x,
                _clamp(p.median, y_axis),
                f"{band.name}, {p.x:g}: median {p.median:g} (IQR {p.low:g}-{p.high:g})",
            )
            for p in band.points
        ]
        parts.append(
            _line(
                frame,
                band.name,
                coords,
                colour=band.colour,
                marker=band.marker,
                dashed="yes" if band.dashed else "no",
            )
        )
    for s in series:
        coords = [(p.x, _clamp(p.y, y_axis), p.label) for p in s.points]
        parts.append(
            _line(
                frame,
                s.name,
                coords,
                colour=s.colour,
                marker=s.marker,
                dashed="yes" if s.dashed else "no",
            )
        )
    entries = [(s.name, s.colour, s.marker, s.dashed) for s in series]
    entries += [(b.name, b.colour, b.marker, b.dashed) for b in bands]
    if entries:
        parts.extend(_legend(frame, entries))
    if count == 0:
        parts.append(
            f'<text class="empty" x="{_num((frame.left + frame.right) / 2)}" '
            f'y="{_num((frame.top + frame.bottom) / 2)}" text-anchor="middle" fill="{GREY}">'
            "No data yet</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _clamp(value: float, axis: Axis) -> float:
    low, high = min(axis.low, axis.high), max(axis.low, axis.high)
    return max(low, min(high, value))


def heat_strip(*, chart_id: str, title: str, cells: Sequence[HeatCell], width: int = WIDTH) -> str:
    """One cell per day, darker = more of the day's checklist kept; unanswered days are hatched.

    The shade comes with a text tooltip and the hatch pattern, so the strip does not rely on
    colour alone; the page shows the numbers in a table next to it.
    """
    height = 64
    left, right = 8, width - 8
    cell_w = (right - left) / max(len(cells), 1)
    answered = [c for c in cells if c.value is not None]
    desc = f"{len(cells)} days, {len(answered)} with answers."
    parts = _open(chart_id, title, desc, width, height)
    parts.append(
        f'<defs><pattern id="{_e(chart_id)}-hatch" width="6" height="6" '
        'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{GREY}" stroke-width="1.5"/></pattern></defs>'
    )
    for i, cell in enumerate(cells):
        x = left + i * cell_w
        if cell.value is None:
            fill, text = f"url(#{_e(chart_id)}-hatch)", f"{cell.label}: not answered"
        else:
            fill = heat_colour(cell.value)
            text = f"{cell.label}: {round(cell.value * 100)}% kept"
        parts.append(
            f'<rect class="cell" x="{_num(x)}" y="8" width="{_num(max(cell_w - 1, 1))}" '
            f'height="32" fill="{fill}" stroke="#ffffff" stroke-width="0.5">'
            f"<title>{_e(text)}</title></rect>"
        )
    if cells:
        parts.append(
            f'<text x="{left}" y="56" fill="{GREY}">{_e(cells[0].label)}</text>'
            f'<text x="{right}" y="56" text-anchor="end" fill="{GREY}">'
            f"{_e(cells[-1].label)}</text>"
        )
    else:
        parts.append(f'<text x="{width / 2:g}" y="30" text-anchor="middle">No data yet</text>')
    parts.append("</svg>")
    return "".join(parts)


def heat_colour(value: float) -> str:
    """White-to-green ramp in five steps (steps read better than a continuous ramp)."""
    steps = ("#f7fcf5", "#c7e9c0", "#74c476", "#31a354", "#006d2c")
    index = min(int(max(0.0, min(1.0, value)) * len(steps)), len(steps) - 1)
    return steps[index]


def bar_chart(
    *,
    chart_id: str,
    title: str,
    bars: Sequence[Bar],
    y_axis: Axis,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """Vertical bars with their value written above each one (never colour alone)."""
    slots = max(len(bars), 1)
    frame = _Frame(Axis(0, slots, "", ticks=()), y_axis, width, height)
    desc = "; ".join(f"{b.label}: {b.text or _num(b.value)}" for b in bars) or "No data yet"
    parts = _open(chart_id, title, desc, width, height)
    ticks = [(i + 0.5, b.label) for i, b in enumerate(bars)]
    parts.extend(_axes(_Frame(Axis(0, slots, "", ticks=ticks), y_axis, width, height)))
    slot_w = (frame.right - frame.left) / slots
    for i, bar in enumerate(bars):
        top = frame.py(_clamp(bar.value, y_axis))
        x = frame.left + i * slot_w + slot_w * 0.2
        parts.append(
            f'<rect class="bar" x="{_num(x)}" y="{_num(top)}" width="{_num(slot_w * 0.6)}" '
            f'height="{_num(frame.bottom - top)}" fill="{bar.colour}">'
            f"<title>{_e(bar.label)}: {_e(bar.text or _num(bar.value))}</title></rect>"
            f'<text x="{_num(x + slot_w * 0.3)}" y="{_num(top - 4)}" text-anchor="middle" '
            f'fill="#222222">{_e(bar.text or _num(bar.value))}</text>'
        )
    if not bars:
        parts.append(
            f'<text x="{width / 2:g}" y="{height / 2:g}" text-anchor="middle">No data yet</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
