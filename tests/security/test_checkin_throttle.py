"""issue 23: the check-in throttle (core.throttles.RedisScopedRateThrottle, one Redis call)
keeps DRF's scoped sliding window: the limit per user and hour, Retry-After, the window moving.
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from core.throttles import RedisScopedRateThrottle
from tests.factories.checkins import checkin_payload
from tests.factories.wound_photos import photo_body

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/check-ins/"


@pytest.fixture
def three_an_hour(monkeypatch: pytest.MonkeyPatch) -> None:
    rates = {**RedisScopedRateThrottle.THROTTLE_RATES, "checkin": "3/hour"}
    monkeypatch.setattr(RedisScopedRateThrottle, "THROTTLE_RATES", rates)


def _post(client):
    return client.post(URL, checkin_payload(back_pain=2), format="json")


def test_it_refuses_a_check_in_beyond_the_rate_with_retry_after(api, patient, three_an_hour):
    client = api(patient.user)
    with time_machine.travel(timezone.now(), tick=False):
        statuses = [_post(client).status_code for _ in range(4)]
        refused = _post(client)
    assert statuses == [201, 201, 201, 429]
    assert refused.json()["code"] == "throttled"
    assert 3500 <= int(refused["Retry-After"]) <= 3600


def test_it_counts_each_patient_on_their_own(api, patient, other_patient, three_an_hour):
    for _ in range(3):
        _post(api(patient.user))
    assert _post(api(other_patient.user)).status_code == 201


def test_it_accepts_again_once_the_oldest_check_in_leaves_the_window(
    api, patient, three_an_hour
) -> None:
    client = api(patient.user)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(3):
            _post(client)
            clock.shift(timedelta(minutes=10))
        assert _post(client).status_code == 429
        clock.move_to(start + timedelta(hours=1, seconds=1))
        assert _post(client).status_code == 201
        assert _post(client).status_code == 429  # the other two are still in the window


def test_it_counts_wound_photos_in_the_same_check_in_budget(api, patient, three_an_hour):
    # The photo upload shares the "checkin" scope: one log, never a clash of key types (500).
    client = api(patient.user)
    with time_machine.travel(timezone.now(), tick=False):
        _post(client)
        photo = client.post("/api/v1/me/wound-photos/", photo_body(), format="multipart")
        statuses = [photo.status_code, _post(client).status_code, _post(client).status_code]
    assert statuses == [201, 201, 429]
