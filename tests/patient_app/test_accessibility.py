"""axe-core (bundled by axe-playwright-python) on every screen of the patient app: 0 serious
or critical violations, in the phone-sized chromium of the browser tests."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, expect

from tests.factories import PASSWORD
from tests.factories.plans import planned_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCKING = {"serious", "critical"}


def _blocking(axe: Axe, page: Page) -> list[str]:
    results = axe.run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def _at(page: Page, hash_: str, heading: str) -> None:
    page.evaluate(f"location.hash = {hash_!r}")
    expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()


def _new_check_in(page: Page) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Check-in").click()
    expect(page.get_by_role("heading", level=1, name="Check-in")).to_be_visible()


def test_it_has_no_serious_or_critical_violations_on_any_screen(
    page: Page, context: BrowserContext, live_server
):
    patient = planned_patient(postop_day=30)
    patient.care_team.phone = "+1-202-555-0100"
    patient.care_team.save()
    axe = Axe()
    found: dict[str, list[str]] = {}

    page.goto(f"{live_server.url}/app/#/activate")
    expect(page.get_by_role("heading", level=1, name="Activate your account")).to_be_visible()
    found["activate"] = _blocking(axe, page)
    _at(page, "#/sign-in", "Sign in")
    found["sign-in"] = _blocking(axe, page)
    page.get_by_label("Username").fill(patient.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Today")).to_be_visible()
    found["today"] = _blocking(axe, page)

    for hash_, heading in [
        ("#/checklist", "Checklist"),
        ("#/milestones", "Milestones"),
        ("#/questionnaires", "Questionnaires"),
        ("#/inbox", "Inbox"),
        ("#/settings", "Settings"),
    ]:
        _at(page, hash_, heading)
        found[heading] = _blocking(axe, page)

    _at(page, "#/check-in", "Check-in")
    for gate in page.locator("fieldset.gate").all():
        gate.get_by_label("Yes", exact=True).check()
    found["check-in, every group open"] = _blocking(axe, page)

    page.locator('[data-group="wound"]').get_by_label("The wound is opening").check()
    page.get_by_role("button", name="Send check-in").click()
    urgent = page.get_by_role("heading", level=1, name="Call your surgical team today")
    expect(urgent).to_be_visible()
    found["urgent"] = _blocking(axe, page)

    _new_check_in(page)
    page.locator('[data-group="chest"]').get_by_label("Yes", exact=True).check()
    page.get_by_label("Chest pain").check()
    page.get_by_role("button", name="Send check-in").click()
    expect(page.get_by_role("heading", level=1, name="This is an emergency")).to_be_visible()
    found["emergency"] = _blocking(axe, page)

    _at(page, "#/today", "Today")
    _new_check_in(page)
    context.set_offline(True)
    page.get_by_role("button", name="Send check-in").click()
    expect(page.get_by_role("heading", level=1, name="Waiting to send")).to_be_visible()
    found["waiting to send"] = _blocking(axe, page)
    context.set_offline(False)
    expect(page.locator("#net")).to_have_text("")
    page.wait_for_load_state("networkidle")

    assert {screen: v for screen, v in found.items() if v} == {}
