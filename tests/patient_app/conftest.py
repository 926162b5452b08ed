"""Patient app fixtures: Debian's chromium (the dashboard's launch arguments) in a phone, and a
real Celery worker behind every test that uses the live server (tests/patient_app/worker.py)."""

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page

from tests.dashboard.conftest import browser_type_launch_args  # noqa: F401  (re-exported fixture)
from tests.patient_app.worker import WorkerLedger, celery_live_worker  # noqa: F401  (fixture)

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


@pytest.fixture(autouse=True)
def worker(request: pytest.FixtureRequest) -> Iterator[WorkerLedger | None]:
    """Live-server tests run with the module's real worker, and leave it idle: the page's last
    requests are answered and every task they published has run before the database is
    flushed (a task still running would hold locks the flush's TRUNCATE waits for)."""
    if "live_server" not in request.fixturenames:
        yield None
        return
    ledger: WorkerLedger = request.getfixturevalue("celery_live_worker")
    page = request.getfixturevalue("page") if "page" in request.fixturenames else None
    yield ledger
    if page is not None:
        with contextlib.suppress(Exception):  # a test may have closed its page
            page.wait_for_load_state("networkidle", timeout=5_000)
    ledger.wait_idle()
