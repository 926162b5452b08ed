from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from recovery.reminders.timing import at_local, local_date_of, next_occurrence

pytestmark = pytest.mark.clock  # pure functions of an injected `now`

NY, LONDON, SYDNEY = (
    ZoneInfo("America/New_York"),
    ZoneInfo("Europe/London"),
    ZoneInfo("Australia/Sydney"),
)

# (zone, a spring-forward local date, a fall-back local date) in 2026.
DST_DATES = [
    (NY, date(2026, 3, 8), date(2026, 11, 1)),
    (LONDON, date(2026, 3, 29), date(2026, 10, 25)),
    (SYDNEY, date(2026, 10, 4), date(2026, 4, 5)),
]


def _fire_times(wall: time, tz: ZoneInfo, start: datetime, days: int) -> list[datetime]:
    fired, cursor = [], start
    for _ in range(days):
        cursor = next_occurrence(wall, tz, after=cursor)
        fired.append(cursor)
    return fired


@pytest.mark.parametrize(("tz", "spring", "autumn"), DST_DATES)
@pytest.mark.parametrize("wall", [time(9, 0), time(2, 30), time(1, 30), time(23, 59)])
def test_it_fires_once_per_local_day_across_both_changes(tz, spring, autumn, wall) -> None:
    for change in (spring, autumn):
        start = at_local(change - timedelta(days=3), time(0, 0), tz)
        fired = _fire_times(wall, tz, start, days=6)
        local_days = [local_date_of(f, tz) for f in fired]
        assert local_days == [change - timedelta(days=3) + timedelta(days=i) for i in range(6)]


@pytest.mark.parametrize(("tz", "spring", "_autumn"), DST_DATES)
def test_a_time_in_the_spring_gap_moves_forward(tz, spring, _autumn) -> None:
    # 02:30 does not exist on these dates (Sydney and New York jump 02:00->03:00,
    # London 01:00->02:00, so use 01:30 there).
    wall = time(1, 30) if tz is LONDON else time(2, 30)
    fired = next_occurrence(wall, tz, after=at_local(spring, time(0, 0), tz) - timedelta(hours=1))
    local = fired.astimezone(tz)
    assert local.date() == spring
    assert (local.hour, local.minute) == (wall.hour + 1, 30)


@pytest.mark.parametrize(("tz", "_spring", "autumn"), DST_DATES)
def test_a_repeated_time_fires_at_its_first_occurrence_only(tz, _spring, autumn) -> None:
    wall = time(1, 30)  # occurs twice on these dates (London and New York: 01:00-02:00)
    if tz is SYDNEY:
        wall = time(2, 30)  # Sydney repeats 02:00-03:00
    first = next_occurrence(wall, tz, after=at_local(autumn, time(0, 0), tz))
    second = next_occurrence(wall, tz, after=first)
    assert first.astimezone(tz).fold == 0
    assert local_date_of(second, tz) == autumn + timedelta(days=1)


def test_a_changed_zone_applies_from_the_next_occurrence() -> None:
    sent_in_ny = datetime(2026, 6, 1, 13, 0, tzinfo=UTC)  # 09:00 in New York
    following = next_occurrence(time(9, 0), LONDON, after=sent_in_ny)
    assert following == datetime(2026, 6, 2, 8, 0, tzinfo=UTC)  # 09:00 BST the next day
