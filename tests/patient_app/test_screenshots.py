"""Saves the README's patient app screenshots: `make screenshots` (pytest -m screenshots).

docs/screenshots/app-today.png, app-checkin.png, app-emergency.png and app-offline.png, taken
in the phone-sized chromium of the browser tests.
"""

from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.factories import PASSWORD
from tests.factories.plans import planned_patient

pytestmark = [pytest.mark.screenshots, pytest.mark.django_db(transaction=True)]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_it_saves_today_checkin_emergency_and_offline_screenshots(
    page: Page, context: BrowserContext, live_server
):
    patient = planned_patient(postop_day=12, first_name="Maria", last_name="Lopez")
    OUT.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/app/#/sign-in")
    page.get_by_label("Username").fill(patient.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Today")).to_be_visible()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=OUT / "app-today.png")

    page.get_by_role("navigation").get_by_role("link", name="Check-in").click()
    page.get_by_label("Back pain now (0 none, 10 worst)").fill("4")
    page.locator('[data-group="legs"]').get_by_label("Yes", exact=True).check()
    page.locator('[data-group="legs"]').scroll_into_view_if_needed()
    page.screenshot(path=OUT / "app-checkin.png")

    page.get_by_label("Numbness between your legs or around your bottom").check()
    page.get_by_role("button", name="Send check-in").click()
    expect(page.get_by_role("heading", level=1, name="This is an emergency")).to_be_visible()
    page.screenshot(path=OUT / "app-emergency.png")

    page.get_by_role("link", name="Back to Today").click()
    page.get_by_role("navigation").get_by_role("link", name="Check-in").click()
    context.set_offline(True)
    page.get_by_role("button", name="Send check-in").click()
    expect(page.get_by_role("heading", level=1, name="Waiting to send")).to_be_visible()
    page.screenshot(path=OUT / "app-offline.png")
    context.set_offline(False)
    expect(page.locator("#net")).to_have_text("")
    page.wait_for_load_state("networkidle")

    assert all((OUT / f"app-{n}.png").stat().st_size > 0 for n in ("today", "checkin"))
