"""Checklist adherence arithmetic over plain data (no ORM, no clock: `today` is passed in).

Input: for each local calendar date of the patient, a `DayRecord` with the item codes that were
due that day and the patient's answers (`entries[code]` True = kept, False = not kept; a due code
with no entry = unanswered). Entries for codes that were not due are ignored.

Definitions (per item code and overall, over the dates in the window):
- an *item-day* is one due code on one date; `due` counts item-days;
- `kept` / `not_kept` count answered item-days; `unknown` counts unanswered item-days, so
  due == kept + not_kept + unknown;
- `rate` = kept / (kept + not_kept), over answered item-days only, or None when nothing was
  answered. Unanswered days lower neither the rate nor raise it; they are reported as `unknown`
  so a dashboard can show "3 of 7 days unanswered" next to the rate;
- a date with nothing due contributes nothing: it is never counted as a 100% day;
- `days_due` counts dates with at least one due item, `days_answered` those with at least one
  answered due item.

Windows include both ends: `last_7_days` is today and the six dates before it; `since_surgery`
runs from the surgery date to today. Today's items usually show as unknown until answered.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class DayRecord:
    due: frozenset[str]
    entries: Mapping[str, bool] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        # Accept any iterable of codes for convenience, keep the record immutable.
        object.__setattr__(self, "due", frozenset(self.due))
        object.__setattr__(self, "entries", MappingProxyType(dict(self.entries)))


@dataclass(frozen=True)
class Counts:
    due: int = 0
    kept: int = 0
    not_kept: int = 0
    unknown: int = 0

    @property
    def answered(self) -> int:
        return self.kept + self.not_kept

    @property
    def rate(self) -> float | None:
        return self.kept / self.answered if self.answered else None

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.due + other.due,
            self.kept + other.kept,
            self.not_kept + other.not_kept,
            self.unknown + other.unknown,
        )


@dataclass(frozen=True)
class Adherence:
    overall: Counts
    per_item: Mapping[str, Counts] = field(hash=False)
    days_due: int
    days_answered: int

    @property
    def rate(self) -> float | None:
        return self.overall.rate


def adherence(days: Mapping[datetime.date, DayRecord]) -> Adherence:
    """Adherence over every date in `days` (see the module docstring for the definitions)."""
    per_item: dict[str, Counts] = {}
    days_due = days_answered = 0
    for record in days.values():
        if not record.due:
            continue
        days_due += 1
        answered_today = False
        for code in record.due:
            answer = record.entries.get(code)
            if answer is None:
                delta = Counts(due=1, unknown=1)
            else:
                answered_today = True
                delta = Counts(due=1, kept=1) if answer else Counts(due=1, not_kept=1)
            per_item[code] = per_item.get(code, Counts()) + delta
        days_answered += answered_today
    overall = sum(per_item.values(), Counts())
    return Adherence(
        overall=overall,
        per_item=MappingProxyType(dict(sorted(per_item.items()))),
        days_due=days_due,
        days_answered=days_answered,
    )


def adherence_between(
    days: Mapping[datetime.date, DayRecord], start: datetime.date, end: datetime.date
) -> Adherence:
    """Adherence over dates from `start` to `end`, both included (empty if start > end)."""
    return adherence({d: r for d, r in days.items() if start <= d <= end})


def last_7_days(days: Mapping[datetime.date, DayRecord], *, today: datetime.date) -> Adherence:
    return adherence_between(days, today - datetime.timedelta(days=6), today)


def since_surgery(
    days: Mapping[datetime.date, DayRecord],
    *,
    surgery_date: datetime.date,
    today: datetime.date,
) -> Adherence:
    return adherence_between(days, surgery_date, today)


def day_records(
    due_by_date: Mapping[datetime.date, Iterable[str]],
    entries_by_date: Mapping[datetime.date, Mapping[str, bool]],
) -> dict[datetime.date, DayRecord]:
    """Join 'what was due' with 'what was answered' per date; answers on dates with nothing
    due are dropped, as `adherence` would ignore them anyway."""
    return {
        day: DayRecord(due=frozenset(codes), entries=entries_by_date.get(day, {}))
        for day, codes in due_by_date.items()
    }
