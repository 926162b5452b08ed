"""Patient app fixtures: Debian's chromium (the dashboard's launch arguments) in a phone."""

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page

from tests.dashboard.conftest import browser_type_launch_args  # noqa: F401  (re-exported fixture)

PHONE_USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36"
)


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, object]) -> dict[str, object]:
    return {
        **browser_context_args,
        "viewport": {"width": 390, "height": 844},
        "has_touch": True,
        "is_mobile": True,
        "user_agent": PHONE_USER_AGENT,
        "locale": "en-US",
    }


@pytest.fixture
def page(page: Page) -> Page:
    """The phone's clock is the server's: the app stamps answers (`recorded_at`, `taken_at`) with
    the browser's time, so under a moved Python clock (`--clock-at`, the `clock` marker) the
    browser starts at the same instant and ticks from there."""
    page.clock.install(time=datetime.now(UTC))
    return page
