"""The patient app shows temperatures in the patient's unit, a server preference (issue 19),
and dates in the patient's language.

The check-in form asks in that unit with the accepted range as its hint, sends the field of
that unit (the server accepts either), and Settings saves the unit on the server.
"""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from notifications.dispatch import notification_deliver
from notifications.models import Notification, Preference
from notifications.services import Message, notify, preference_update
from recovery.models import CheckIn
from tests.factories import PASSWORD
from tests.factories.plans import planned_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def script_problems(page: Page) -> Iterator[list[str]]:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text
            else None
        ),
    )
    yield problems
    assert problems == []


@pytest.fixture(autouse=True)
def _settled_page(page: Page) -> Iterator[None]:
    """Let the app's last requests finish before the database is emptied for the next test."""
    yield
    page.wait_for_load_state("networkidle")
    page.close()


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/app/#/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Today")).to_be_visible()


def _open_check_in(page: Page) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Check-in").click()
    expect(page.get_by_role("heading", level=1, name="Check-in")).to_be_visible()


def test_it_asks_a_fahrenheit_patient_in_fahrenheit_with_the_accepted_range(
    page: Page, live_server, script_problems
) -> None:
    patient = planned_patient(postop_day=10)
    preference_update(user_id=patient.user_id, temperature_unit="f")
    _sign_in(page, live_server.url, patient.user.username)
    _open_check_in(page)
    field = page.get_by_label("Your temperature, if you took it (°F)")
    expect(field).to_have_attribute("max", "109.4")
    expect(page.get_by_text("From 93.2 °F to 109.4 °F, e.g. 98.6.")).to_be_visible()


def test_it_sends_a_fahrenheit_reading_that_the_server_stores_in_celsius(
    page: Page, live_server, script_problems
) -> None:
    patient = planned_patient(postop_day=10)
    preference_update(user_id=patient.user_id, temperature_unit="f")
    _sign_in(page, live_server.url, patient.user.username)
    _open_check_in(page)
    page.get_by_label("Your temperature, if you took it (°F)").fill("100.4")
    page.get_by_role("button", name="Send check-in").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Check-in")
    assert CheckIn.objects.get(patient=patient).temperature_c == 38.0


def test_it_words_the_fever_to_watch_for_in_the_patients_unit_first(
    page: Page, live_server, script_problems
) -> None:
    patient = planned_patient(postop_day=10)
    preference_update(user_id=patient.user_id, temperature_unit="f")
    _sign_in(page, live_server.url, patient.user.username)
    _open_check_in(page)
    page.get_by_label("Back pain now (0 none, 10 worst)").fill("2")
    page.get_by_role("button", name="Send check-in").click()
    expect(page.get_by_text("fever above 100.4 °F (38.0 °C)")).to_be_visible()


def test_it_saves_the_unit_chosen_in_settings_on_the_server(
    page: Page, live_server, script_problems
) -> None:
    patient = planned_patient(postop_day=10)
    _sign_in(page, live_server.url, patient.user.username)
    page.get_by_role("navigation").get_by_role("link", name="Settings").click()
    page.get_by_label("Temperature unit").select_option("F")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    assert Preference.objects.get(user=patient.user).temperature_unit == "f"


def test_it_hints_a_spanish_celsius_patient_with_decimal_commas(
    page: Page, live_server, script_problems
) -> None:
    patient = planned_patient(postop_day=10)
    preference_update(user_id=patient.user_id, language="es")
    _sign_in_in_spanish(page, live_server.url, patient.user.username)
    page.get_by_role("navigation").get_by_role("link", name="Control diario").click()
    expect(page.get_by_label("Su temperatura, si se la tomó (°C)")).to_be_visible()
    expect(page.get_by_text("De 34,0 °C a 43,0 °C, por ejemplo 37,0.")).to_be_visible()


def _sign_in_in_spanish(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/app/#/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Hoy")).to_be_visible()


def test_it_dates_a_spanish_patients_inbox_in_the_spanish_format(
    page: Page, live_server, script_problems
) -> None:
    """Dates in the patient's locale: notification text carries none (tests/i18n), and the
    app writes the inbox date in the patient's language: day/month/year in Spanish."""
    patient = planned_patient(postop_day=10)
    preference_update(user_id=patient.user_id, language="es")
    notify([Message(patient.user_id, "checkin_due", "checkin:inbox-date")])
    row = Notification.objects.get(recipient=patient.user, channel="inapp")
    notification_deliver(row.id)
    Notification.objects.filter(id=row.id).update(
        created_at=datetime(2027, 1, 15, 12, 0, tzinfo=UTC)
    )
    _sign_in_in_spanish(page, live_server.url, patient.user.username)
    page.get_by_role("navigation").get_by_role("link", name="Mensajes").click()
    expect(page.get_by_text("Es hora del registro de recuperación de hoy")).to_be_visible()
    expect(page.locator("li .detail").first).to_contain_text("15/1/2027")
