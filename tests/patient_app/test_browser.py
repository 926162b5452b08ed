"""The patient app in Debian's chromium, phone-sized, against the live server (issue 20).

Every test watches the console: a Content-Security-Policy violation (an inline script or
style) is logged there as an error and fails the test, as does an uncaught script error.
"""

from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import BrowserContext, ConsoleMessage, Error, Page, expect
from rest_framework.test import APIClient

from recovery.management.commands.seed_demo import DEMO_PASSWORD
from recovery.management.commands.seed_demo import PATIENTS as DEMO_PATIENTS
from recovery.models import CheckIn, ChecklistEntry, Milestone, QuestionnaireResponse
from recovery.services.enrollment import PatientData, SurgeryData, patient_enroll
from recovery.triage import clear_ruleset_cache
from tests.factories import PASSWORD
from tests.factories.plans import plan_of, planned_patient
from tests.patient_app.browser import open_check_in, say_yes_to, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Quiet-Harbour-Lantern-42"


@pytest.fixture
def script_problems(page: Page) -> Iterator[list[str]]:
    problems: list[str] = []

    def _console(message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            problems.append(message.text)

    def _page_error(error: Error) -> None:
        problems.append(str(error))

    page.on("console", _console)
    page.on("pageerror", _page_error)
    yield problems
    assert problems == []


@pytest.fixture(autouse=True)
def _settled_page(page: Page) -> Iterator[None]:
    """Let the app's last requests finish before the database is emptied for the next test."""
    yield
    page.wait_for_load_state("networkidle")
    page.close()


@pytest.fixture
def emergency_number(settings) -> Iterator[str]:
    settings.EMERGENCY_NUMBER = "112"
    clear_ruleset_cache()  # the advice names the number: load the rules with this one
    yield "112"
    clear_ruleset_cache()


def _their_check_ins(user) -> list[dict]:
    client = APIClient()
    client.force_authenticate(user=user)
    return client.get("/api/v1/me/check-ins/").json()["results"]


def _refresh_token_stored(page: Page) -> object:
    return page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open("recovery-app", 1);
            open.onsuccess = () => {
                const get = open.result.transaction("kv").objectStore("kv").get("refresh");
                get.onsuccess = () => resolve(get.result ?? null);
            };
        })"""
    )


def test_it_activates_a_newly_enrolled_patient_who_then_signs_in(
    page: Page, live_server, clinician, script_problems
):
    from django.utils import timezone

    enrollment = patient_enroll(
        clinician=clinician,
        data=PatientData(
            first_name="Rosa",
            last_name="Diaz",
            date_of_birth=timezone.now().date().replace(year=1960),
            timezone="America/New_York",
            surgery=SurgeryData(
                date=timezone.now().date(),
                indication="spondylolisthesis",
                approach="open",
                technique="tlif",
            ),
        ),
    )

    page.goto(f"{live_server.url}/app/")
    page.get_by_role("link", name="I have an activation code").click()
    page.get_by_label("Activation code from your care team").fill(enrollment.activation_code)
    page.get_by_label("Choose a username").fill("rosa.diaz")
    page.get_by_label("Choose a password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Activate your account").click()
    expect(page.get_by_role("heading", level=1, name="Today")).to_be_visible()
    expect(page.get_by_text("Rosa")).to_be_visible()

    page.get_by_role("navigation").get_by_role("link", name="Settings").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    assert _refresh_token_stored(page) is None

    sign_in(page, live_server.url, "rosa.diaz", NEW_PASSWORD)
    assert isinstance(_refresh_token_stored(page), str)
    assert get_user_model().objects.get(username="rosa.diaz").patient == enrollment.patient


def test_it_thanks_the_patient_for_a_normal_check_in(page: Page, live_server, script_problems):
    patient = planned_patient(postop_day=10)
    sign_in(page, live_server.url, patient.user.username)
    open_check_in(page)

    page.get_by_label("Back pain now (0 none, 10 worst)").fill("3")
    page.get_by_label("Leg pain now (0 none, 10 worst)").fill("2")
    page.get_by_role("button", name="Send check-in").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you")
    stored = CheckIn.objects.get(patient=patient)
    assert (stored.back_pain, stored.leg_pain, stored.saddle_numbness) == (3, 2, False)


def test_it_says_a_refused_check_in_was_not_sent_rather_than_waiting(
    page: Page, live_server, script_problems
):
    patient = planned_patient(postop_day=10)
    sign_in(page, live_server.url, patient.user.username)
    open_check_in(page)
    # The server's answer for an item it refused for good (what a 400 item looks like).
    error = {"message": "This check-in cannot be read.", "code": "invalid"}
    refused = {"index": 0, "status": 400, "check_in": None, "error": error}
    page.route(
        "**/api/v1/me/check-ins/batch/",
        lambda route: route.fulfill(status=200, json={"results": [refused]}),
    )

    page.get_by_label("Back pain now (0 none, 10 worst)").fill("3")
    page.get_by_role("button", name="Send check-in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your check-in was not sent")
    expect(page.get_by_text("This check-in cannot be read.")).to_be_visible()
    expect(page.get_by_role("banner")).not_to_contain_text("waiting to send")


def test_it_shows_the_emergency_screen_with_a_tel_link_for_saddle_numbness(
    page: Page, live_server, emergency_number, script_problems
):
    patient = planned_patient(postop_day=10)
    sign_in(page, live_server.url, patient.user.username)
    open_check_in(page)

    say_yes_to(page, "legs", "Numbness between your legs or around your bottom")
    # The screen shows before the server answers: let the check-in's own request (the queue's
    # batch POST) finish, so nothing still writes when the live server's data is flushed.
    with page.expect_response(lambda r: r.url.endswith("/api/v1/me/check-ins/batch/")):
        page.get_by_role("button", name="Send check-in").click()

    expect(page.get_by_role("heading", level=1, name="This is an emergency")).to_be_visible()
    call = page.get_by_role("link", name=f"Call {emergency_number} now")
    expect(call).to_have_attribute("href", f"tel:{emergency_number}")
    expect(page.get_by_role("navigation")).to_be_hidden()


def test_it_shows_the_care_teams_number_for_urgent_advice(page: Page, live_server, script_problems):
    patient = planned_patient(postop_day=10)
    patient.care_team.phone = "+1 (202) 555-0100"
    patient.care_team.save()
    sign_in(page, live_server.url, patient.user.username)
    open_check_in(page)

    say_yes_to(page, "wound", "The wound is opening")
    page.get_by_role("button", name="Send check-in").click()

    expect(
        page.get_by_role("heading", level=1, name="Call your surgical team today")
    ).to_be_visible()
    call = page.get_by_role("link", name="Call your team: +1 (202) 555-0100")
    expect(call).to_have_attribute("href", "tel:+12025550100")


def test_it_queues_an_offline_check_in_and_sends_it_once_when_back_online(
    page: Page, context: BrowserContext, live_server, script_problems
):
    patient = planned_patient(postop_day=10)
    sign_in(page, live_server.url, patient.user.username)
    open_check_in(page)

    context.set_offline(True)
    page.get_by_label("Back pain now (0 none, 10 worst)").fill("4")
    page.get_by_role("button", name="Send check-in").click()
    expect(page.get_by_role("heading", level=1, name="Waiting to send")).to_be_visible()
    expect(page.locator("#net")).to_contain_text("1 waiting to send")
    assert CheckIn.objects.filter(patient=patient).count() == 0

    context.set_offline(False)
    expect(page.locator("#net")).to_have_text("")
    page.reload()  # the app flushes again on start: the replay must not double it
    expect(page.get_by_role("heading", level=1, name="Check-in")).to_be_visible()
    expect(page.locator("#net")).to_have_text("")

    sent = _their_check_ins(patient.user)
    assert [c["back_pain"] for c in sent] == [4]


def test_it_shows_the_emergency_screen_for_an_emergency_answer_made_offline(
    page: Page, context: BrowserContext, live_server, emergency_number, script_problems
):
    patient = planned_patient(postop_day=10)
    sign_in(page, live_server.url, patient.user.username)
    open_check_in(page)

    context.set_offline(True)
    say_yes_to(page, "bladder", "New trouble controlling your bladder")
    page.get_by_role("button", name="Send check-in").click()

    expect(page.get_by_role("heading", level=1, name="This is an emergency")).to_be_visible()
    expect(page.get_by_role("link", name=f"Call {emergency_number} now")).to_have_attribute(
        "href", f"tel:{emergency_number}"
    )
    assert CheckIn.objects.filter(patient=patient).count() == 0
    context.set_offline(False)
    expect(page.locator("#net")).to_have_text("")
    assert CheckIn.objects.get(patient=patient).new_bladder_problem is True


def test_it_saves_the_checklist(page: Page, live_server, script_problems):
    patient = planned_patient(postop_day=30)
    sign_in(page, live_server.url, patient.user.username)

    page.get_by_role("navigation").get_by_role("link", name="Checklist").click()
    first = page.locator("fieldset[data-item]").first
    code = first.get_attribute("data-item")
    first.get_by_label("Done", exact=True).check()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Saved.")).to_be_visible()
    entry = ChecklistEntry.objects.get(item__plan=plan_of(patient))
    assert (entry.item.code, entry.kept) == (code, True)


def test_it_records_a_milestone_the_patient_reached(page: Page, live_server, script_problems):
    patient = planned_patient(postop_day=30)
    sign_in(page, live_server.url, patient.user.username)

    page.get_by_role("navigation").get_by_role("link", name="Milestones").click()
    goal = page.locator("li[data-milestone]", has=page.get_by_role("button", name="I reached this"))
    milestone_code = goal.first.get_attribute("data-milestone")
    goal.first.get_by_role("button", name="I reached this").click()

    expect(page.get_by_text("Recorded.")).to_be_visible()
    milestone = Milestone.objects.get(plan=plan_of(patient), code=milestone_code, occurrence=1)
    assert milestone.status == "achieved"


def test_it_lets_every_demo_patient_sign_in(page: Page, live_server, script_problems):
    """Acceptance: `make run` seeds the demo (seed_demo), and its patients sign in to /app/."""
    call_command("seed_demo")

    for username, *_ in DEMO_PATIENTS:
        sign_in(page, live_server.url, username, DEMO_PASSWORD)
        page.get_by_role("navigation").get_by_role("link", name="Settings").click()
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()


def test_it_switches_the_app_and_the_servers_advice_to_spanish(
    page: Page, live_server, script_problems
):
    patient = planned_patient(postop_day=10)
    sign_in(page, live_server.url, patient.user.username)

    page.get_by_role("navigation").get_by_role("link", name="Settings").click()
    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", level=1, name="Ajustes")).to_be_visible()
    page.get_by_role("navigation").get_by_role("link", name="Control diario").click()
    expect(page.get_by_role("heading", name="Dolor", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    # The server's own advice (the triage rule's Spanish text), not only the app's labels.
    wound = page.locator('[data-group="wound"]')
    wound.get_by_label("Sí", exact=True).check()
    wound.get_by_label("La herida se está abriendo").check()
    page.get_by_role("button", name="Enviar control").click()
    expect(
        page.get_by_role("heading", level=1, name="Llame hoy a su equipo quirúrgico")
    ).to_be_visible()
    expect(page.get_by_text("Si la incisión se está abriendo o separando")).to_be_visible()


def test_it_speaks_the_language_the_server_has_for_the_patient_at_sign_in(
    page: Page, live_server, script_problems
):
    patient = planned_patient(postop_day=10)
    client = APIClient()
    client.force_authenticate(user=patient.user)
    answer = client.patch("/api/v1/me/preferences/", {"language": "es"}, format="json")
    assert answer.status_code == 200

    page.goto(f"{live_server.url}/app/#/sign-in")
    page.get_by_label("Username").fill(patient.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", level=1, name="Hoy")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es")


def test_it_opens_from_the_service_workers_cache_when_offline(
    page: Page, context: BrowserContext, live_server, script_problems
):
    patient = planned_patient(postop_day=10)
    sign_in(page, live_server.url, patient.user.username)
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    page.wait_for_load_state("networkidle")

    context.set_offline(True)
    page.reload()

    expect(page.get_by_role("heading", level=1, name="Today")).to_be_visible()
    expect(page.locator("#net")).to_contain_text("Offline")
    open_check_in(page)
    context.set_offline(False)


def test_it_takes_the_pain_scale_and_explains_why_the_odi_is_missing(
    page: Page, live_server, settings, script_problems
):
    settings.INSTRUMENT_WORDING_DIR = None  # the ODI's licensed wording is not installed
    patient = planned_patient(postop_day=42)  # the 6-week window is open
    sign_in(page, live_server.url, patient.user.username)
    page.get_by_role("navigation").get_by_role("link", name="Questionnaires").click()

    odi = page.locator("section", has=page.get_by_role("heading", name="Oswestry", exact=False))
    expect(odi.get_by_role("note")).to_contain_text("licensed wording is not installed")
    nrs = page.locator("form", has=page.get_by_role("heading", name="Pain numeric rating scale"))
    nrs.get_by_label("Back pain").fill("3")
    nrs.get_by_label("Leg pain").fill("1")
    nrs.get_by_role("button", name="Submit").click()

    expect(nrs.get_by_text("Saved.")).to_be_visible()
    stored = QuestionnaireResponse.objects.get(patient=patient, instrument="nrs_pain")
    assert (stored.timepoint, stored.answers) == ("6w", {"back": 3, "leg": 1})
