"""Redis down: the API says 503 with Retry-After, never 500.

Redis holds the token deny-list and the throttle counters, so every signed-in API request reads
it. While it is unreachable the request cannot be authorised safely: the client is told to retry
(failing closed), as with PostgreSQL down (test_faults_postgres.py). A real Redis client talks
to a port nothing listens on; nothing is mocked.
"""

import socket

import pytest
from django.test import override_settings

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def _unreachable_redis() -> dict[str, dict[str, str]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free once closed: nothing listens there
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }


def test_it_answers_503_to_a_signed_in_request_while_redis_is_down(api, patient) -> None:
    tokens = api().post(
        "/api/v1/auth/token/", {"username": patient.user.username, "password": PASSWORD}
    )
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")

    with override_settings(CACHES=_unreachable_redis()):
        response = client.get(ME)

    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"
    assert int(response["Retry-After"]) > 0


def test_it_serves_the_same_request_again_once_redis_is_back(api, patient) -> None:
    tokens = api().post(
        "/api/v1/auth/token/", {"username": patient.user.username, "password": PASSWORD}
    )
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")
    with override_settings(CACHES=_unreachable_redis()):
        client.get(ME)

    assert client.get(ME).status_code == 200
