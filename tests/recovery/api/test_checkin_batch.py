"""POST /api/v1/me/check-ins/batch/: an offline queue, each item applied as if sent alone."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from recovery.models import CheckIn, Flag, FlagFinding
from tests.factories.checkins import checkin_payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/check-ins/batch/"


def _batch(api, patient, items):
    return api(patient.user).post(URL, {"check_ins": items}, format="json")


def test_it_applies_each_item_and_reports_per_item(api, patient) -> None:
    items = [checkin_payload(back_pain=2), checkin_payload(id="x"), checkin_payload()]
    response = _batch(api, patient, items)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == [201, 400, 201]
    assert [r["index"] for r in results] == [0, 1, 2]
    assert [r["id"] for r in results] == [items[0]["id"], None, items[2]["id"]]
    assert "id" in results[1]["error"]["extra"]["fields"]
    assert CheckIn.objects.count() == 2


def test_it_does_not_let_one_bad_item_sink_the_others(api, patient) -> None:
    items = [checkin_payload(recorded_at="later"), checkin_payload(saddle_numbness=True)]
    results = _batch(api, patient, items).json()["results"]
    assert [r["status"] for r in results] == [400, 201]
    assert results[1]["check_in"]["flags"][0]["category"] == "cauda_equina"


def test_it_stores_an_item_with_an_invalid_answer_and_names_it(api, patient) -> None:
    items = [checkin_payload(mystery=True, back_pain=11, saddle_numbness=True)]
    [result] = _batch(api, patient, items).json()["results"]
    assert result["status"] == 201
    assert set(result["check_in"]["rejected"]) == {"mystery", "back_pain"}
    assert result["check_in"]["flags"][0]["category"] == "cauda_equina"


def test_it_accepts_the_new_answers_in_a_batch(api, patient) -> None:
    items = [checkin_payload(drowsiness=True, leg_symptom_side="right", thigh_groin_pain=3)]
    [result] = _batch(api, patient, items).json()["results"]
    assert result["check_in"]["rejected"] == {}
    stored = CheckIn.objects.get()
    assert (stored.drowsiness, stored.leg_symptom_side, stored.thigh_groin_pain) == (
        True,
        "right",
        3,
    )


def test_it_treats_a_resent_batch_as_replays(api, patient) -> None:
    items = [checkin_payload(back_pain=3), checkin_payload(chills=True)]
    first = _batch(api, patient, items).json()["results"]
    again = _batch(api, patient, items).json()["results"]
    assert [r["status"] for r in again] == [200, 200]
    assert [r["check_in"] for r in again] == [r["check_in"] for r in first]
    assert CheckIn.objects.count() == 2


def test_it_replays_a_duplicate_within_the_same_batch(api, patient) -> None:
    item = checkin_payload(back_pain=3)
    results = _batch(api, patient, [item, item]).json()["results"]
    assert [r["status"] for r in results] == [201, 200]
    assert CheckIn.objects.count() == 1


def test_it_reports_another_patients_id_as_a_conflict(api, patient, other_patient) -> None:
    taken = checkin_payload()
    _batch(api, other_patient, [taken])
    results = _batch(api, patient, [taken, checkin_payload()]).json()["results"]
    assert [r["status"] for r in results] == [409, 201]


def test_it_stores_queued_check_ins_oldest_first(api, patient) -> None:
    # Sent newest first; each is triaged against the ones recorded before it, so the older
    # one must be stored (and triaged) first: it is the one that opens the flag.
    now = timezone.now()
    newer = checkin_payload(recorded_at=(now - timedelta(hours=1)).isoformat(), chills=True)
    older = checkin_payload(recorded_at=(now - timedelta(hours=20)).isoformat(), chills=True)
    _batch(api, patient, [newer, older])
    [finding] = FlagFinding.objects.all()
    assert str(finding.checkin_id) == older["id"]
    assert Flag.objects.get().checkins.count() == 2


def test_it_stamps_every_item_with_the_time_the_batch_arrived(api, patient) -> None:
    now = timezone.now()
    items = [checkin_payload(recorded_at=(now - timedelta(hours=h)).isoformat()) for h in (3, 1)]
    with time_machine.travel(now, tick=False):
        _batch(api, patient, items)
    assert set(CheckIn.objects.values_list("received_at", flat=True)) == {now}


def test_it_links_every_queued_report_of_a_problem_to_one_flag(api, patient) -> None:
    now = timezone.now()
    items = [
        checkin_payload(recorded_at=(now - timedelta(hours=h)).isoformat(), wound_redness=True)
        for h in (3, 2, 1)
    ]
    _batch(api, patient, items)
    flag = Flag.objects.get()
    assert flag.checkins.count() == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"check_ins": []}, "check_ins"),
        ({"check_ins": [checkin_payload() for _ in range(101)]}, "check_ins"),
        ({}, "check_ins"),
        ({"check_ins": "nope"}, "check_ins"),
    ],
)
def test_it_refuses_a_malformed_or_oversized_batch(api, patient, body, field) -> None:
    response = api(patient.user).post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]
    assert not CheckIn.objects.exists()


def test_it_accepts_a_full_batch_of_one_hundred(api, patient) -> None:
    now = timezone.now()
    items = [
        checkin_payload(recorded_at=(now - timedelta(minutes=i)).isoformat()) for i in range(100)
    ]
    results = _batch(api, patient, items).json()["results"]
    assert [r["status"] for r in results] == [201] * 100


def test_it_reports_a_non_object_item_as_invalid(api, patient) -> None:
    results = _batch(api, patient, ["hello", checkin_payload()]).json()["results"]
    assert [r["status"] for r in results] == [400, 201]
    assert results[0]["id"] is None


def test_it_refuses_a_care_team_member(api, clinician) -> None:
    response = api(clinician).post(URL, {"check_ins": [checkin_payload()]}, format="json")
    assert response.status_code == 403
