"""Quiet hours on the recipient's wall clock. Pure functions: `now` is passed in."""

import zoneinfo
from datetime import datetime, time, timedelta


def _in_window(local: time, start: time, end: time) -> bool:
    if start == end:
        return False  # an empty window: no quiet hours
    if start < end:
        return start <= local < end
    return local >= start or local < end  # the window wraps midnight (21:00-08:00)


def quiet_until(*, now: datetime, tz: str, start: time, end: time) -> datetime | None:
    """The aware UTC instant quiet hours end, or None when `now` is outside them.

    A wall time that does not exist that day (spring forward) resolves forward, as zoneinfo
    does with fold=0, so a deferred message is never held for an extra day.
    """
    zone = zoneinfo.ZoneInfo(tz)
    local = now.astimezone(zone)
    if not _in_window(local.time(), start, end):
        return None
    day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    ends = datetime.combine(day, end, tzinfo=zone)
    return ends.astimezone(zoneinfo.ZoneInfo("UTC"))
