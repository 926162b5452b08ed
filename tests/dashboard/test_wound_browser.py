"""The wound-photo gallery and comparison in headless chromium against the live server."""

import pytest
from playwright.sync_api import Page, expect

from recovery.models import Flag
from tests.dashboard.browser import sign_in
from tests.factories.wound_photos import make_incision_photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_shows_the_gallery_compares_two_days_and_flags_a_concerning_photo(
    page: Page, live_server, clinician, patient, csp_violations
):
    photos = {
        day: make_incision_photo(patient, postop_day=day, redness=day / 10) for day in (2, 5, 9)
    }
    sign_in(page, live_server.url, clinician.username)

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
