"""The dashboard in a real headless chromium against the live server (pytest-playwright)."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def console_errors(page: Page) -> Iterator[list[str]]:
    """Console errors seen during the test; a CSP violation shows up here as "Refused to ..."."""
    errors: list[str] = []

    def _collect(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", _collect)
    yield errors


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/dashboard/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Worklist")).to_be_visible()


def test_it_signs_in_and_refuses_another_teams_patient(
    page: Page, live_server, clinician, other_patient, console_errors
):
    _sign_in(page, live_server.url, clinician.username)

    response = page.goto(f"{live_server.url}/dashboard/patients/{other_patient.id}/")

    assert response is not None and response.status == 404
    assert [e for e in console_errors if "Content Security Policy" in e] == []
