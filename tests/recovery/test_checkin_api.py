"""POST/GET /api/v1/me/check-ins/: validation, replay, scope, listing."""

import uuid
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from recovery.models import CheckIn, Flag
from recovery.models.checkins import BOOLEAN_FIELDS, INTEGER_RANGES
from tests.factories import PatientFactory
from tests.factories.checkins import CheckInFactory, checkin_payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/check-ins/"


def _post(api, patient, body):
    return api(patient.user).post(URL, body, format="json")


def _field_errors(response) -> dict:
    return response.json()["extra"]["fields"]


# --------------------------------------------------------------------------- validation


INVALID_VALUES = [
    *[(name, low - 1) for name, (low, _) in INTEGER_RANGES.items()],
    *[(name, high + 1) for name, (_, high) in INTEGER_RANGES.items()],
    *[(name, 2.5) for name in INTEGER_RANGES],
    *[(name, "lots") for name in INTEGER_RANGES],
    *[(name, "yes") for name in BOOLEAN_FIELDS],
    *[(name, 1) for name in BOOLEAN_FIELDS],
    ("temperature_c", 33.9),
    ("temperature_c", 43.1),
    ("temperature_c", "hot"),
    ("temperature_f", 92.0),
    ("temperature_f", 110.0),
    ("wound_drainage", "green"),
    ("notes", "x" * 2001),
    ("recorded_at", "yesterday"),
    ("id", "not-a-uuid"),
]


@pytest.mark.parametrize(("field", "value"), INVALID_VALUES)
def test_it_rejects_an_invalid_value_naming_the_field(api, patient, field, value) -> None:
    response = _post(api, patient, checkin_payload(**{field: value}))
    assert response.status_code == 400
    assert field in _field_errors(response)
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize("field", ["id", "recorded_at"])
def test_it_requires_the_id_and_the_recording_time(api, patient, field) -> None:
    body = checkin_payload()
    del body[field]
    response = _post(api, patient, body)
    assert response.status_code == 400
    assert field in _field_errors(response)


def test_it_names_every_unknown_field(api, patient) -> None:
    response = _post(api, patient, checkin_payload(back_pian=3, fever=True))
    assert response.status_code == 400
    assert set(_field_errors(response)) == {"back_pian", "fever"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        *[(name, low) for name, (low, _) in INTEGER_RANGES.items()],
        *[(name, high) for name, (_, high) in INTEGER_RANGES.items()],
        *[(name, False) for name in BOOLEAN_FIELDS],
        ("temperature_c", 34.0),
        ("temperature_c", 36.8),
        ("wound_drainage", "none"),
        ("wound_drainage", None),
    ],
)
def test_it_stores_each_valid_value(api, patient, name, value) -> None:
    response = _post(api, patient, checkin_payload(**{name: value}))
    assert response.status_code == 201, response.json()
    assert getattr(CheckIn.objects.get(), name) == value
    assert response.json()[name] == value


def test_it_stores_a_check_in_with_nothing_reported(api, patient) -> None:
    response = _post(api, patient, checkin_payload())
    assert response.status_code == 201
    assert response.json()["flags"] == []


@pytest.mark.parametrize(("fahrenheit", "celsius"), [(100.4, 38.0), (98.6, 37.0), (102.2, 39.0)])
def test_it_converts_fahrenheit_to_celsius(api, patient, fahrenheit, celsius) -> None:
    response = _post(api, patient, checkin_payload(temperature_f=fahrenheit))
    assert response.status_code == 201
    assert CheckIn.objects.get().temperature_c == celsius
    assert response.json()["temperature_c"] == celsius
    assert "temperature_f" not in response.json()


def test_it_accepts_both_units_when_they_agree(api, patient) -> None:
    response = _post(api, patient, checkin_payload(temperature_c=38.0, temperature_f=100.4))
    assert response.status_code == 201
    assert CheckIn.objects.get().temperature_c == 38.0


def test_it_refuses_both_units_when_they_disagree(api, patient) -> None:
    response = _post(api, patient, checkin_payload(temperature_c=37.0, temperature_f=101.0))
    assert response.status_code == 400
    assert "temperature_f" in _field_errors(response)


def test_it_refuses_a_check_in_from_the_future(api, patient) -> None:
    later = (timezone.now() + timedelta(minutes=30)).isoformat()
    response = _post(api, patient, checkin_payload(recorded_at=later))
    assert response.status_code == 400
    assert "recorded_at" in _field_errors(response)


def test_it_tolerates_a_little_clock_skew(api, patient) -> None:
    ahead = (timezone.now() + timedelta(minutes=2)).isoformat()
    assert _post(api, patient, checkin_payload(recorded_at=ahead)).status_code == 201


def _local_noon(patient, day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=patient.tz)


@pytest.mark.parametrize(("days_before", "status"), [(0, 201), (1, 201), (2, 400)])
def test_it_refuses_check_ins_more_than_a_day_before_the_operation(
    api, patient, days_before, status
) -> None:
    surgery_date = patient.surgeries.get().date
    moment = _local_noon(patient, surgery_date - timedelta(days=days_before))
    response = _post(api, patient, checkin_payload(recorded_at=moment.isoformat()))
    assert response.status_code == status


# ------------------------------------------------------------------------------ storage


@time_machine.travel("2026-03-11 03:00:00+00:00", tick=False)
def test_it_computes_the_postoperative_day_on_the_patients_calendar(api) -> None:
    patient = PatientFactory(timezone="America/New_York", surgery__date=date(2026, 3, 1))
    # 02:30 UTC on the 11th is still the evening of the 10th in New York: day 9.
    response = _post(api, patient, checkin_payload(recorded_at="2026-03-11T02:30:00+00:00"))
    assert response.status_code == 201
    assert response.json()["postop_day"] == 9


def test_it_never_triages_on_the_free_text_notes(api, patient) -> None:
    response = _post(api, patient, checkin_payload(notes="numbness between my legs, fever 40"))
    assert response.status_code == 201
    assert response.json()["flags"] == []
    assert not Flag.objects.exists()


def test_it_returns_the_advice_the_patient_must_see_now(api, patient) -> None:
    response = _post(api, patient, checkin_payload(chest_pain=True))
    [flag] = response.json()["flags"]
    assert (flag["category"], flag["severity"]) == ("dvt_pe", "emergency")
    assert "emergency" in flag["advice"].lower()
    assert flag["id"] == str(Flag.objects.get().id)


def test_it_refuses_a_care_team_member(api, clinician) -> None:
    response = api(clinician).post(URL, checkin_payload(), format="json")
    assert response.status_code == 403


def test_it_refuses_an_anonymous_caller(api) -> None:
    assert api().post(URL, checkin_payload(), format="json").status_code == 401


# ------------------------------------------------------------------------------- replay


def test_it_answers_a_replay_with_the_original_body_and_creates_nothing(api, patient) -> None:
    body = checkin_payload(temperature_c=38.6, wound_redness=True)
    first = _post(api, patient, body)
    counts = (CheckIn.objects.count(), Flag.objects.count())
    again = _post(api, patient, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert (CheckIn.objects.count(), Flag.objects.count()) == counts


def test_it_answers_a_replay_from_the_store_even_if_the_retry_differs(api, patient) -> None:
    body = checkin_payload(back_pain=4)
    first = _post(api, patient, body)
    again = _post(api, patient, {**body, "back_pain": 9, "saddle_numbness": True})
    assert again.status_code == 200
    assert again.json() == first.json()
    assert not Flag.objects.exists()


def test_it_refuses_another_patients_id_without_revealing_it(api, patient, other_patient) -> None:
    body = checkin_payload(back_pain=8)
    _post(api, other_patient, body)
    response = _post(api, patient, {**body, "back_pain": 1})
    assert response.status_code == 409
    assert "8" not in str(response.json())
    assert CheckIn.objects.get().patient == other_patient


# ------------------------------------------------------------------------------- listing


def test_it_lists_only_the_callers_own_check_ins_newest_first(api, patient, other_patient) -> None:
    now = timezone.now()
    mine = [
        CheckInFactory(patient=patient, recorded_at=now - timedelta(hours=h)) for h in (5, 1, 3)
    ]
    CheckInFactory(patient=other_patient)
    response = api(patient.user).get(URL)
    assert response.status_code == 200
    ids = [row["id"] for row in response.json()["results"]]
    expected = sorted(mine, key=lambda c: c.recorded_at, reverse=True)
    assert ids == [str(c.id) for c in expected]


def test_it_pages_with_a_cursor_without_gaps_or_repeats(api, patient) -> None:
    now = timezone.now()
    made = {
        str(CheckInFactory(patient=patient, recorded_at=now - timedelta(minutes=i)).id)
        for i in range(7)
    }
    client = api(patient.user)
    seen: list[str] = []
    url = URL + "?page_size=3"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == made


@pytest.mark.parametrize("size", [1, 10, 40])
def test_it_lists_in_constant_queries(api, patient, size, django_assert_max_num_queries) -> None:
    CheckInFactory.create_batch(size, patient=patient)
    client = api(patient.user)
    with django_assert_max_num_queries(3):
        response = client.get(URL)
    assert len(response.json()["results"]) == size


def test_it_lists_a_fresh_id_only_once_after_a_replay(api, patient) -> None:
    body = checkin_payload()
    _post(api, patient, body)
    _post(api, patient, body)
    assert [row["id"] for row in api(patient.user).get(URL).json()["results"]] == [body["id"]]


def test_it_uses_the_client_id_as_the_primary_key(api, patient) -> None:
    body = checkin_payload()
    _post(api, patient, body)
    assert CheckIn.objects.get().id == uuid.UUID(body["id"])
