"""The closed registry of operators the rule DSL can use, as small pure functions.

A fact that was not reported (None) never satisfies a comparison: absence of an answer is not a
symptom, and it is not reassurance either, so rules that need "reported false" say `eq: false`.
Trend primitives take values in chronological order (oldest first).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from itertools import pairwise
from typing import Any

Comparator = Callable[[Any, Any], bool]


def _eq(actual: Any, expected: Any) -> bool:
    if actual is None:
        return False
    # bool is an int subclass: `True == 1` must not let a boolean answer match a number.
    if isinstance(actual, bool) or isinstance(expected, bool):
        return isinstance(actual, bool) and isinstance(expected, bool) and actual == expected
    return bool(actual == expected)


def _ne(actual: Any, expected: Any) -> bool:
    return actual is not None and not _eq(actual, expected)


def _in(actual: Any, options: Sequence[Any]) -> bool:
    return actual is not None and any(_eq(actual, option) for option in options)


COMPARATORS: dict[str, Comparator] = {
    "eq": _eq,
    "ne": _ne,
    "gte": lambda actual, bound: actual is not None and actual >= bound,
    "gt": lambda actual, bound: actual is not None and actual > bound,
    "lte": lambda actual, bound: actual is not None and actual <= bound,
    "lt": lambda actual, bound: actual is not None and actual < bound,
    "in": _in,
}


def compare(op: str, actual: Any, operand: Any) -> bool:
    return COMPARATORS[op](actual, operand)


def is_true(actual: Any) -> bool:
    return actual is True


def rose_by(values: Sequence[float], by: float, *, monotonic: bool = True) -> bool:
    """Newest minus oldest is at least `by`; with `monotonic`, no step goes down on the way."""
    if len(values) < 2:
        return False
    if monotonic and any(later < earlier for earlier, later in pairwise(values)):
        return False
    return values[-1] - values[0] >= by


def fell_by(values: Sequence[float], by: float, *, monotonic: bool = True) -> bool:
    return rose_by([-value for value in values], by, monotonic=monotonic)


def rebounded(values: Sequence[float], *, by: float, improved_by: float, sustained: int) -> bool:
    """Worse again after an initial improvement, judged against the patient's own course.

    The last `sustained` values are each at least `by` above the best (lowest) earlier value,
    and that best value was itself reached by improving at least `improved_by` from a higher one
    before it. Needs at least two earlier values (a start and a nadir).
    """
    earlier, recent = values[: len(values) - sustained], values[len(values) - sustained :]
    if sustained < 1 or len(earlier) < 2 or len(recent) < sustained:
        return False
    nadir_at = min(range(len(earlier)), key=lambda i: (earlier[i], -i))
    nadir = earlier[nadir_at]
    improved = max(earlier[: nadir_at + 1]) - nadir >= improved_by
    return improved and all(value - nadir >= by for value in recent)


def count_at_least(matches: Sequence[bool], at_least: int) -> bool:
    return sum(1 for match in matches if match) >= at_least


def days_between(earlier: datetime, later: datetime) -> float:
    return (later - earlier).total_seconds() / 86400


TREND_OPERATORS = ("rising", "falling", "rebound", "count", "window_max", "window_min")
