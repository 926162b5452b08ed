"""Which time zone the dashboard shows times in, per clinician.

Order: an explicit choice stored in the session (the "Time zone" page) wins; otherwise the
browser's own zone, which static/dashboard/dashboard.js writes to the `dashboard_tz` cookie
(Intl.DateTimeFormat().resolvedOptions().timeZone) on every page, the login page included, so
it is known before the first page with times; otherwise UTC. Stored times stay UTC throughout.
"""

import zoneinfo
from functools import lru_cache

from django.http import HttpRequest

COOKIE_NAME = "dashboard_tz"
SESSION_KEY = "dashboard_tz"
DEFAULT_ZONE = "UTC"


@lru_cache(maxsize=1)
def known_zones() -> frozenset[str]:
    # Reading the tz database touches the filesystem; the set never changes while we run.
    return frozenset(zoneinfo.available_timezones())


def zone_name_for(request: HttpRequest) -> tuple[str, str]:
    """(zone name, where it came from: "chosen" | "browser" | "default")."""
    chosen = request.session.get(SESSION_KEY)
    if chosen in known_zones():
        return chosen, "chosen"
    browser = request.COOKIES.get(COOKIE_NAME, "")
    if browser in known_zones():
        return browser, "browser"
    return DEFAULT_ZONE, "default"


def zone_for(request: HttpRequest) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(zone_name_for(request)[0])
