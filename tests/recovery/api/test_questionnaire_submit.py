"""POST/GET /api/v1/me/questionnaires/: server scoring, per-item errors, windows, idempotency."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from recovery.instruments import validate_answers
from recovery.models import QuestionnaireResponse
from tests.factories import ClinicianFactory
from tests.factories.questionnaires import QuestionnaireResponseFactory, enrolled_patient

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/questionnaires/"
TODAY = date(2025, 3, 3)
SURGERY = TODAY + timedelta(days=7)
# R146 worked example: ten answered sections summing to 16 -> 32%.
SUM_16 = [2, 2, 2, 2, 2, 2, 2, 0, 1, 1]


def skip(answers: list[int | None], *indexes: int) -> list[int | None]:
    return [None if i in indexes else value for i, value in enumerate(answers)]


def local_noon(day: date) -> datetime:
    # 17:00 UTC is midday in New York (the factories' time zone) in every season.
    return datetime(day.year, day.month, day.day, 17, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(local_noon(TODAY), tick=False) as traveller:
        yield traveller


@pytest.fixture
def preop(frozen):
    """Enrolled today, surgery in a week: the baseline window is open."""
    return enrolled_patient(surgery_date=SURGERY, enrolled_on=TODAY)


def submit(api, patient, **overrides):
    body = {"id": str(uuid.uuid4()), "instrument": "odi", "timepoint": "baseline"}
    body["answers"] = SUM_16
    body.update(overrides)
    return api(patient.user).post(URL, body, format="json")


# --- scoring on the server -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "score", "missing"),
    [
        pytest.param(SUM_16, 32.0, [], id="R146: 16/50"),
        pytest.param(skip(SUM_16, 7), 35.6, ["sex_life"], id="sex life skipped: 16/45"),
        pytest.param(skip([2, 2, 2, 2, 2, 2, 0, 2, 1, 1], 6), 35.6, ["sleeping"], id="16/45"),
        pytest.param([0] * 10, 0.0, [], id="no disability"),
        pytest.param([5] * 10, 100.0, [], id="maximum"),
    ],
)
def test_it_scores_the_odi_worked_examples(api, preop, answers, score, missing):
    response = submit(api, preop, answers=answers)
    assert response.status_code == 201
    assert (response.data["score"], response.data["valid"]) == (score, True)
    assert response.data["details"]["missing"] == missing
    stored = QuestionnaireResponse.objects.get(id=response.data["id"])
    assert str(stored.score) == f"{score:.1f}"


def test_it_stores_but_invalidates_an_odi_with_too_many_skipped_sections(api, preop):
    response = submit(api, preop, answers=skip(SUM_16, 0, 7))
    assert response.status_code == 201
    assert (response.data["valid"], response.data["score"]) == (False, None)
    assert response.data["reason"] == "too_many_missing_items"
    stored = QuestionnaireResponse.objects.get(id=response.data["id"])
    assert (stored.score, stored.answers) == (None, skip(SUM_16, 0, 7))


def test_it_scores_back_and_leg_pain_separately(api, preop):
    response = submit(api, preop, instrument="nrs_pain", answers={"back": 6, "leg": 3})
    assert response.status_code == 201
    assert response.data["scores"] == {"back": 6.0, "leg": 3.0}
    assert response.data["score"] == 6.0


def test_it_ignores_a_score_sent_by_the_client(api, preop):
    response = submit(api, preop, score=1.0, scores={"total": 1.0}, valid=False)
    assert (response.data["score"], response.data["valid"]) == (32.0, True)


def test_it_stores_the_instrument_versions(api, preop):
    response = submit(api, preop)
    stored = QuestionnaireResponse.objects.get(id=response.data["id"])
    assert (stored.instrument_version, stored.definition_version) == ("2.1a", 1)
    assert stored.surgery == preop.surgeries.get()


# --- per-item validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instrument", "answers", "paths"),
    [
        pytest.param("odi", [6, *SUM_16[1:]], ["answers[0]"], id="odi above range"),
        pytest.param("odi", [*SUM_16[:3], -1, *SUM_16[4:]], ["answers[3]"], id="odi below"),
        pytest.param("odi", [6, 7, *SUM_16[2:]], ["answers[0]", "answers[1]"], id="two items"),
        pytest.param("odi", [True, *SUM_16[1:]], ["answers[0]"], id="odi bool"),
        pytest.param("odi", SUM_16[:9], ["answers"], id="odi too short"),
        pytest.param("odi", None, ["answers"], id="odi null"),
        pytest.param("nrs_pain", {"back": 11, "leg": 2}, ["answers.back"], id="nrs above"),
        pytest.param("nrs_pain", {"back": 2}, ["answers.leg"], id="nrs missing leg"),
        pytest.param("nrs_pain", {"back": 2, "leg": 2, "hip": 1}, ["answers.hip"], id="extra"),
        pytest.param("nrs_pain", [2, 2], ["answers"], id="nrs list"),
    ],
)
def test_it_names_each_invalid_item_in_the_common_error_shape(
    api, preop, instrument, answers, paths
):
    response = submit(api, preop, instrument=instrument, answers=answers)
    assert response.status_code == 400
    assert response.data == {
        "message": "Some answers are not valid.",
        "code": "invalid",
        "extra": {"fields": validate_answers(instrument, answers)},
    }
    assert sorted(response.data["extra"]["fields"]) == sorted(paths)
    assert not QuestionnaireResponse.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id": "not-a-uuid"}, "id"),
        ({"id": None}, "id"),
        ({"timepoint": "3w"}, "timepoint"),
        ({"instrument": "sf12"}, "instrument"),
        ({"instrument": "promis_pf"}, "instrument"),  # shipped disabled (licence to verify)
    ],
)
def test_it_refuses_a_bad_envelope(api, preop, overrides, field):
    response = submit(api, preop, **overrides)
    assert response.status_code == 400
    assert field in response.data["extra"]["fields"]


def test_it_refuses_a_request_without_answers(api, preop):
    response = api(preop.user).post(
        URL, {"id": str(uuid.uuid4()), "instrument": "odi", "timepoint": "baseline"}
    )
    assert response.status_code == 400
    assert "answers" in response.data["extra"]["fields"]


# --- windows -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "status", "message"),
    [
        (27, 400, "opens on 2025-04-07"),
        (28, 201, None),  # 42 - 14
        (42, 201, None),
        (56, 201, None),  # 42 + 14
        (57, 400, "closed on 2025-05-05"),
    ],
)
def test_it_accepts_six_weeks_only_inside_its_window(api, day, status, message):
    with time_machine.travel(local_noon(TODAY), tick=False) as traveller:
        patient = enrolled_patient(surgery_date=SURGERY, enrolled_on=TODAY)
        traveller.move_to(local_noon(SURGERY + timedelta(days=day)))
        response = submit(api, patient, timepoint="6w")
    assert response.status_code == status
    if message:
        assert response.data["code"] == "window_not_open"
        assert message in response.data["message"]
        assert response.data["extra"]["fields"]["timepoint"] == [response.data["message"]]


@pytest.mark.parametrize(("day", "status"), [(-7, 201), (0, 201), (1, 400)])
def test_it_accepts_the_baseline_up_to_the_surgery_day(api, day, status):
    with time_machine.travel(local_noon(TODAY), tick=False) as traveller:
        patient = enrolled_patient(surgery_date=SURGERY, enrolled_on=TODAY)
        traveller.move_to(local_noon(SURGERY + timedelta(days=day)))
        assert submit(api, patient).status_code == status


def test_it_has_no_baseline_for_a_patient_enrolled_after_surgery(api, frozen):
    patient = enrolled_patient(surgery_date=TODAY - timedelta(days=3), enrolled_on=TODAY)
    response = submit(api, patient)
    assert response.status_code == 400
    assert "before the operation" in response.data["message"]


def test_it_lets_the_patients_own_calendar_decide_today(api):
    # 12:30 UTC on day 27 is already day 28 in Auckland (UTC+12), still day 27 in New York.
    with time_machine.travel(local_noon(TODAY), tick=False) as traveller:
        auckland = enrolled_patient(
            surgery_date=SURGERY, enrolled_on=TODAY, timezone="Pacific/Auckland"
        )
        new_york = enrolled_patient(surgery_date=SURGERY, enrolled_on=TODAY)
        day_27 = SURGERY + timedelta(days=27)
        traveller.move_to(datetime(day_27.year, day_27.month, day_27.day, 12, 30, tzinfo=UTC))
        assert submit(api, auckland, timepoint="6w").status_code == 201
        assert submit(api, new_york, timepoint="6w").status_code == 400


# --- idempotency and duplicates ------------------------------------------------------------------


def test_it_returns_the_original_when_the_same_id_is_replayed(api, preop):
    response_id = str(uuid.uuid4())
    first = submit(api, preop, id=response_id)
    replay = submit(api, preop, id=response_id, answers=[5] * 10)
    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.data == first.data
    assert QuestionnaireResponse.objects.count() == 1


def test_it_refuses_a_second_answer_for_the_same_timepoint(api, preop):
    submit(api, preop)
    second = submit(api, preop, answers=[5] * 10)
    assert second.status_code == 409
    assert second.data["code"] == "already_submitted"
    assert "timepoint" in second.data["extra"]["fields"]
    assert QuestionnaireResponse.objects.get().score == 32


def test_it_refuses_an_id_used_by_another_patient_without_revealing_it(api, preop):
    theirs = QuestionnaireResponseFactory()
    response = submit(api, preop, id=str(theirs.id))
    assert response.status_code == 409
    assert response.data["code"] == "id_conflict"
    assert "answers" not in response.data
    assert QuestionnaireResponse.objects.count() == 1


def test_it_answers_a_second_instrument_at_the_same_timepoint(api, preop):
    assert submit(api, preop).status_code == 201
    nrs = submit(api, preop, instrument="nrs_pain", answers={"back": 4, "leg": 1})
    assert nrs.status_code == 201


# --- history -------------------------------------------------------------------------------------


def test_it_lists_only_the_patients_own_answers_newest_first(api, preop, frozen):
    first = submit(api, preop).data["id"]
    frozen.shift(timedelta(minutes=5))
    second = submit(api, preop, instrument="nrs_pain", answers={"back": 4, "leg": 1}).data["id"]
    QuestionnaireResponseFactory()  # someone else's
    response = api(preop.user).get(URL)
    assert response.status_code == 200
    assert [row["id"] for row in response.data["results"]] == [second, first]


TIMEPOINTS = ["baseline", "6w", "3m", "6m", "12m", "24m"]
ANSWERS = {"odi": SUM_16, "nrs_pain": {"back": 1, "leg": 1}}


@pytest.mark.parametrize("size", [1, 6, 12])
def test_it_lists_history_in_constant_queries(api, preop, size, django_assert_max_num_queries):
    slots = [(i, tp) for i in ANSWERS for tp in TIMEPOINTS][:size]
    for instrument, timepoint in slots:
        QuestionnaireResponseFactory(
            patient=preop, instrument=instrument, timepoint=timepoint, answers=ANSWERS[instrument]
        )
    with django_assert_max_num_queries(3):
        response = api(preop.user).get(URL)
    assert len(response.data["results"]) == size


# --- access --------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_is_for_patients_only(api, preop, method):
    clinician = ClinicianFactory(care_teams=[preop.care_team])
    assert getattr(api(clinician), method)(URL, {}, format="json").status_code == 403
    assert getattr(api(), method)(URL, {}, format="json").status_code == 401
