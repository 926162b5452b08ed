"""Dashboard browser-test helpers (the csp_violations fixture is in conftest.py)."""

from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD
from tests.mfa import totp_code, totp_device_for


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/dashboard/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    device = totp_device_for(get_user_model().objects.get(username=username))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("6-digit code").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1, name="Worklist")).to_be_visible()
