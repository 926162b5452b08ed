"""Oversized bodies get 413 and over-deep JSON gets 400, in the common error shape."""

from __future__ import annotations

import io
import json

import pytest
from django.test import override_settings
from rest_framework.exceptions import ParseError
from rest_framework.test import APIRequestFactory

from backend.parsers import LimitedJSONParser, RequestTooLarge

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/check-ins/"


def _post(api, user, body: str):
    return api(user).generic("POST", URL, body, content_type="application/json")


def test_it_answers_413_to_a_body_over_the_limit(api, patient) -> None:
    body = json.dumps({"notes": "x" * (3 * 1024 * 1024)})

    response = _post(api, patient.user, body)

    assert response.status_code == 413
    assert response.json() == {
        "message": "Request body too large.",
        "code": "too_large",
        "extra": {"fields": {}},
    }


@override_settings(API_MAX_BODY_BYTES=1000)
def test_it_follows_the_configured_limit(api, patient) -> None:
    response = _post(api, patient.user, json.dumps({"notes": "x" * 1001}))

    assert response.status_code == 413


@pytest.mark.parametrize("depth", [33, 5000, 100_000])
def test_it_answers_400_to_json_nested_too_deep(api, patient, depth) -> None:
    response = _post(api, patient.user, "[" * depth + "]" * depth)

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_it_parses_nesting_up_to_the_limit() -> None:
    body = ("[" * 31 + '{"a": 1}' + "]" * 31).encode()

    data = LimitedJSONParser().parse(io.BytesIO(body), parser_context={})

    for _ in range(31):
        data = data[0]
    assert data == {"a": 1}


def test_it_bounds_a_body_without_a_content_length() -> None:
    request = APIRequestFactory().post("/", data=b"", content_type="application/json")
    request.META.pop("CONTENT_LENGTH", None)
    stream = io.BytesIO(b'"' + b"x" * 2000 + b'"')

    with override_settings(API_MAX_BODY_BYTES=1000), pytest.raises(RequestTooLarge):
        LimitedJSONParser().parse(stream, parser_context={"request": request})


def test_it_reports_malformed_json_as_a_parse_error() -> None:
    with pytest.raises(ParseError):
        LimitedJSONParser().parse(io.BytesIO(b"{nope"), parser_context={})
