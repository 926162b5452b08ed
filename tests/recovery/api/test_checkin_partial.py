"""Partial input (issue 14): one bad answer never loses the check-in or its red flags."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Notification
from recovery.models import CheckIn, Flag
from tests.factories.checkins import checkin_payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/check-ins/"
BATCH_URL = "/api/v1/me/check-ins/batch/"

# (the bad answer, the red flag beside it, the category and severity it must still raise)
RED_FLAG_BESIDE_A_TYPO = [
    # 100.4 is a Fahrenheit reading typed into the Celsius field.
    ({"temperature_c": 100.4}, {"chest_pain": True}, "dvt_pe", "emergency"),
    ({"back_pain": 11}, {"saddle_numbness": True}, "cauda_equina", "emergency"),
    ({"wound_drainage": "green"}, {"new_bladder_problem": True}, "cauda_equina", "emergency"),
    ({"leg_pain": "lots"}, {"shortness_of_breath": True}, "dvt_pe", "emergency"),
    ({"chills": "yes"}, {"wound_drainage": "pus"}, "infection", "urgent"),
]


def _post(api, patient, body):
    return api(patient.user).post(URL, body, format="json")


@pytest.mark.parametrize(("bad", "red_flag", "category", "severity"), RED_FLAG_BESIDE_A_TYPO)
def test_it_triages_the_valid_answers_beside_an_invalid_one(
    api, patient, bad, red_flag, category, severity
) -> None:
    response = _post(api, patient, checkin_payload(**bad, **red_flag))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [(f["category"], f["severity"]) for f in body["flags"]] == [(category, severity)]
    assert set(body["rejected"]) == set(bad)
    assert Flag.objects.get().category == category


def test_it_alerts_the_care_team_for_a_red_flag_beside_a_typo(api, patient, clinician) -> None:
    _post(api, patient, checkin_payload(temperature_c=100.4, chest_pain=True))
    flag = Flag.objects.get()
    alert = Notification.objects.get(template="careteam_flag", channel="inapp")
    assert (alert.recipient_id, alert.link) == (clinician.id, f"/dashboard/flags/{flag.id}/")


def test_it_stores_the_rejected_answers_on_the_check_in(api, patient) -> None:
    _post(api, patient, checkin_payload(temperature_c=100.4, back_pain=3))
    stored = CheckIn.objects.get()
    assert list(stored.rejected) == ["temperature_c"]
    assert (stored.temperature_c, stored.back_pain) == (None, 3)


def test_it_answers_a_replay_with_the_same_flags_and_rejected(api, patient) -> None:
    body = checkin_payload(temperature_c=100.4, chest_pain=True)
    first = _post(api, patient, body)
    again = _post(api, patient, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["flags"] == first.json()["flags"]
    assert again.json()["rejected"] == first.json()["rejected"]
    assert again.json() == first.json()
    assert (CheckIn.objects.count(), Flag.objects.count()) == (1, 1)


def test_it_answers_a_replay_from_the_store_even_if_the_retry_is_unreadable(api, patient) -> None:
    body = checkin_payload(back_pain=11, saddle_numbness=True)
    first = _post(api, patient, body)
    again = _post(api, patient, {**body, "recorded_at": "garbled"})
    assert again.status_code == 200
    assert again.json() == first.json()


@pytest.mark.parametrize("minutes_ahead", [30, 60 * 24])
def test_it_still_refuses_a_check_in_from_the_future(api, patient, minutes_ahead) -> None:
    later = (timezone.now() + timedelta(minutes=minutes_ahead)).isoformat()
    response = _post(api, patient, checkin_payload(recorded_at=later, chest_pain=True))
    assert response.status_code == 400
    assert "recorded_at" in response.json()["extra"]["fields"]
    assert not CheckIn.objects.exists()


def test_it_refuses_an_unreadable_body_with_the_common_error_shape(api, patient) -> None:
    response = _post(api, patient, checkin_payload(id="nope", back_pain=11))
    assert response.status_code == 400
    assert set(response.json()) == {"message", "code", "extra"}
    assert set(response.json()["extra"]["fields"]) == {"id"}


# ---------------------------------------------------------------------------------- batch


def _batch(api, patient, items):
    response = api(patient.user).post(BATCH_URL, {"check_ins": items}, format="json")
    assert response.status_code == 200
    return response.json()["results"]


@pytest.mark.parametrize(("bad", "red_flag", "category", "severity"), RED_FLAG_BESIDE_A_TYPO)
def test_it_triages_a_batch_item_beside_an_invalid_answer(
    api, patient, bad, red_flag, category, severity
) -> None:
    [result] = _batch(api, patient, [checkin_payload(**bad, **red_flag)])
    assert result["status"] == 201
    flags = result["check_in"]["flags"]
    assert [(f["category"], f["severity"]) for f in flags] == [(category, severity)]
    assert set(result["check_in"]["rejected"]) == set(bad)


def test_it_replays_a_batch_item_with_the_same_flags_and_rejected(api, patient) -> None:
    items = [checkin_payload(temperature_c=100.4, chest_pain=True), checkin_payload(leg_pain=12)]
    first = _batch(api, patient, items)
    again = _batch(api, patient, items)
    assert [r["status"] for r in again] == [200, 200]
    assert [r["check_in"] for r in again] == [r["check_in"] for r in first]
    assert [list(r["check_in"]["rejected"]) for r in again] == [["temperature_c"], ["leg_pain"]]


def test_it_reports_only_an_unreadable_batch_item_as_invalid(api, patient) -> None:
    items = [checkin_payload(recorded_at="soon", chest_pain=True), checkin_payload(back_pain=42)]
    results = _batch(api, patient, items)
    assert [r["status"] for r in results] == [400, 201]
    assert "recorded_at" in results[0]["error"]["extra"]["fields"]
    assert list(results[1]["check_in"]["rejected"]) == ["back_pain"]
