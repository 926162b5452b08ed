"""Steps the patient app's browser tests share."""

from playwright.sync_api import Page, expect

from tests.factories import PASSWORD


def sign_in(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/app/#/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Today")).to_be_visible()


def open_check_in(page: Page) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Check-in").click()
    expect(page.get_by_role("heading", level=1, name="Check-in")).to_be_visible()


def say_yes_to(page: Page, group: str, answer: str) -> None:
    section = page.locator(f'[data-group="{group}"]')
    section.get_by_label("Yes", exact=True).check()
    section.get_by_label(answer).check()


def turn_notifications_on(page: Page, *, timeout: float = 5_000) -> None:
    """Settings: tick "Send me notifications" and save (the app subscribes to push first).

    `timeout` (ms) bounds the wait for "Saved.", which comes after the subscription."""
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    page.get_by_role("navigation").get_by_role("link", name="Settings").click()
    page.get_by_label("Send me notifications").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible(timeout=timeout)
