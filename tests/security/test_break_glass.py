"""Break-glass: a clinician opens a patient outside their teams only with a reason, for a
limited time, audited, with an alert to the patient's coordinators and a line in the access log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client, override_settings

from notifications.models import Notification
from recovery.models import AccessEvent, BreakGlassGrant
from tests.mfa import verified_login

pytestmark = pytest.mark.django_db

START = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
REASON = "Patient in our emergency department after a fall; surgical history needed."


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _url(patient, suffix: str = "") -> str:
    return f"/api/v1/care/patients/{patient.id}/{suffix}"


def _break_glass(api, clinician, patient, reason: str = REASON):
    return api(clinician).post(_url(patient, "break-glass/"), {"reason": reason}, format="json")


def test_it_hides_a_patient_outside_the_teams_until_break_glass(
    api, outsider_clinician, patient
) -> None:
    assert api(outsider_clinician).get(_url(patient)).status_code == 404


def test_it_opens_the_patient_for_the_grant_period(clock, api, outsider_clinician, patient):
    response = _break_glass(api, outsider_clinician, patient)

    assert response.status_code == 201
    assert response.json()["expires_at"] == "2026-05-04T10:00:00Z"
    assert api(outsider_clinician).get(_url(patient)).status_code == 200
    assert api(outsider_clinician).get(_url(patient, "access-log/")).status_code == 200


def test_it_closes_the_patient_again_after_expiry(clock, api, outsider_clinician, patient):
    _break_glass(api, outsider_clinician, patient)
    clock.shift(timedelta(minutes=60))

    assert api(outsider_clinician).get(_url(patient)).status_code == 404


@override_settings(BREAK_GLASS_MINUTES=15)
def test_it_follows_the_configured_duration(clock, api, outsider_clinician, patient) -> None:
    _break_glass(api, outsider_clinician, patient)
    clock.shift(timedelta(minutes=14))
    assert api(outsider_clinician).get(_url(patient)).status_code == 200
    clock.shift(timedelta(minutes=1))

    assert api(outsider_clinician).get(_url(patient)).status_code == 404


@pytest.mark.parametrize("reason", ["", "   ", "because"])
def test_it_requires_a_reason(api, outsider_clinician, patient, reason) -> None:
    response = _break_glass(api, outsider_clinician, patient, reason)

    assert response.status_code == 400
    assert "reason" in response.json()["extra"]["fields"]
    assert not BreakGlassGrant.objects.exists()
    assert api(outsider_clinician).get(_url(patient)).status_code == 404


def test_it_refuses_an_over_long_reason(api, outsider_clinician, patient) -> None:
    response = _break_glass(api, outsider_clinician, patient, "x" * 1001)

    assert response.status_code == 400


def test_it_records_an_audit_event_visible_in_the_access_logs(
    api, outsider_clinician, patient, clinician
) -> None:
    grant_id = _break_glass(api, outsider_clinician, patient).json()["id"]

    event = AccessEvent.objects.get(action=AccessEvent.Action.BREAK_GLASS)
    assert (event.actor, event.patient, event.object_id) == (outsider_clinician, patient, grant_id)
    team_log = api(clinician).get(_url(patient, "access-log/")).json()["results"]
    assert any(row["action"] == "break_glass" for row in team_log)
    own_log = api(patient.user).get("/api/v1/me/access-log/").json()["results"]
    assert any(row["action"] == "break_glass" for row in own_log)


def test_it_audits_each_read_made_under_the_grant(api, outsider_clinician, patient) -> None:
    _break_glass(api, outsider_clinician, patient)

    api(outsider_clinician).get(_url(patient))

    assert AccessEvent.objects.filter(
        actor=outsider_clinician, patient=patient, action=AccessEvent.Action.VIEW
    ).exists()


def test_it_alerts_the_patients_coordinators_without_health_data(
    api, outsider_clinician, patient, coordinator, clinician
) -> None:
    _break_glass(api, outsider_clinician, patient)

    alerts = Notification.objects.filter(template="careteam_break_glass")
    assert {n.recipient for n in alerts} == {coordinator}
    [inbox] = [n for n in alerts if n.channel == Notification.Channel.INAPP]
    assert set(inbox.context) == {"patient_id", "grant_id"}
    assert "fall" not in str(inbox.context)


def test_it_alerts_the_whole_team_when_it_has_no_coordinator(
    api, outsider_clinician, patient, clinician
) -> None:
    _break_glass(api, outsider_clinician, patient)

    recipients = set(
        Notification.objects.filter(template="careteam_break_glass").values_list(
            "recipient", flat=True
        )
    )
    assert recipients == {clinician.id}


def test_it_refuses_break_glass_on_an_own_patient(api, clinician, patient) -> None:
    response = _break_glass(api, clinician, patient)

    assert response.status_code == 400
    assert response.json()["code"] == "on_your_team"


def test_it_refuses_break_glass_to_a_patient(api, patient, other_patient) -> None:
    assert _break_glass(api, patient.user, other_patient).status_code == 403


def test_it_answers_404_for_an_unknown_patient(api, outsider_clinician, patient) -> None:
    patient.id = "6f1c1d7e-2f0a-4b5e-9a51-3c1d2e3f4a5b"

    assert _break_glass(api, outsider_clinician, patient).status_code == 404


def test_it_offers_break_glass_on_the_dashboard(clock, outsider_clinician, patient) -> None:
    client = Client()
    verified_login(client, outsider_clinician)
    page = f"/dashboard/patients/{patient.id}/"

    not_found = client.get(page)
    assert not_found.status_code == 404
    assert f"{page}break-glass/" in not_found.content.decode()
    response = client.post(f"{page}break-glass/", {"reason": REASON})

    assert response.status_code == 302
    assert response["Location"] == page
    assert client.get(page).status_code == 200
    for _ in range(5):  # an hour later, signed in all along
        clock.shift(timedelta(minutes=12))
        assert client.post("/dashboard/session/keepalive/").status_code == 200
    assert client.get(page).status_code == 404


def test_it_shows_the_reason_error_on_the_dashboard(outsider_clinician, patient) -> None:
    client = Client()
    verified_login(client, outsider_clinician)

    response = client.post(f"/dashboard/patients/{patient.id}/break-glass/", {"reason": "x"})

    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert not BreakGlassGrant.objects.exists()
