"""The idle logoff warning in a real headless chromium: shown a minute before the server would
end the session, announced as an alert dialog, and operable from the keyboard."""

import pytest
from django.test import override_settings
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD
from tests.mfa import totp_code, totp_device_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# One idle minute: the page is inside its one-minute warning window as soon as it loads.
@override_settings(DASHBOARD_IDLE_MINUTES=1)
def test_it_warns_before_logoff_and_stays_signed_in_from_the_keyboard(
    page: Page, live_server, clinician
) -> None:
    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_label("Username").fill(clinician.username)
    page.get_by_label("Password").fill(PASSWORD)
    device = totp_device_for(clinician)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("6-digit code").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()

    dialog = page.get_by_role("alertdialog", name="Are you still there?")
    expect(dialog).to_be_visible()
    stay = dialog.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    with page.expect_response(lambda r: r.url.endswith("/dashboard/session/keepalive/")) as kept:
        page.keyboard.press("Enter")

    assert kept.value.status == 200
    expect(page.get_by_role("heading", level=1, name="Worklist")).to_be_visible()
