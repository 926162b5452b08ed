"""Dashboard fixtures: a signed-in browser-less client, and Debian's chromium for Playwright."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from playwright.sync_api import ConsoleMessage, Page

from tests.mfa import verified_login

# Debian's chromium, headless; `playwright install` cannot download browsers here.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, object]:
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def web() -> Callable[..., Client]:
    """`web(user)`: a client signed in as user (second factor verified); `web()`: anonymous."""

    def _as(user: object | None = None) -> Client:
        client = Client()
        if user is not None:
            verified_login(client, user)
        return client

    return _as


@pytest.fixture
def frozen() -> Iterator[datetime]:
    """Midday UTC on a fixed date, so day counts do not depend on when the suite runs."""
    moment = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        yield moment


@pytest.fixture
def csp_violations(page: Page) -> Iterator[list[str]]:
    errors: list[str] = []

    def _collect(message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            errors.append(message.text)

    page.on("console", _collect)
    yield errors
    assert errors == []
