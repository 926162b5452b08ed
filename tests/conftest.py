"""Personas and clients shared by the whole suite (healthchecks' alice/bob/charlie).

- patient / other_patient: two patients on different teams
- clinician: a nurse on `patient`'s team; coordinator: the coordinator of that team
- outsider_clinician: a nurse on `other_patient`'s team only (for 404 tests)
- staff: a Django staff user who is on no care team
- caregiver: `patient`'s daughter with her own account and every caregiver scope (issue 22)
"""

import contextlib
import os
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
import time_machine
from django.core.cache import cache
from rest_framework.test import APIClient

from recovery.models import CareTeamMembership, Patient
from tests.clock import parse_instant
from tests.factories import ClinicianFactory, PatientFactory, UserFactory

pytest_plugins = ["tests.privacy_guard"]

# Playwright's sync API runs an event loop in the test thread; Django's async-safety guard
# would otherwise refuse ORM calls made by the live server fixtures in that thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# --- clock: run the whole session with Python's clock moved (issue 15, item 1) ---------------
# `pytest --clock-at 2026-12-31T23:59:30Z` starts one time_machine.travel(..., tick=True) before
# collection, so test modules, factories and every test see that instant (the clock keeps
# running from it). A test that freezes time itself still wins inside its own travel. Only
# Python's clock moves: PostgreSQL's now() and Redis TTLs stay real, which is why the code takes
# `now` from Python. libfaketime is not an option around the suite (see ENVIRONMENT.md).
# Tests whose outcome depends on the hour, date or weekday carry the `clock` marker (see
# tests/clock.py); `make test-clock` runs the suite at the instants CI checks.


def _clock_instant(text: str) -> datetime:
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise pytest.UsageError(f"clock: not an ISO 8601 instant with an offset: {exc}") from exc


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock-at",
        metavar="INSTANT",
        default=None,
        help="run the session with the clock moved to this ISO 8601 instant (ticking), "
        "e.g. 2026-12-31T23:59:30Z",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    text = config.getoption("--clock-at")
    if text:
        traveller = time_machine.travel(_clock_instant(text), tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


@pytest.fixture(autouse=True)
def _clock_marker(request: pytest.FixtureRequest) -> Iterator[None]:
    # Autouse, so it starts before the test's own function fixtures (patient, factories...).
    marker = request.node.get_closest_marker("clock")
    if marker is None or not marker.args:
        yield
        return
    instant = _clock_instant(marker.args[0])
    with time_machine.travel(instant, tick=marker.kwargs.get("tick", True)):
        yield


def pytest_report_header(config: pytest.Config) -> str | None:
    text = config.getoption("--clock-at")
    return (
        f"clock moved to {_clock_instant(text).isoformat()} (--clock-at, ticking)" if text else None
    )


# --- end clock ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _browser_idle_before_flush(request: pytest.FixtureRequest) -> Iterator[None]:
    """A browser test leaves its page idle on about:blank before the live server's database is
    flushed: a request still in flight (a poller, a late fetch) would otherwise hold locks that
    deadlock the flush's TRUNCATE. Requesting `page` and `live_server` here makes this teardown
    run before theirs."""
    if not {"page", "live_server"} <= set(request.fixturenames):
        yield
        return
    page = request.getfixturevalue("page")
    request.getfixturevalue("live_server")
    yield
    with contextlib.suppress(Exception):  # a test may have closed the page itself
        page.wait_for_load_state("networkidle", timeout=5_000)
        page.goto("about:blank")


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    # Throttle counters and axes state live in the real Redis cache: start each test clean.
    cache.clear()


# --- patient language (issue 19) ---------------------------------------------------------------
@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    # A request activates the caller's language for its thread; the next test starts in English.
    from django.utils import translation

    yield
    translation.activate("en")


# --- end patient language ----------------------------------------------------------------------


@pytest.fixture
def patient(db: None) -> Patient:
    return PatientFactory()


@pytest.fixture
def other_patient(db: None) -> Patient:
    return PatientFactory()


@pytest.fixture
def clinician(patient: Patient):
    return ClinicianFactory(care_teams=[patient.care_team])


@pytest.fixture
def coordinator(patient: Patient):
    return ClinicianFactory(
        care_teams=[patient.care_team], care_teams__role=CareTeamMembership.Role.COORDINATOR
    )


@pytest.fixture
def outsider_clinician(other_patient: Patient):
    return ClinicianFactory(care_teams=[other_patient.care_team])


@pytest.fixture
def staff(db: None):
    return UserFactory(is_staff=True)


@pytest.fixture
def api() -> Callable[..., APIClient]:
    """`api(user)` is a client authenticated as user; `api()` is anonymous."""

    def _as(user: object | None = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user)
        return client

    return _as


# --- Caregivers (issue 22) --------------------------------------------------------------------
@pytest.fixture
def caregiver_link(patient: Patient):
    from tests.factories.caregivers import CaregiverLinkFactory

    return CaregiverLinkFactory(patient=patient)


@pytest.fixture
def caregiver(caregiver_link):
    """The caregiver's own user (not the patient's): helps `patient` with every scope."""
    return caregiver_link.caregiver
