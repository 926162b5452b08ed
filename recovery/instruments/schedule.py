"""Questionnaire timepoints relative to surgery. Pure date arithmetic: every date is passed in.

Pass the patient's *local* calendar dates; this module never reads a clock or a time zone.
Windows are inclusive at both ends. Windows are clipped to the enrolment date: nothing is due
before the patient enrolled, and a window that closed before enrolment is left out entirely
(so a patient enrolled after surgery has no baseline window, and change scores stay blocked).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .loader import load_instruments, load_schedule
from .schema import Instrument, Schedule


@dataclass(frozen=True)
class TimepointWindow:
    timepoint: str
    target_on: date  # surgery day for the baseline
    opens_on: date
    closes_on: date
    instruments: tuple[str, ...]  # enabled instruments only

    def contains(self, day: date) -> bool:
        return self.opens_on <= day <= self.closes_on


@dataclass(frozen=True)
class Due:
    instrument: str
    timepoint: str
    opens_on: date
    closes_on: date
    overdue: bool  # the window has closed without an answer: a missed timepoint


def timepoint_windows(
    surgery_date: date,
    enrolled_on: date,
    *,
    schedule: Schedule | None = None,
    instruments: Mapping[str, Instrument] | None = None,
) -> list[TimepointWindow]:
    """The collection windows for one patient, in time order."""
    _require_dates(surgery_date=surgery_date, enrolled_on=enrolled_on)
    if schedule is None and instruments is None:
        return list(_default_windows(surgery_date, enrolled_on))
    return _windows(surgery_date, enrolled_on, schedule or load_schedule(), instruments)


@functools.lru_cache(maxsize=16384)
def _default_windows(surgery_date: date, enrolled_on: date) -> tuple[TimepointWindow, ...]:
    # Patients share surgery and enrolment dates, and a reminder sweep asks for thousands of
    # them a minute; the windows are frozen, so one tuple serves every caller. The loaders'
    # clear_caches() clears this too.
    return tuple(_windows(surgery_date, enrolled_on, load_schedule(), None))


def _windows(
    surgery_date: date,
    enrolled_on: date,
    schedule: Schedule,
    instruments: Mapping[str, Instrument] | None,
) -> list[TimepointWindow]:
    enabled = _enabled_codes(instruments)
    baseline = schedule.baseline
    candidates = [
        TimepointWindow(
            timepoint=baseline.code,
            target_on=surgery_date,
            opens_on=enrolled_on,
            closes_on=surgery_date + timedelta(days=baseline.grace_days_after_surgery),
            instruments=tuple(code for code in baseline.instruments if code in enabled),
        )
    ]
    for tp in schedule.follow_ups:
        target = surgery_date + timedelta(days=tp.target_day)
        half_width = timedelta(days=schedule.window_days(tp))
        candidates.append(
            TimepointWindow(
                timepoint=tp.code,
                target_on=target,
                opens_on=max(target - half_width, enrolled_on),
                closes_on=target + half_width,
                instruments=tuple(code for code in tp.instruments if code in enabled),
            )
        )
    return [window for window in candidates if window.opens_on <= window.closes_on]


def due_timepoints(
    surgery_date: date,
    enrolled_on: date,
    today: date,
    completed: Iterable[tuple[str, str]],
    *,
    schedule: Schedule | None = None,
    instruments: Mapping[str, Instrument] | None = None,
) -> list[Due]:
    """Questionnaires whose window has opened by `today` and that are not yet completed.

    `completed` holds (instrument_code, timepoint) pairs. Windows that closed unanswered stay
    in the list with `overdue=True` so the caller can record them as missed; an answer given
    after the window closes no longer belongs to that timepoint (see `timepoint_for`).
    Ordered by window opening, then instrument order in the schedule.
    """
    _require_dates(today=today)
    done = set(completed)
    return [
        Due(
            instrument=code,
            timepoint=window.timepoint,
            opens_on=window.opens_on,
            closes_on=window.closes_on,
            overdue=today > window.closes_on,
        )
        for window in timepoint_windows(
            surgery_date, enrolled_on, schedule=schedule, instruments=instruments
        )
        if window.opens_on <= today
        for code in window.instruments
        if (code, window.timepoint) not in done
    ]


def timepoint_for(
    surgery_date: date,
    enrolled_on: date,
    on: date,
    *,
    schedule: Schedule | None = None,
    instruments: Mapping[str, Instrument] | None = None,
) -> str | None:
    """The timepoint whose window contains `on`, or None between windows."""
    _require_dates(on=on)
    windows = timepoint_windows(
        surgery_date, enrolled_on, schedule=schedule, instruments=instruments
    )
    # Schedule validation guarantees windows never overlap, so at most one matches.
    return next((w.timepoint for w in windows if w.contains(on)), None)


def _enabled_codes(instruments: Mapping[str, Instrument] | None) -> set[str]:
    known = load_instruments() if instruments is None else instruments
    return {code for code, instrument in known.items() if instrument.enabled}


def _require_dates(**values: object) -> None:
    for name, value in values.items():
        # datetime is a date subclass, but comparing it with a date raises deep inside; and a
        # datetime here usually means a time-zone slip, so refuse it at the door.
        if not isinstance(value, date) or isinstance(value, datetime):
            raise TypeError(f"{name} must be a datetime.date, got {type(value).__name__}")
