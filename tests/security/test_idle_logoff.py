"""Browser sessions end after DASHBOARD_IDLE_MINUTES without action and 12 h after sign-in;
the worklist's 30-second refresh does not count as action."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import Client, override_settings

from tests.mfa import verified_login

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
WORKLIST = "/dashboard/"
POLL = "/dashboard/worklist/live/"
KEEPALIVE = "/dashboard/session/keepalive/"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def signed_in(clock, clinician) -> Client:
    client = Client()
    verified_login(client, clinician)
    return client


def _signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def test_it_keeps_a_session_that_is_used(signed_in, clock) -> None:
    for _ in range(4):
        clock.shift(timedelta(minutes=10))
        assert signed_in.get(WORKLIST).status_code == 200

    assert _signed_in(signed_in)


def test_it_signs_out_a_session_idle_for_15_minutes(signed_in, clock) -> None:
    clock.shift(timedelta(minutes=15))

    response = signed_in.get(WORKLIST)

    assert response.status_code == 302
    assert response["Location"].startswith("/dashboard/login/?next=")
    assert not _signed_in(signed_in)


def test_it_does_not_count_the_worklist_refresh_as_activity(signed_in, clock) -> None:
    for _ in range(29):  # every 30 s for 14.5 minutes
        clock.shift(timedelta(seconds=30))
        assert signed_in.get(POLL, HTTP_X_REQUESTED_WITH="fetch").status_code == 200
    clock.shift(timedelta(seconds=30))

    response = signed_in.get(POLL, HTTP_X_REQUESTED_WITH="fetch")

    assert response.status_code == 401
    assert response.json()["code"] == "session_expired"
    assert not _signed_in(signed_in)


def test_it_counts_stay_signed_in_as_activity(signed_in, clock) -> None:
    clock.shift(timedelta(minutes=14))
    assert signed_in.post(KEEPALIVE).json() == {"idle_seconds": 900}
    clock.shift(timedelta(minutes=14))

    assert signed_in.get(WORKLIST).status_code == 200


def test_it_ends_a_busy_session_12_hours_after_sign_in(signed_in, clock) -> None:
    for _ in range(12 * 6 - 1):
        clock.shift(timedelta(minutes=10))
        assert signed_in.post(KEEPALIVE).status_code == 200
    clock.shift(timedelta(minutes=10))

    assert signed_in.get(WORKLIST).status_code == 302
    assert not _signed_in(signed_in)


@override_settings(DASHBOARD_IDLE_MINUTES=5)
def test_it_follows_the_configured_idle_limit(signed_in, clock) -> None:
    clock.shift(timedelta(minutes=5))

    assert signed_in.get(WORKLIST).status_code == 302


def test_it_answers_an_expired_api_session_with_401(signed_in, clock) -> None:
    clock.shift(timedelta(minutes=16))

    response = signed_in.get("/api/v1/care/patients/")

    assert response.status_code == 401
    assert response.json()["code"] == "session_expired"


def test_it_tells_the_page_when_to_warn(signed_in) -> None:
    html = signed_in.get(WORKLIST).content.decode()

    assert 'role="alertdialog"' in html
    assert 'data-idle-seconds="900"' in html
    assert 'data-warn-seconds="60"' in html
    assert "Stay signed in" in html


def test_it_refuses_keepalive_without_a_session(db) -> None:
    assert Client().post(KEEPALIVE).status_code == 401
