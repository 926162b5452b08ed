"""JWTs: own signing key, instant revocation through the Redis deny-list, absolute lifetime."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
LOGOUT = "/api/v1/auth/logout/"
ME = "/api/v1/me/"


def _sign_in(api, patient) -> dict[str, str]:
    return api().post(TOKEN, {"username": patient.user.username, "password": PASSWORD}).json()


def _bearer(api, access: str):
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def test_it_signs_tokens_with_their_own_key_not_the_secret_key(api, patient) -> None:
    access = _sign_in(api, patient)["access"]

    assert settings.SIMPLE_JWT["SIGNING_KEY"] == settings.JWT_SIGNING_KEY != settings.SECRET_KEY
    jwt.decode(access, settings.JWT_SIGNING_KEY, algorithms=["HS256"])
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(access, settings.SECRET_KEY, algorithms=["HS256"])


def test_it_refuses_to_start_without_a_jwt_signing_key_when_not_debugging(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JWT_"))}
    env.update(DEBUG="false", SECRET_KEY="s" * 50, VAR_DIR=str(tmp_path))
    env["DJANGO_SETTINGS_MODULE"] = "backend.settings.base"

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert result.returncode != 0
    assert "JWT_SIGNING_KEY is required" in result.stderr


def test_after_logout_the_old_access_token_gets_401(api, patient) -> None:
    tokens = _sign_in(api, patient)
    client = _bearer(api, tokens["access"])
    assert client.get(ME).status_code == 200

    assert client.post(LOGOUT, {"refresh": tokens["refresh"]}).status_code == 205

    assert client.get(ME).status_code == 401


def test_logout_without_the_access_token_still_revokes_it(api, patient) -> None:
    tokens = _sign_in(api, patient)

    api().post(LOGOUT, {"refresh": tokens["refresh"]})

    assert _bearer(api, tokens["access"]).get(ME).status_code == 401


def test_logout_revokes_the_access_tokens_of_that_sign_in_only(api, patient) -> None:
    phone, tablet = _sign_in(api, patient), _sign_in(api, patient)

    api().post(LOGOUT, {"refresh": phone["refresh"]})

    assert _bearer(api, tablet["access"]).get(ME).status_code == 200


def test_logout_revokes_access_tokens_made_by_earlier_refreshes(api, patient) -> None:
    tokens = _sign_in(api, patient)
    rotated = api().post(REFRESH, {"refresh": tokens["refresh"]}).json()

    api().post(LOGOUT, {"refresh": rotated["refresh"]})

    assert _bearer(api, tokens["access"]).get(ME).status_code == 401
    assert _bearer(api, rotated["access"]).get(ME).status_code == 401


def test_refresh_reuse_revokes_the_live_access_tokens(api, patient) -> None:
    stolen = _sign_in(api, patient)
    legitimate = api().post(REFRESH, {"refresh": stolen["refresh"]}).json()

    assert api().post(REFRESH, {"refresh": stolen["refresh"]}).status_code == 401  # the replay

    assert _bearer(api, legitimate["access"]).get(ME).status_code == 401
    assert _bearer(api, stolen["access"]).get(ME).status_code == 401
    assert api().post(REFRESH, {"refresh": legitimate["refresh"]}).status_code == 401


def test_refresh_reuse_revokes_the_users_other_sign_ins_too(api, patient) -> None:
    other_device = _sign_in(api, patient)
    stolen = _sign_in(api, patient)
    api().post(REFRESH, {"refresh": stolen["refresh"]})

    api().post(REFRESH, {"refresh": stolen["refresh"]})

    assert _bearer(api, other_device["access"]).get(ME).status_code == 401


def test_a_refresh_token_stops_working_30_days_after_sign_in(api, patient) -> None:
    start = timezone.now()
    refresh = _sign_in(api, patient)["refresh"]
    for day in (10, 20, 29):  # rotated well within the 14-day window each time
        with time_machine.travel(start + timedelta(days=day)):
            response = api().post(REFRESH, {"refresh": refresh})
            assert response.status_code == 200, day
            refresh = response.json()["refresh"]

    with time_machine.travel(start + timedelta(days=30, minutes=1)):
        assert api().post(REFRESH, {"refresh": refresh}).status_code == 401


def test_the_absolute_lifetime_is_a_setting(api, patient, settings) -> None:
    settings.JWT_REFRESH_ABSOLUTE_DAYS = 2
    start = timezone.now()
    refresh = _sign_in(api, patient)["refresh"]

    with time_machine.travel(start + timedelta(days=2, minutes=1)):
        assert api().post(REFRESH, {"refresh": refresh}).status_code == 401


def test_deny_list_entries_expire_with_the_access_tokens(api, patient) -> None:
    from django.core.cache import cache

    tokens = _sign_in(api, patient)
    api().post(LOGOUT, {"refresh": tokens["refresh"]})
    sid = jwt.decode(tokens["access"], options={"verify_signature": False})["sid"]

    ttl = cache.ttl(f"auth:deny:sid:{sid}") if hasattr(cache, "ttl") else None
    lifetime = settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()
    assert cache.get(f"auth:deny:sid:{sid}") == 1
    assert ttl is None or ttl <= lifetime + 60


def test_an_activation_signs_in_with_a_session_id(api) -> None:
    from recovery.services.activation import activation_code_issue
    from tests.factories import PatientFactory, UserFactory

    patient = PatientFactory(user=UserFactory(is_active=False))
    code = activation_code_issue(patient=patient)
    body = {"activation_code": code, "username": "ana.r", "password": "a-long-unusual-phrase"}

    access = api().post("/api/v1/auth/activate/", body).json()["access"]

    claims = jwt.decode(access, options={"verify_signature": False})
    assert claims["sid"] and claims["auth_time"]
