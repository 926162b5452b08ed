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

    _new_check_in(page)
    page.get_by_role("button", name="Send check-in").click()
    expect(page.get_by_role("heading", level=1, name="Thank you")).to_be_visible()
    found["thank you"] = _blocking(axe, page)

    assert {screen: v for screen, v in found.items() if v} == {}


# Issue 20 item 5 at the narrowest phone: no sideways scrolling, every touch target at least
# 44 x 44 CSS px (a checkbox or radio counts with its label, which takes the tap too), and
# every visible text at least 16 px.
FIT_PROBLEMS = """() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) {
    problems.push(`scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
  }
  const name = (el) => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} "${
    (el.textContent || el.getAttribute("aria-label") || el.name || "").trim().slice(0, 30)}"`;
  const visible = (el) => el.checkVisibility() && !el.closest(".skip");
  for (const el of document.querySelectorAll("a[href], button, input, select, textarea")) {
    if (!visible(el) && !(el.type === "checkbox" || el.type === "radio")) continue;
    let box = el.getBoundingClientRect();
    if ((el.type === "checkbox" || el.type === "radio") && el.labels && el.labels.length) {
      const label = el.labels[0].getBoundingClientRect();
      const top = Math.min(box.top, label.top), bottom = Math.max(box.bottom, label.bottom);
      const left = Math.min(box.left, label.left), right = Math.max(box.right, label.right);
      box = { width: right - left, height: bottom - top };
    }
    if (box.width === 0 && box.height === 0) continue;  // closed group
    if (box.width < 44 || box.height < 44) {
      problems.push(`small target ${name(el)}: ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  for (const el of document.body.querySelectorAll("*")) {
    const text = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!text || !visible(el)) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 16) problems.push(`small text ${name(el)}: ${size}px`);
  }
  return problems;
}"""


def test_it_fits_a_320_px_phone_with_large_targets_and_text(page: Page, live_server):
    patient = planned_patient(postop_day=30)
    page.set_viewport_size({"width": 320, "height": 640})
    found: dict[str, list[str]] = {}

    page.goto(f"{live_server.url}/app/#/sign-in")
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    found["sign-in"] = page.evaluate(FIT_PROBLEMS)
    page.get_by_label("Username").fill(patient.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Today")).to_be_visible()
    found["today"] = page.evaluate(FIT_PROBLEMS)

    for hash_, heading in [
        ("#/checklist", "Checklist"),
        ("#/milestones", "Milestones"),
        ("#/questionnaires", "Questionnaires"),
        ("#/inbox", "Inbox"),
        ("#/settings", "Settings"),
    ]:
        _at(page, hash_, heading)
        found[heading] = page.evaluate(FIT_PROBLEMS)

    _at(page, "#/check-in", "Check-in")
    for gate in page.locator("fieldset.gate").all():
        gate.get_by_label("Yes", exact=True).check()
    found["check-in, every group open"] = page.evaluate(FIT_PROBLEMS)

    _at(page, "#/today", "Today")
    _new_check_in(page)
    page.get_by_role("button", name="Send check-in").click()
    expect(page.get_by_role("heading", level=1, name="Thank you")).to_be_visible()
    found["thank you"] = page.evaluate(FIT_PROBLEMS)

    assert {screen: v for screen, v in found.items() if v} == {}
