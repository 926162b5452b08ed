from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from recovery.services.activation import activation_code_issue
from tests.factories import PASSWORD, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
LOGOUT = "/api/v1/auth/logout/"
ACTIVATE = "/api/v1/auth/activate/"
NEW_PASSWORD = "a-long-and-unusual-passphrase"


def _login(api, username: str, password: str = PASSWORD):
    return api().post(TOKEN, {"username": username, "password": password})


def test_it_issues_access_and_refresh_tokens(api, patient) -> None:
    response = _login(api, patient.user.username)
    assert response.status_code == 200
    assert set(response.data) >= {"access", "refresh"}


def test_it_accepts_the_access_token_as_a_bearer(api, patient) -> None:
    access = _login(api, patient.user.username).data["access"]
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert client.get("/api/v1/me/").data["id"] == str(patient.id)


def test_it_refuses_a_wrong_password_in_the_common_shape(api, patient) -> None:
    response = _login(api, patient.user.username, "wrong-password")
    assert response.status_code == 401
    assert set(response.data) == {"message", "code", "extra"}


def test_it_rotates_refresh_tokens_and_refuses_the_old_one(api, patient) -> None:
    refresh = _login(api, patient.user.username).data["refresh"]
    rotated = api().post(REFRESH, {"refresh": refresh})
    assert rotated.status_code == 200 and rotated.data["refresh"] != refresh
    assert api().post(REFRESH, {"refresh": refresh}).status_code == 401


def test_it_revokes_the_refresh_token_on_logout(api, patient) -> None:
    refresh = _login(api, patient.user.username).data["refresh"]
    assert api().post(LOGOUT, {"refresh": refresh}).status_code == 205
    assert api().post(REFRESH, {"refresh": refresh}).status_code == 401


def test_it_refuses_logout_with_a_garbage_token(api) -> None:
    response = api().post(LOGOUT, {"refresh": "not-a-token"})
    assert response.status_code == 400
    assert "refresh" in response.data["extra"]["fields"]


def test_it_expires_access_tokens_after_fifteen_minutes(api, patient) -> None:
    access = _login(api, patient.user.username).data["access"]
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert client.get("/api/v1/me/").status_code == 401


def test_it_locks_an_account_out_after_repeated_failures(api, patient) -> None:
    for _ in range(5):
        _login(api, patient.user.username, "wrong-password")
    response = _login(api, patient.user.username)  # even the right password now
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"


def _pending_patient():
    patient = PatientFactory(user=UserFactory(is_active=False))
    return patient, activation_code_issue(patient=patient)


def test_it_activates_an_account_with_a_valid_code(api) -> None:
    patient, code = _pending_patient()
    response = api().post(
        ACTIVATE, {"activation_code": code, "username": "ana.r", "password": NEW_PASSWORD}
    )
    assert response.status_code == 201
    assert response.data["patient"] == str(patient.id)
    assert _login(api, "ana.r", NEW_PASSWORD).status_code == 200


def test_it_accepts_a_code_typed_without_dashes_in_lower_case(api) -> None:
    _, code = _pending_patient()
    typed = code.replace("-", "").lower()
    response = api().post(
        ACTIVATE, {"activation_code": typed, "username": "ana.r", "password": NEW_PASSWORD}
    )
    assert response.status_code == 201


def test_it_refuses_a_reused_code(api) -> None:
    _, code = _pending_patient()
    api().post(ACTIVATE, {"activation_code": code, "username": "ana.r", "password": NEW_PASSWORD})
    again = api().post(
        ACTIVATE, {"activation_code": code, "username": "ana.s", "password": NEW_PASSWORD}
    )
    assert again.status_code == 400
    assert again.data["code"] == "invalid_activation_code"


def test_it_refuses_an_expired_code(api) -> None:
    _, code = _pending_patient()
    with time_machine.travel(timezone.now() + timedelta(hours=73)):
        response = api().post(
            ACTIVATE, {"activation_code": code, "username": "ana.r", "password": NEW_PASSWORD}
        )
    assert response.status_code == 400
    assert "activation_code" in response.data["extra"]["fields"]


def test_it_refuses_a_wrong_code(api) -> None:
    _pending_patient()
    response = api().post(
        ACTIVATE, {"activation_code": "AAAA-BBBB-CCCC", "username": "x.y", "password": NEW_PASSWORD}
    )
    assert response.status_code == 400


def test_it_refuses_a_weak_password_and_keeps_the_code_usable(api) -> None:
    _, code = _pending_patient()
    weak = api().post(ACTIVATE, {"activation_code": code, "username": "ana.r", "password": "1234"})
    assert weak.status_code == 400 and "password" in weak.data["extra"]["fields"]
    ok = api().post(
        ACTIVATE, {"activation_code": code, "username": "ana.r", "password": NEW_PASSWORD}
    )
    assert ok.status_code == 201


def test_it_refuses_a_taken_username(api, other_patient) -> None:
    _, code = _pending_patient()
    response = api().post(
        ACTIVATE,
        {
            "activation_code": code,
            "username": other_patient.user.username,
            "password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400 and "username" in response.data["extra"]["fields"]


def test_it_throttles_activation_guessing(api) -> None:
    def body(n: int) -> dict[str, str]:
        return {"activation_code": f"AAAA-BBBB-CC{n:02d}", "username": "x.y", "password": "p" * 12}

    statuses = [api().post(ACTIVATE, body(n)).status_code for n in range(11)]
    assert statuses[:10] == [400] * 10
    assert statuses[10] == 429


def test_an_old_code_stops_working_when_a_new_one_is_issued(api) -> None:
    patient, first = _pending_patient()
    activation_code_issue(patient=patient)
    response = api().post(
        ACTIVATE, {"activation_code": first, "username": "ana.r", "password": NEW_PASSWORD}
    )
    assert response.status_code == 400


def test_replaying_a_rotated_refresh_token_revokes_the_whole_family(api, patient) -> None:
    stolen = _login(api, patient.user.username).data["refresh"]
    legitimate = api().post(REFRESH, {"refresh": stolen}).data["refresh"]
    assert api().post(REFRESH, {"refresh": stolen}).status_code == 401  # the replay
    assert api().post(REFRESH, {"refresh": legitimate}).status_code == 401  # family revoked


def test_it_refuses_a_tampered_access_token(api, patient) -> None:
    access = _login(api, patient.user.username).data["access"]
    header, payload, signature = access.split(".")
    tampered = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tampered}")
    assert client.get("/api/v1/me/").status_code == 401


def test_it_refuses_an_unsigned_alg_none_token(api, patient) -> None:
    import base64
    import json

    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    access = _login(api, patient.user.username).data["access"]
    claims = json.loads(base64.urlsafe_b64decode(access.split(".")[1] + "=="))
    forged = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged}")
    assert client.get("/api/v1/me/").status_code == 401


def test_a_refresh_token_is_not_accepted_as_an_access_token(api, patient) -> None:
    refresh = _login(api, patient.user.username).data["refresh"]
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {refresh}")
    assert client.get("/api/v1/me/").status_code == 401
