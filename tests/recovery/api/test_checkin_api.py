"""POST/GET /api/v1/me/check-ins/: validation, replay, scope, listing."""

import uuid
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from recovery.models import CheckIn, Flag
from recovery.models.checkins import BOOLEAN_FIELDS, INTEGER_RANGES, SYMPTOM_FIELDS
from tests.factories import PatientFactory
from tests.factories.checkins import CheckInFactory, checkin_payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/check-ins/"
# issue 14: the six answers added to the check-in contract.
NEW_BOOLEANS = ("abdominal_pain", "coughing_blood", "racing_heartbeat", "drowsiness")
NEW_FIELDS = (*NEW_BOOLEANS, "leg_symptom_side", "thigh_groin_pain")


def _post(api, patient, body):
    return api(patient.user).post(URL, body, format="json")


def _field_errors(response) -> dict:
    return response.json()["extra"]["fields"]


# --------------------------------------------------------------------------- validation


INVALID_ANSWERS = [
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
    ("leg_symptom_side", "middle"),
    ("leg_symptom_side", True),
    ("notes", "x" * 2001),
]


@pytest.mark.parametrize(("field", "value"), INVALID_ANSWERS)
def test_it_stores_the_check_in_without_an_invalid_answer_naming_it(
    api, patient, field, value
) -> None:
    kept = "leg_pain" if field == "back_pain" else "back_pain"
    response = _post(api, patient, checkin_payload(**{kept: 4, field: value}))
    assert response.status_code == 201, response.json()
    assert list(response.json()["rejected"]) == [field]
    assert response.json()["rejected"][field]
    stored = CheckIn.objects.get()
    assert getattr(stored, kept) == 4
    assert getattr(stored, field, "") in (None, "")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("recorded_at", "yesterday"),
        ("recorded_at", None),
        ("id", "not-a-uuid"),
        ("id", None),
        ("id", [1]),
    ],
)
def test_it_refuses_a_body_whose_id_or_time_cannot_be_read(api, patient, field, value) -> None:
    response = _post(api, patient, checkin_payload(chest_pain=True, **{field: value}))
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


@pytest.mark.parametrize("body", [[{"back_pain": 3}], "back_pain=3", 7])
def test_it_refuses_a_body_that_is_not_an_object(api, patient, body) -> None:
    response = _post(api, patient, body)
    assert response.status_code == 400
    assert not CheckIn.objects.exists()


def test_it_refuses_a_body_that_is_not_json(api, patient) -> None:
    response = api(patient.user).post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert not CheckIn.objects.exists()


def test_it_names_every_unknown_field_and_keeps_the_rest(api, patient) -> None:
    response = _post(api, patient, checkin_payload(back_pian=3, fever=True, leg_pain=5))
    assert response.status_code == 201
    assert set(response.json()["rejected"]) == {"back_pian", "fever"}
    assert CheckIn.objects.get().leg_pain == 5


def test_it_bounds_how_many_unknown_fields_it_names(api, patient) -> None:
    junk = {f"junk_{n}": True for n in range(50)}
    response = _post(api, patient, checkin_payload(**junk))
    assert response.status_code == 201
    rejected = CheckIn.objects.get().rejected
    assert len(rejected) == 21
    assert "30 more" in rejected["non_field_errors"][0]


def test_it_never_stores_free_text_sent_as_a_key(api, patient) -> None:
    response = _post(api, patient, checkin_payload(**{"My name is Ann Smith": True}))
    assert response.status_code == 201
    assert "Ann" not in str(CheckIn.objects.get().rejected)
    assert list(response.json()["rejected"]) == ["non_field_errors"]


def test_it_answers_an_empty_rejected_object_when_nothing_was_dropped(api, patient) -> None:
    response = _post(api, patient, checkin_payload(back_pain=2))
    assert response.json()["rejected"] == {}
    assert CheckIn.objects.get().rejected == {}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        *[(name, low) for name, (low, _) in INTEGER_RANGES.items()],
        *[(name, high) for name, (_, high) in INTEGER_RANGES.items()],
        *[(name, False) for name in BOOLEAN_FIELDS],
        *[(name, True) for name in NEW_BOOLEANS],
        *[("leg_symptom_side", side) for side in ("left", "right", "both", None)],
        ("thigh_groin_pain", 7),
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


def test_it_drops_both_readings_when_the_units_disagree(api, patient) -> None:
    # Either one may be the typo: triage on neither and ask again.
    response = _post(api, patient, checkin_payload(temperature_c=37.0, temperature_f=101.0))
    assert response.status_code == 201
    assert set(response.json()["rejected"]) == {"temperature_c", "temperature_f"}
    assert CheckIn.objects.get().temperature_c is None


def test_it_says_when_a_celsius_reading_looks_like_fahrenheit(api, patient) -> None:
    response = _post(api, patient, checkin_payload(temperature_c=100.4))
    assert "temperature_f" in " ".join(response.json()["rejected"]["temperature_c"])


def test_it_uses_a_valid_fahrenheit_reading_when_the_celsius_one_is_rejected(api, patient) -> None:
    response = _post(api, patient, checkin_payload(temperature_c=100.4, temperature_f=100.4))
    assert response.status_code == 201
    assert CheckIn.objects.get().temperature_c == 38.0
    assert list(response.json()["rejected"]) == ["temperature_c"]


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


# ---------------------------------------------------------------------- the six new answers


def test_it_lists_the_new_answers_in_the_schema(api) -> None:
    schema = api().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    components = schema["components"]["schemas"]
    for component in ("CheckInInputRequest", "CheckInOutput"):
        assert set(NEW_FIELDS) <= set(components[component]["properties"]), component
    assert "rejected" in components["CheckInOutput"]["properties"]


def test_it_stores_all_six_new_answers_and_returns_them(api, patient) -> None:
    answers = {
        "abdominal_pain": True,
        "coughing_blood": False,
        "racing_heartbeat": True,
        "drowsiness": False,
        "leg_symptom_side": "left",
        "thigh_groin_pain": 6,
    }
    response = _post(api, patient, checkin_payload(**answers))
    assert response.status_code == 201
    assert {name: response.json()[name] for name in NEW_FIELDS} == answers
    stored = CheckIn.objects.get()
    assert {name: getattr(stored, name) for name in NEW_FIELDS} == answers


def test_it_hands_the_new_answers_to_the_triage_engine(api, patient) -> None:
    from recovery.triage import checkin_normalise

    _post(api, patient, checkin_payload(coughing_blood=True, leg_symptom_side="both"))
    facts = checkin_normalise(CheckIn.objects.get().facts())
    assert (facts["coughing_blood"], facts["leg_symptom_side"]) == (True, "both")
    assert set(NEW_FIELDS) <= set(facts)
    assert set(NEW_FIELDS) <= set(SYMPTOM_FIELDS)


def test_it_passes_the_new_answers_to_the_rules(api, patient, monkeypatch) -> None:
    import recovery.services.checkins as service

    seen: list[dict] = []
    real = service.evaluate
    monkeypatch.setattr(
        service, "evaluate", lambda *a, **kw: seen.append(kw["checkin"]) or real(*a, **kw)
    )
    _post(api, patient, checkin_payload(racing_heartbeat=True, thigh_groin_pain=8))
    [checkin] = seen
    assert (checkin["racing_heartbeat"], checkin["thigh_groin_pain"]) == (True, 8)
