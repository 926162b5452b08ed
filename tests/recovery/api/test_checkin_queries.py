"""issue 23: the SQL a check-in costs, through the whole request (bearer token included)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories.checkins import checkin_payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/check-ins/"


def test_it_prints(patient) -> None:
    client = APIClient()
    token = RefreshToken.for_user(patient.user).access_token
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(URL, checkin_payload(back_pain=2), format="json")
    assert response.status_code == 201, response.json()
    for q in ctx.captured_queries:
        print(q["sql"][:300])
    print(len(ctx.captured_queries))
