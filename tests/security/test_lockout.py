"""Lockout that an attacker cannot turn against the account owner (issue 17)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from recovery.models import AccessEvent
from tests.factories import PASSWORD, ClinicianFactory, PatientFactory
from tests.mfa import totp_code, totp_device_for

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.10"


@pytest.fixture(autouse=True)
def _behind_one_proxy(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1


def _token(api, username: str, password: str, address: str, **extra: str):
    body = {"username": username, "password": password, **extra}
    return api().post(TOKEN, body, HTTP_X_FORWARDED_FOR=address)


def test_it_leaves_the_owner_able_to_sign_in_from_another_address(api, patient) -> None:
    refused = [_token(api, patient.user.username, "wrong-password", ATTACKER) for _ in range(5)]
    assert [r.status_code for r in refused] == [401, 401, 401, 401, 429]  # the 5th locks

    assert _token(api, patient.user.username, PASSWORD, OWNER).status_code == 200


def test_it_locks_the_guessing_address_for_that_username(api, patient) -> None:
    for _ in range(5):
        _token(api, patient.user.username, "wrong-password", ATTACKER)

    response = _token(api, patient.user.username, PASSWORD, ATTACKER)

    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"


def test_it_signs_a_clinician_in_from_another_address_after_a_lockout(api, clinician) -> None:
    device = totp_device_for(clinician)
    for _ in range(5):
        _token(api, clinician.username, "wrong-password", ATTACKER)

    response = _token(api, clinician.username, PASSWORD, OWNER, otp=totp_code(device))

    assert response.status_code == 200


def test_it_delays_further_attempts_on_a_username_from_any_address(api, patient) -> None:
    for n in range(6):
        _token(api, patient.user.username, "wrong-password", f"203.0.113.{n}")

    delayed = _token(api, patient.user.username, PASSWORD, OWNER)
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        later = _token(api, patient.user.username, PASSWORD, OWNER)

    assert delayed.status_code == 429
    assert delayed.json()["code"] == "login_delayed"
    assert int(delayed["Retry-After"]) >= 1
    assert later.status_code == 200


def test_it_caps_the_delay_so_the_owner_is_never_locked_out(api, patient, settings) -> None:
    for n in range(40):
        with time_machine.travel(timezone.now() + timedelta(minutes=n / 10)):
            _token(api, patient.user.username, "wrong-password", f"203.0.113.{n}")

    with time_machine.travel(timezone.now() + timedelta(minutes=4, seconds=31)):
        response = _token(api, patient.user.username, PASSWORD, OWNER)

    assert response.status_code == 200


def test_it_answers_password_spraying_from_one_address_with_429(api, db) -> None:
    usernames = [PatientFactory().user.username for _ in range(25)]
    statuses = [
        _token(api, usernames[n % 25], "Spring2026!", ATTACKER).status_code for n in range(50)
    ]

    assert 429 in statuses
    assert statuses[-1] == 429
    assert set(statuses) == {401, 429}


@pytest.fixture
def rates(monkeypatch):
    """Lower the sign-in throttle rates for one test (DRF reads them at import)."""
    from rest_framework.throttling import SimpleRateThrottle

    def _set(**overrides: str) -> None:
        monkeypatch.setattr(
            SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, **overrides}
        )

    return _set


def test_it_throttles_token_requests_per_address(api, patient, rates) -> None:
    rates(auth_address="3/minute")

    name = patient.user.username
    statuses = [_token(api, name, PASSWORD, ATTACKER).status_code for _ in range(4)]
    other = _token(api, name, PASSWORD, OWNER).status_code

    assert statuses == [200, 200, 200, 429]
    assert other == 200


def test_it_throttles_refresh_requests_for_the_whole_site(api, rates) -> None:
    rates(auth_global="2/minute")

    statuses = [
        api().post(REFRESH, {"refresh": "x"}, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
        for n in range(3)
    ]

    assert statuses == [401, 401, 429]


def test_a_successful_jwt_sign_in_resets_the_failure_count(api, patient) -> None:
    for _ in range(4):
        _token(api, patient.user.username, "wrong-password", ATTACKER)
    assert _token(api, patient.user.username, PASSWORD, ATTACKER).status_code == 200

    for _ in range(4):
        _token(api, patient.user.username, "wrong-password", ATTACKER)

    assert _token(api, patient.user.username, PASSWORD, ATTACKER).status_code == 200


def test_a_coordinator_unlocks_a_team_member_and_it_is_audited(api, clinician, coordinator):
    device = totp_device_for(clinician)
    for _ in range(5):
        _token(api, clinician.username, "wrong-password", ATTACKER)

    response = api(coordinator).post(f"/api/v1/care/members/{clinician.pk}/unlock/")

    assert response.status_code == 204
    again = _token(api, clinician.username, PASSWORD, ATTACKER, otp=totp_code(device))
    assert again.status_code == 200
    event = AccessEvent.objects.get(object_type="clinician_unlock")
    assert (event.actor, event.object_id) == (coordinator, str(clinician.pk))


@pytest.mark.parametrize("who", ["nurse", "other_coordinator"])
def test_only_the_members_coordinator_can_unlock(api, clinician, other_patient, who) -> None:
    from recovery.models import CareTeamMembership

    actor = (
        ClinicianFactory(care_teams=[clinician.care_memberships.get().team])
        if who == "nurse"
        else ClinicianFactory(
            care_teams=[other_patient.care_team],
            care_teams__role=CareTeamMembership.Role.COORDINATOR,
        )
    )

    response = api(actor).post(f"/api/v1/care/members/{clinician.pk}/unlock/")

    assert response.status_code == 404
    assert not AccessEvent.objects.filter(object_type="clinician_unlock").exists()


def test_a_patient_sees_a_role_and_a_name_never_a_username(api, patient, clinician) -> None:
    from recovery.services.audit import access_event_record

    clinician.first_name, clinician.last_name = "", ""
    clinician.save()
    access_event_record(actor=clinician, action="view", object_type="patient", patient=patient)

    entry = api(patient.user).get("/api/v1/me/access-log/").json()["results"][0]

    assert clinician.username not in str(entry)
    assert entry["role"] == "nurse"
    assert entry["viewer"] == "Care team member"


def test_a_coordinator_unlocks_a_member_from_the_dashboard(api, clinician, coordinator) -> None:
    from django.test import Client

    from tests.mfa import verified_login

    device = totp_device_for(clinician)
    for _ in range(5):
        Client(REMOTE_ADDR=ATTACKER).post(
            "/dashboard/login/", {"username": clinician.username, "password": "wrong-password"}
        )
    page = verified_login(Client(), coordinator).get("/dashboard/team/")

    coordinator_client = verified_login(Client(), coordinator)
    response = coordinator_client.post(f"/dashboard/team/{clinician.pk}/unlock/")

    assert b"Unlock" in page.content and clinician.username.encode() in page.content
    assert response["Location"] == "/dashboard/team/"
    assert AccessEvent.objects.filter(object_type="clinician_unlock", actor=coordinator).exists()
    again = _token(api, clinician.username, PASSWORD, ATTACKER, otp=totp_code(device))
    assert again.status_code == 200


def test_an_activation_code_allows_five_failed_claims(api, db) -> None:
    from recovery.services.activation import activation_code_issue
    from tests.factories import UserFactory

    patient = PatientFactory(user=UserFactory(is_active=False))
    code = activation_code_issue(patient=patient)
    weak = {"activation_code": code, "username": "ana.r", "password": "1234"}
    statuses = [
        api().post("/api/v1/auth/activate/", weak, REMOTE_ADDR=f"192.0.2.{n}").status_code
        for n in range(6)
    ]

    good = {**weak, "password": "a-long-and-unusual-passphrase"}
    response = api().post("/api/v1/auth/activate/", good, REMOTE_ADDR="192.0.2.99")

    assert statuses == [400] * 5 + [429]
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_attempts"


def test_a_body_that_is_not_an_object_is_refused_with_400(api) -> None:
    response = api().post(TOKEN, ["not", "an", "object"], format="json")

    assert response.status_code == 400
