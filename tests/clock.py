"""Instants for tests whose outcome depends on the hour, date or weekday (the `clock` marker).

    @pytest.mark.clock                        the test controls time itself (time_machine, `now`)
    @pytest.mark.clock(NOON)                  its function fixtures and body run from NOON, ticking
    @pytest.mark.clock(NOON, tick=False)      ... with the clock frozen there

tests/conftest.py applies the marker; `make test-clock` runs the suite at other hours.
"""

from datetime import datetime

# A Wednesday noon in New York (16:00 UTC, 17:00 London, 09:00 Los Angeles): the same calendar
# date wherever the suite's patients live, and outside the default quiet hours (21:00-08:00).
NOON = "2026-06-10T16:00:00Z"


def parse_instant(text: str) -> datetime:
    """An aware datetime from ISO 8601 text; a naive one would silently mean the machine's zone."""
    instant = datetime.fromisoformat(text)
    if instant.tzinfo is None:
        raise ValueError(f"give an offset or Z, e.g. 2026-12-31T23:59:30Z: {text!r}")
    return instant


# --- cohort analytics (tests/recovery/selectors/test_analytics_*) ----------------------------
# A Monday, 17:00 UTC: still 2 June from Hawaii to Central Asia (factory patients: New York).
ANALYTICS_NOW = "2025-06-02T17:00:00Z"
ANALYTICS_TODAY = parse_instant(ANALYTICS_NOW).date()
