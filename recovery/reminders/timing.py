"""Local wall-clock times to UTC instants, across daylight-saving changes.

A reminder set for 09:00 fires once per local day at 09:00 on the patient's clock. Two edge
cases, both resolved with zoneinfo's `fold=0` (the earlier reading of a local time):
- a time that does not exist (the spring-forward gap, e.g. 02:30 in New York in March) moves
  forward by the gap: fold=0 applies the pre-transition offset, giving 03:30 local;
- a time that occurs twice (the fall-back overlap) fires at its first occurrence only.
Idempotency keys carry the local date as well, so even a re-timed row cannot fire twice a day.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def at_local(day: date, wall_time: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of `wall_time` on `day` in `tz` (see module docstring for DST)."""
    return datetime.combine(day, wall_time, tzinfo=tz).astimezone(UTC)


def next_occurrence(wall_time: time, tz: ZoneInfo, *, after: datetime) -> datetime:
    """The first instant strictly after `after` when the local clock in `tz` shows `wall_time`."""
    local_day = after.astimezone(tz).date()
    for offset in range(3):
        candidate = at_local(local_day + timedelta(days=offset), wall_time, tz)
        if candidate > after:
            return candidate
    raise AssertionError("unreachable: a local time recurs within three days")


def local_date_of(instant: datetime, tz: ZoneInfo) -> date:
    """The patient's calendar date at `instant` (the date an idempotency key names)."""
    return instant.astimezone(tz).date()
