"""The wound-photo gallery and comparison in headless chromium against the live server."""

from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import ConsoleMessage, Page, expect

from recovery.models import Flag
from tests.factories import PASSWORD
from tests.factories.wound_photos import make_incision_photo
from tests.mfa import totp_code, totp_device_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def csp_violations(page: Page) -> Iterator[list[str]]:
    errors: list[str] = []

    def _collect(message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            errors.append(message.text)

    page.on("console", _collect)
    yield errors
    assert errors == []


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/dashboard/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    device = totp_device_for(get_user_model().objects.get(username=username))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("6-digit code").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1, name="Worklist")).to_be_visible()


def test_it_shows_the_gallery_compares_two_days_and_flags_a_concerning_photo(
    page: Page, live_server, clinician, patient, csp_violations
):
    photos = {
        day: make_incision_photo(patient, postop_day=day, redness=day / 10) for day in (2, 5, 9)
    }
    _sign_in(page, live_server.url, clinician.username)

    page.goto(f"{live_server.url}/dashboard/patients/{patient.id}/")
    expect(page.locator(".wound-day")).to_have_count(3)
    compare = page.locator("#wound-compare figure")
    expect(compare).to_have_count(2)
    expect(compare.nth(0)).to_have_attribute("data-postop-day", "2")
    expect(compare.nth(1)).to_have_attribute("data-postop-day", "9")
    # The images load through the authenticated view (naturalWidth > 0 once decoded).
    first_image = compare.nth(0).locator("img")
    expect(first_image).to_have_js_property("complete", True)
    assert first_image.evaluate("img => img.naturalWidth") == 640

    page.get_by_label("Compare day").select_option("5")
    page.get_by_label("with day").select_option("9")
    page.get_by_role("button", name="Compare").click()
    expect(compare.nth(0)).to_have_attribute("data-postop-day", "5")

    page.get_by_role("button", name="Day 9 photo is concerning").click()
    expect(page.locator(".messages")).to_contain_text("concerning")
    expect(page.locator(f"#wound-photo-{photos[9].id} .review-status")).to_contain_text(
        "Concerning"
    )
    assert Flag.objects.get(patient=patient).category == "infection"
