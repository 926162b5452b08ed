from datetime import UTC, datetime, time

import pytest

from notifications.quiet_hours import quiet_until

pytestmark = pytest.mark.clock  # pure functions of an injected `now`

NIGHT = (time(21, 0), time(8, 0))


@pytest.mark.parametrize(
    ("now_utc", "tz", "window", "expected_utc"),
    [
        # New York, winter (UTC-5): 23:30 -> 08:00 next morning; 07:59 -> 08:00 today.
        (datetime(2025, 1, 15, 4, 30), "America/New_York", NIGHT, datetime(2025, 1, 15, 13, 0)),
        (datetime(2025, 1, 15, 12, 59), "America/New_York", NIGHT, datetime(2025, 1, 15, 13, 0)),
        # 08:00 and 20:59 local are outside the window.
        (datetime(2025, 1, 15, 13, 0), "America/New_York", NIGHT, None),
        (datetime(2025, 1, 16, 1, 59), "America/New_York", NIGHT, None),
        # The night the clocks go forward (9 March 2025): 08:00 EDT is 12:00 UTC.
        (datetime(2025, 3, 9, 4, 0), "America/New_York", NIGHT, datetime(2025, 3, 9, 12, 0)),
        # London after the clocks go back (26 October 2025): 08:00 GMT is 08:00 UTC.
        (datetime(2025, 10, 25, 22, 0), "Europe/London", NIGHT, datetime(2025, 10, 26, 8, 0)),
        # Sydney in January (UTC+11).
        (datetime(2025, 1, 15, 12, 0), "Australia/Sydney", NIGHT, datetime(2025, 1, 15, 21, 0)),
        # A window that does not wrap midnight, and an empty one.
        (
            datetime(2025, 1, 15, 14, 0),
            "UTC",
            (time(13, 0), time(15, 0)),
            datetime(2025, 1, 15, 15, 0),
        ),
        (datetime(2025, 1, 15, 14, 0), "UTC", (time(9, 0), time(9, 0)), None),
    ],
)
def test_it_finds_the_end_of_quiet_hours_on_the_local_clock(
    now_utc, tz, window, expected_utc
) -> None:
    start, end = window
    until = quiet_until(now=now_utc.replace(tzinfo=UTC), tz=tz, start=start, end=end)
    assert until == (expected_utc.replace(tzinfo=UTC) if expected_utc else None)
