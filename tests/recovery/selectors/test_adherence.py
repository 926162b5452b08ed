"""Adherence arithmetic: rate over answered item-days, unanswered apart, empty days ignored.

Every expected number below is worked out by hand from the table in the test.
"""

from __future__ import annotations

import datetime

import pytest

from recovery.pathways.adherence import (
    Counts,
    DayRecord,
    adherence,
    adherence_between,
    day_records,
    last_7_days,
    since_surgery,
)

D = datetime.date(2025, 5, 1)  # surgery day in the window tests


def day(n: int) -> datetime.date:
    return D + datetime.timedelta(days=n)


# One week of a patient with two daily items, "walk" and "no_nsaids".
WEEK = {
    day(0): DayRecord(due={"walk", "no_nsaids"}, entries={"walk": True, "no_nsaids": True}),
    day(1): DayRecord(due={"walk", "no_nsaids"}, entries={"walk": False}),  # no_nsaids unanswered
    day(2): DayRecord(due=set(), entries={"walk": True}),  # nothing due: ignored entirely
    day(3): DayRecord(due={"walk"}, entries={}),  # unanswered day
    day(4): DayRecord(due={"walk", "no_nsaids"}, entries={"walk": True, "no_nsaids": False}),
    day(5): DayRecord(due={"walk"}, entries={"walk": True, "shower": True}),  # shower not due
}


@pytest.mark.parametrize(
    ("days", "expected", "rate"),
    [
        pytest.param({}, Counts(0, 0, 0, 0), None, id="no days"),
        pytest.param({day(0): DayRecord(due=set())}, Counts(0, 0, 0, 0), None, id="nothing due"),
        pytest.param(
            {day(0): DayRecord(due={"walk"}), day(1): DayRecord(due={"walk"})},
            Counts(due=2, kept=0, not_kept=0, unknown=2),
            None,
            id="all unanswered",
        ),
        pytest.param(
            {day(0): DayRecord(due={"walk"}, entries={"walk": False})},
            Counts(due=1, kept=0, not_kept=1, unknown=0),
            0.0,
            id="answered and missed",
        ),
        # walk: days 0,1,3,4,5 -> kept 0,4,5; not kept 1; unknown 3
        # no_nsaids: days 0,1,4 -> kept 0; not kept 4; unknown 1
        pytest.param(WEEK, Counts(due=8, kept=4, not_kept=2, unknown=2), 4 / 6, id="mixed week"),
    ],
)
def test_it_counts_item_days(days, expected, rate):
    result = adherence(days)
    assert result.overall == expected
    assert result.rate == rate


@pytest.mark.parametrize(
    ("code", "expected", "rate"),
    [
        ("walk", Counts(due=5, kept=3, not_kept=1, unknown=1), 3 / 4),
        ("no_nsaids", Counts(due=3, kept=1, not_kept=1, unknown=1), 1 / 2),
    ],
)
def test_it_reports_each_item_separately(code, expected, rate):
    per_item = adherence(WEEK).per_item
    assert per_item[code] == expected
    assert per_item[code].rate == rate


def test_it_ignores_answers_for_items_that_were_not_due():
    assert "shower" not in adherence(WEEK).per_item


def test_it_never_counts_a_day_with_nothing_due_as_a_perfect_day():
    with_empty_days = {**WEEK, day(6): DayRecord(due=set()), day(7): DayRecord(due=set())}
    assert adherence(with_empty_days) == adherence(WEEK)


def test_it_counts_days_due_and_days_answered():
    result = adherence(WEEK)
    assert (result.days_due, result.days_answered) == (5, 4)  # day 2 not due; day 3 unanswered


def test_it_keeps_due_equal_to_kept_plus_not_kept_plus_unknown():
    for counts in [adherence(WEEK).overall, *adherence(WEEK).per_item.values()]:
        assert counts.due == counts.kept + counts.not_kept + counts.unknown


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        # days 0..5 all inside the window ending on day 5
        (day(5), Counts(due=8, kept=4, not_kept=2, unknown=2)),
        # window day 1..7: drops day 0 (2 kept)
        (day(7), Counts(due=6, kept=2, not_kept=2, unknown=2)),
        # window day 4..10: day 4 (1 kept, 1 not kept) and day 5 (1 kept)
        (day(10), Counts(due=3, kept=2, not_kept=1, unknown=0)),
        # window entirely after the data
        (day(20), Counts(0, 0, 0, 0)),
    ],
)
def test_it_measures_the_last_7_days_including_today(today, expected):
    assert last_7_days(WEEK, today=today).overall == expected


@pytest.mark.parametrize(
    ("surgery", "today", "expected"),
    [
        (day(0), day(3), Counts(due=5, kept=2, not_kept=1, unknown=2)),  # days 0, 1, 3
        (day(1), day(5), Counts(due=6, kept=2, not_kept=2, unknown=2)),  # ignores day 0
        (day(0), day(-1), Counts(0, 0, 0, 0)),  # today before surgery: empty window
    ],
)
def test_it_measures_since_surgery_up_to_today(surgery, today, expected):
    assert since_surgery(WEEK, surgery_date=surgery, today=today).overall == expected


def test_it_ignores_dates_after_today():
    assert adherence_between(WEEK, day(0), day(3)) == adherence(
        {d: WEEK[d] for d in map(day, range(4))}
    )


def test_it_joins_due_codes_with_answers_per_date():
    records = day_records(
        {day(0): ["walk"], day(1): ["walk"]},
        {day(0): {"walk": True}, day(9): {"walk": False}},
    )
    assert records == {
        day(0): DayRecord(due={"walk"}, entries={"walk": True}),
        day(1): DayRecord(due={"walk"}, entries={}),
    }
