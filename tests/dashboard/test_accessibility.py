"""Dashboard accessibility in headless chromium (issue 16, item 9): axe-core (bundled by
axe-playwright-python) finds no serious or critical violation on the worklist, the patient page
and the outcomes page; every flag action works from the keyboard; severity is never shown by
colour alone; and "Assign to me" shows the owner on the row and under "Mine"."""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Page, expect

from recovery.models import CheckIn, Flag, FlagFinding, Patient
from tests.dashboard.browser import sign_in
from tests.dashboard.world import seed_cohort, seed_recovering_patient
from tests.factories import PatientFactory
from tests.factories.checkins import CheckInFactory, FlagFactory
from tests.factories.plans import planned_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCKING = {"serious", "critical"}


def _blocking(axe: Axe, page: Page) -> list[str]:
    results = axe.run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def _named(clinician, first: str = "Sam", last: str = "Rivera") -> None:
    clinician.first_name, clinician.last_name = first, last
    clinician.save()


def _flagged_patient(team, **fields) -> tuple[Patient, Flag, Flag]:
    """A patient at day 10 with a dangerous check-in (fever, pus, saddle numbness, weakness)
    behind an emergency and an urgent flag, each with its finding."""
    patient = planned_patient(care_team=team, postop_day=10, **fields)
    seed_recovering_patient(patient)
    checkin = CheckInFactory(patient=patient, day=10, temperature_c=38.9)
    CheckIn.objects.filter(id=checkin.id).update(
        saddle_numbness=True, new_leg_weakness=True, wound_drainage="pus", chills=True
    )
    now = timezone.now()
    cauda = FlagFactory(
        patient=patient, severity="emergency", category="cauda_equina", opened_at=now
    )
    infection = FlagFactory(patient=patient, severity="urgent", category="infection", opened_at=now)
    for flag, rule_id, facts in [
        (cauda, "cauda_equina.saddle_numbness", {"saddle_numbness": True}),
        (infection, "infection.purulent_drainage", {"wound_drainage": "pus"}),
        (infection, "infection.fever_in_monitoring_window", {"temperature_c": 38.9}),
    ]:
        FlagFinding.objects.create(
            flag=flag,
            rule_id=rule_id,
            rule_version=1,
            severity=flag.severity,
            facts=facts,
            checkin=checkin,
            at=now,
        )
        flag.checkins.add(checkin)
    return patient, cauda, infection


def _world(clinician) -> tuple[Patient, Flag, Flag]:
    team = clinician.care_memberships.get().team
    patient, cauda, infection = _flagged_patient(team, first_name="Maria", last_name="Lopez")
    FlagFactory(
        patient=PatientFactory(care_team=team, first_name="Ana", last_name="Silva"),
        severity="routine",
        category="uncontrolled_pain",
        opened_at=timezone.now() - timedelta(hours=5),
    )
    return patient, cauda, infection


# ------------------------------------------------------------------------------------ axe


def test_it_has_no_serious_or_critical_violations_on_the_dashboard_pages(
    page: Page, live_server, clinician, csp_violations
):
    from tests.factories.wound_photos import make_incision_photo

    _named(clinician)
    patient, _, _ = _world(clinician)
    make_incision_photo(patient, postop_day=9, redness=0.5)
    seed_cohort(clinician.care_memberships.get().team)
    axe = Axe()
    found: dict[str, list[str]] = {}

    sign_in(page, live_server.url, clinician.username)
    expect(page.locator("tr.patient-row")).to_have_count(2)
    found["worklist"] = _blocking(axe, page)
    page.locator("details.resolve summary").first.click()  # an open resolve form too
    found["worklist, resolve form open"] = _blocking(axe, page)
    page.get_by_role("link", name="Mine").click()
    expect(page.get_by_text("No open flags assigned to you.")).to_be_visible()
    found["worklist, mine"] = _blocking(axe, page)

    page.goto(f"{live_server.url}/dashboard/patients/{patient.id}/")
    expect(page.locator("#answer-strip table")).to_be_visible()
    found["patient"] = _blocking(axe, page)

    page.get_by_role("link", name="Outcomes").click()
    expect(page.locator("#chart-odi-trajectory .point")).to_have_count(6)
    found["outcomes"] = _blocking(axe, page)

    assert {screen: v for screen, v in found.items() if v} == {}


# ------------------------------------------------------------------------------- keyboard

FOCUSED_MATCHES = (
    "(selector) => !!document.activeElement && document.activeElement.matches(selector)"
)
FOCUS_OUTLINE = "() => getComputedStyle(document.activeElement).outlineStyle"


def _tab_to(page: Page, selector: str, limit: int = 150) -> None:
    """Press Tab until `selector` has the focus (and shows it): the control is reachable."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED_MATCHES, selector):
            assert page.evaluate(FOCUS_OUTLINE) != "none", f"no focus ring on {selector}"
            return
    raise AssertionError(f"{selector} not reached with {limit} presses of Tab")


def test_it_assigns_acknowledges_and_resolves_with_the_keyboard_alone(
    page: Page, live_server, clinician, csp_violations
):
    _named(clinician)
    patient, cauda, infection = _world(clinician)
    sign_in(page, live_server.url, clinician.username)

    _tab_to(page, f'[data-flag-id="{cauda.id}"] form[action$="/assign/"] button')
    page.keyboard.press("Enter")
    expect(page.get_by_text("Flag assigned to you.")).to_be_visible()

    _tab_to(page, f'[data-flag-id="{cauda.id}"] form[action$="/acknowledge/"] button')
    page.keyboard.press("Enter")
    expect(page.get_by_text("Flag acknowledged.")).to_be_visible()

    # Resolve on the patient page: open the form (summary), choose, write, send.
    page.goto(f"{live_server.url}/dashboard/patients/{patient.id}/")
    item = f'li[data-flag-id="{infection.id}"]'
    _tab_to(page, f"{item} details.resolve summary")
    page.keyboard.press("Enter")
    _tab_to(page, f"{item} select[name=outcome]")
    page.keyboard.press("ArrowDown")  # the first outcome after "Choose…"
    _tab_to(page, f"{item} textarea[name=note]")
    page.keyboard.type("Phoned; wound check today.")
    _tab_to(page, f'{item} form[action$="/resolve/"] button[type=submit]')
    page.keyboard.press("Enter")
    expect(page.get_by_text("Flag resolved.")).to_be_visible()

    cauda.refresh_from_db()
    infection.refresh_from_db()
    assert (cauda.owner_id, cauda.status) == (clinician.id, "acknowledged")
    assert (infection.status, infection.resolution_note) == (
        "resolved",
        "Phoned; wound check today.",
    )


# ----------------------------------------------------------------------- not colour alone

# Every element coloured for a severity must say the severity in visible words: a badge its
# word, a coloured row a badge with its word. Notable answers in the strip carry a ▲ and text.
SEVERITY_WITHOUT_WORDS = """() => {
  const problems = [];
  const visibleText = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 8 && box.height > 8 && !el.closest(".visually-hidden") ? el.innerText : "";
  };
  for (const el of document.querySelectorAll("[class*='severity-'], tr[class*='flag-']")) {
    const match = el.className.match(/(?:severity|flag)-(emergency|urgent|routine)/);
    if (!match) continue;
    const word = match[1][0].toUpperCase() + match[1].slice(1);
    const badge = el.matches(".severity") ? el : el.querySelector(".severity-" + match[1]);
    if (!badge || !visibleText(badge).includes(word)) problems.push(el.outerHTML.slice(0, 120));
  }
  for (const cell of document.querySelectorAll(".strip-notable")) {
    const text = visibleText(cell);
    if (!text.includes("\u25b2") || text.replace("\u25b2", "").trim() === "") {
      problems.push(cell.outerHTML.slice(0, 120));
    }
  }
  return problems;
}"""


def test_it_never_shows_severity_by_colour_alone(page: Page, live_server, clinician):
    patient, _, _ = _world(clinician)
    sign_in(page, live_server.url, clinician.username)
    expect(page.locator("tr.patient-row")).to_have_count(2)
    on_worklist = page.evaluate(SEVERITY_WITHOUT_WORDS)
    badges = page.locator(".severity").all_inner_texts()

    page.goto(f"{live_server.url}/dashboard/patients/{patient.id}/")
    expect(page.locator(".strip-notable").first).to_be_visible()
    on_patient_page = page.evaluate(SEVERITY_WITHOUT_WORDS)

    assert (on_worklist, on_patient_page) == ([], [])
    assert {text.split()[-1] for text in badges} == {"Emergency", "Urgent", "Routine"}


# ------------------------------------------------------------------------ assign to me


def test_it_shows_the_owner_on_the_row_after_assign_to_me_and_lists_it_under_mine(
    page: Page, live_server, clinician, csp_violations
):
    _named(clinician)
    patient, cauda, _ = _world(clinician)
    sign_in(page, live_server.url, clinician.username)
    expect(page.locator("tr.patient-row")).to_have_count(2)

    row = page.locator(f'tr.patient-row[data-patient-id="{patient.id}"]')
    item = row.locator(f'li[data-flag-id="{cauda.id}"]')
    expect(item).to_contain_text("Not assigned")
    item.get_by_role("button", name="Assign to me").click()

    expect(page.get_by_text("Flag assigned to you.")).to_be_visible()
    expect(item.locator(".owner")).to_have_text("Assigned to Sam Rivera (you)")
    expect(item.get_by_role("button", name="Give back")).to_be_visible()

    page.get_by_role("link", name="Mine").click()
    expect(page.get_by_role("link", name="Mine")).to_have_attribute("aria-current", "page")
    expect(page.locator("tr.patient-row")).to_have_count(1)
    expect(page.locator("tr.patient-row")).to_have_attribute("data-patient-id", str(patient.id))
    expect(page.locator(f'li[data-flag-id="{cauda.id}"] .owner')).to_contain_text("Sam Rivera")
