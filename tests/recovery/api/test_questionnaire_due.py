"""GET /api/v1/me/questionnaires/due/: windows on the patient's calendar, overdue, wording."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
import yaml

from recovery.instruments import load_instruments, load_schedule
from recovery.models import QuestionnaireResponse
from recovery.selectors import current_surgery
from tests.factories import ClinicianFactory, PatientFactory
from tests.factories.questionnaires import QuestionnaireResponseFactory, enrolled_patient

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # time is injected or frozen

URL = "/api/v1/me/questionnaires/due/"
TODAY = date(2025, 3, 3)
SURGERY = TODAY + timedelta(days=7)


def local_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 17, tzinfo=UTC)  # midday in New York


@pytest.fixture
def traveller():
    with time_machine.travel(local_noon(TODAY), tick=False) as moving:
        yield moving


@pytest.fixture
def preop(traveller):
    return enrolled_patient(surgery_date=SURGERY, enrolled_on=TODAY)


def due(api, patient) -> list[tuple[str, str, str, str, bool]]:
    response = api(patient.user).get(URL)
    assert response.status_code == 200
    return [
        (r["instrument"], r["timepoint"], r["opens_on"], r["closes_on"], r["overdue"])
        for r in response.data["results"]
    ]


def test_it_lists_the_open_baseline_of_every_enabled_instrument(api, preop):
    window = (TODAY.isoformat(), SURGERY.isoformat(), False)
    assert due(api, preop) == [("odi", "baseline", *window), ("nrs_pain", "baseline", *window)]


def test_it_leaves_out_disabled_instruments(api, preop):
    assert load_instruments()["promis_pf"].enabled is False
    assert "promis_pf" in load_schedule().baseline.instruments
    assert all(row[0] != "promis_pf" for row in due(api, preop))


def test_it_drops_an_answered_questionnaire(api, preop):
    QuestionnaireResponseFactory(patient=preop, instrument="odi", timepoint="baseline")
    assert [row[:2] for row in due(api, preop)] == [("nrs_pain", "baseline")]


def test_it_counts_an_invalid_answer_as_answered(api, preop):
    # One submission per timepoint: an ODI with too many sections skipped is still stored.
    QuestionnaireResponseFactory(patient=preop, answers=[None, None, *[1] * 8])
    assert QuestionnaireResponse.objects.get().valid is False
    assert [row[:2] for row in due(api, preop)] == [("nrs_pain", "baseline")]


def test_it_marks_a_closed_window_overdue_and_lists_the_next_one(api, preop, traveller):
    traveller.move_to(local_noon(SURGERY + timedelta(days=30)))
    six_weeks = (
        (SURGERY + timedelta(days=28)).isoformat(),
        (SURGERY + timedelta(days=56)).isoformat(),
        False,
    )
    assert due(api, preop) == [
        ("odi", "baseline", TODAY.isoformat(), SURGERY.isoformat(), True),
        ("nrs_pain", "baseline", TODAY.isoformat(), SURGERY.isoformat(), True),
        ("odi", "6w", *six_weeks),
        ("nrs_pain", "6w", *six_weeks),
    ]


def test_it_uses_the_patients_local_date_as_today(api, traveller):
    auckland = enrolled_patient(
        surgery_date=SURGERY, enrolled_on=TODAY, timezone="Pacific/Auckland"
    )
    # 12:30 UTC is already the next day in Auckland (UTC+13 in March).
    traveller.move_to(datetime(2025, 3, 3, 12, 30, tzinfo=UTC))
    assert api(auckland.user).get(URL).data["today"] == "2025-03-04"


def test_it_lists_nothing_without_a_surgery(api, traveller):
    patient = PatientFactory(surgery=None)
    assert current_surgery(patient) is None
    assert due(api, patient) == []


def test_it_describes_items_without_the_licensed_wording_by_default(api, preop):
    odi = api(preop.user).get(URL).data["results"][0]
    assert odi["answer_format"] == "ordered_list"
    assert [item["key"] for item in odi["items"]] == list(load_instruments()["odi"].item_keys)
    assert odi["items"][7] == {
        "key": "sex_life",
        "title": "Sex life (if applicable)",
        "min": 0,
        "max": 5,
        "skippable": True,
        "prompt": None,
        "options": None,
    }


def test_it_serves_installed_wording_from_the_configured_directory(api, preop, settings, tmp_path):
    wording = {
        "instrument": "nrs_pain",
        "version": "1.0",
        "items": {
            "back": {"prompt": "Back pain now?", "options": {0: "None", 10: "Worst"}},
            "leg": {"prompt": "Leg pain now?", "options": {0: "None", 10: "Worst"}},
        },
    }
    (tmp_path / "nrs_pain.yaml").write_text(yaml.safe_dump(wording))
    settings.INSTRUMENT_WORDING_DIR = str(tmp_path)
    rows = {r["instrument"]: r for r in api(preop.user).get(URL).data["results"]}
    assert rows["nrs_pain"]["items"][0]["prompt"] == "Back pain now?"
    assert rows["nrs_pain"]["items"][0]["options"] == {"0": "None", "10": "Worst"}
    assert rows["odi"]["items"][0]["prompt"] is None  # no odi.yaml installed


def test_it_is_for_patients_only(api, preop):
    clinician = ClinicianFactory(care_teams=[preop.care_team])
    assert api(clinician).get(URL).status_code == 403
    assert api().get(URL).status_code == 401
