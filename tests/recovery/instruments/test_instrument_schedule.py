"""Questionnaire timepoints: windows, the timepoint of a given day, and what is due (no Django)."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta

import pytest
from pydantic import ValidationError

from recovery.instruments import (
    Due,
    InstrumentError,
    due_timepoints,
    load_instruments,
    load_schedule,
    timepoint_for,
    timepoint_windows,
)
from recovery.instruments.loader import DATA_DIR
from recovery.instruments.schema import Schedule

SURGERY = date(2025, 3, 3)
ENROLLED = date(2025, 2, 1)
CORE = ("odi", "nrs_pain")


def day(offset: int) -> date:
    return SURGERY + timedelta(days=offset)


def with_promis_enabled() -> dict:
    instruments = load_instruments()
    instruments["promis_pf"] = instruments["promis_pf"].model_copy(update={"enabled": True})
    return instruments


# --- windows ------------------------------------------------------------------------------------


def test_it_lists_the_six_timepoints_in_order():
    windows = timepoint_windows(SURGERY, ENROLLED)
    assert [w.timepoint for w in windows] == ["baseline", "6w", "3m", "6m", "12m", "24m"]


def test_it_opens_the_baseline_at_enrolment_and_closes_it_on_surgery_day():
    baseline = timepoint_windows(SURGERY, ENROLLED)[0]
    assert (baseline.opens_on, baseline.target_on, baseline.closes_on) == (
        ENROLLED,
        SURGERY,
        SURGERY,
    )


@pytest.mark.parametrize(
    ("timepoint", "target_day"), [("6w", 42), ("3m", 90), ("6m", 180), ("12m", 365), ("24m", 730)]
)
def test_it_centres_follow_up_windows_on_the_target_day(timepoint, target_day):
    window = next(w for w in timepoint_windows(SURGERY, ENROLLED) if w.timepoint == timepoint)
    assert (window.opens_on, window.target_on, window.closes_on) == (
        day(target_day - 14),
        day(target_day),
        day(target_day + 14),
    )


def test_it_leaves_disabled_instruments_out_of_every_window():
    assert {w.instruments for w in timepoint_windows(SURGERY, ENROLLED)} == {CORE}


def test_it_includes_promis_once_enabled():
    windows = timepoint_windows(SURGERY, ENROLLED, instruments=with_promis_enabled())
    assert {w.instruments for w in windows} == {(*CORE, "promis_pf")}


def test_it_uses_a_configured_window_width():
    data = load_schedule().model_dump()
    data["default_window_days"] = 7
    data["follow_ups"][3]["window_days"] = 30  # 12m
    windows = {
        w.timepoint: w
        for w in timepoint_windows(SURGERY, ENROLLED, schedule=Schedule.model_validate(data))
    }
    assert (windows["6w"].opens_on, windows["6w"].closes_on) == (day(35), day(49))
    assert (windows["12m"].opens_on, windows["12m"].closes_on) == (day(335), day(395))


def test_it_extends_the_baseline_by_a_configured_grace():
    data = load_schedule().model_dump()
    data["baseline"]["grace_days_after_surgery"] = 1
    schedule = Schedule.model_validate(data)
    assert timepoint_for(SURGERY, ENROLLED, day(1), schedule=schedule) == "baseline"


def test_it_refuses_overlapping_windows():
    data = load_schedule().model_dump()
    data["default_window_days"] = 30  # 6w would run to day 72, 3m opens on day 60
    with pytest.raises(ValidationError, match="window of 3m overlaps 6w"):
        Schedule.model_validate(data)


def test_it_refuses_a_follow_up_window_opening_inside_the_baseline():
    data = load_schedule().model_dump()
    data["baseline"]["grace_days_after_surgery"] = 28
    with pytest.raises(ValidationError, match="window of 6w overlaps baseline"):
        Schedule.model_validate(data)


def test_it_refuses_a_schedule_naming_an_unknown_instrument(tmp_path):
    for path in DATA_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    schedule = tmp_path / "schedule.yaml"
    schedule.write_text(
        schedule.read_text().replace("[odi, nrs_pain, promis_pf]", "[odi, sf12]", 1)
    )
    with pytest.raises(InstrumentError, match="baseline: unknown instrument 'sf12'"):
        load_schedule(tmp_path)


# --- enrolment clipping -------------------------------------------------------------------------


def test_it_gives_no_baseline_window_to_a_patient_enrolled_after_surgery():
    windows = timepoint_windows(SURGERY, day(3))
    assert [w.timepoint for w in windows] == ["6w", "3m", "6m", "12m", "24m"]


def test_it_opens_a_window_no_earlier_than_enrolment():
    six_weeks = timepoint_windows(SURGERY, day(40))[0]
    assert (six_weeks.timepoint, six_weeks.opens_on, six_weeks.closes_on) == (
        "6w",
        day(40),
        day(56),
    )


def test_it_drops_windows_that_closed_before_enrolment():
    assert timepoint_windows(SURGERY, day(57))[0].timepoint == "3m"


# --- timepoint_for ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-30, "baseline"),  # enrolment day
        (-31, None),  # before enrolment
        (0, "baseline"),  # surgery day
        (1, None),
        (27, None),
        (28, "6w"),  # first day of the window
        (42, "6w"),
        (56, "6w"),  # last day of the window
        (57, None),
        (76, "3m"),
        (104, "3m"),
        (166, "6m"),
        (365, "12m"),
        (744, "24m"),
        (745, None),
    ],
)
def test_it_finds_the_timepoint_of_a_day(offset, expected):
    assert timepoint_for(SURGERY, ENROLLED, day(offset)) == expected


def test_it_finds_no_baseline_after_surgery_for_late_enrolment():
    assert timepoint_for(SURGERY, SURGERY + timedelta(days=1), SURGERY) is None


# --- due_timepoints -----------------------------------------------------------------------------


def test_it_makes_the_baseline_due_from_enrolment():
    assert due_timepoints(SURGERY, ENROLLED, ENROLLED, set()) == [
        Due(
            instrument=code,
            timepoint="baseline",
            opens_on=ENROLLED,
            closes_on=SURGERY,
            overdue=False,
        )
        for code in CORE
    ]


def test_it_lists_nothing_before_enrolment():
    assert due_timepoints(SURGERY, ENROLLED, ENROLLED - timedelta(days=1), set()) == []


def test_it_drops_completed_questionnaires():
    due = due_timepoints(SURGERY, ENROLLED, day(-5), {("odi", "baseline")})
    assert [(d.instrument, d.timepoint) for d in due] == [("nrs_pain", "baseline")]


@pytest.mark.parametrize(
    ("offset", "overdue"),
    [(0, False), (1, True), (27, True)],
    ids=["surgery day", "day after", "weeks later"],
)
def test_it_flags_a_baseline_overdue_once_its_window_closes(offset, overdue):
    due = due_timepoints(SURGERY, ENROLLED, day(offset), set())
    assert [(d.timepoint, d.overdue) for d in due] == [("baseline", overdue)] * 2


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (27, []),  # 6w not open yet
        (28, [("6w", False)]),
        (56, [("6w", False)]),
        (57, [("6w", True)]),
        (76, [("6w", True), ("3m", False)]),
    ],
)
def test_it_lists_open_and_overdue_follow_ups(offset, expected):
    done = {(code, "baseline") for code in CORE}
    due = due_timepoints(SURGERY, ENROLLED, day(offset), done)
    assert sorted({(d.timepoint, d.overdue) for d in due}, key=str) == sorted(expected, key=str)


def test_it_never_lists_future_timepoints():
    due = due_timepoints(SURGERY, ENROLLED, day(100), set())
    assert {d.timepoint for d in due} == {"baseline", "6w", "3m"}


def test_it_lists_everything_outstanding_in_window_order():
    due = due_timepoints(SURGERY, ENROLLED, day(800), set())
    assert [(d.timepoint, d.instrument) for d in due] == [
        (tp, code) for tp in ("baseline", "6w", "3m", "6m", "12m", "24m") for code in CORE
    ]
    assert all(d.overdue for d in due)


def test_it_adds_promis_to_due_lists_once_enabled():
    due = due_timepoints(SURGERY, ENROLLED, ENROLLED, set(), instruments=with_promis_enabled())
    assert [d.instrument for d in due] == [*CORE, "promis_pf"]


@pytest.mark.parametrize(
    "call",
    [
        lambda: timepoint_windows(datetime(2025, 3, 3, 8, 0), ENROLLED),
        lambda: timepoint_windows(SURGERY, "2025-02-01"),
        lambda: due_timepoints(SURGERY, ENROLLED, datetime(2025, 3, 1, 9, 0), set()),
        lambda: timepoint_for(SURGERY, ENROLLED, None),
    ],
    ids=["datetime surgery", "string enrolment", "datetime today", "missing day"],
)
def test_it_accepts_only_plain_dates(call):
    with pytest.raises(TypeError):
        call()
