"""Adherence through the API, checked against a hand computation.

Surgery on 1 Jan 2026 (open TLIF, no brace, non-smoker); "today" is 11 Jan, day 10. Every
date from day 0 to day 10 lies in the first phase, so the same N daily items are due each day.
Answers:
    2 Jan (day 1):  no_blt kept, lifting_limit not kept
    9 Jan (day 8):  no_blt kept, lifting_limit kept, wound_care not kept
   11 Jan (day 10): no_blt not kept
Last 7 days = 5..11 Jan (7 dates): due 7N, kept 2, not kept 2, unknown 7N - 4, rate 2/4.
Since surgery = 1..11 Jan (11 dates): due 11N, kept 3, not kept 3, unknown 11N - 6, rate 3/6.
Per item since surgery: no_blt 2 kept / 1 not kept / 8 unknown (rate 2/3); lifting_limit
1 / 1 / 9 (1/2); wound_care 0 / 1 / 10 (0); any other item 0 / 0 / 11 (rate null).
"""

from datetime import UTC, date, datetime

import pytest
import time_machine

from recovery.models import PlanItem
from recovery.services.adjustments import plan_item_adjust
from tests.factories import ClinicianFactory
from tests.factories.plans import planned_patient

pytestmark = pytest.mark.django_db

ANSWERS = [
    (date(2026, 1, 2), "no_blt", True),
    (date(2026, 1, 2), "lifting_limit", False),
    (date(2026, 1, 9), "no_blt", True),
    (date(2026, 1, 9), "lifting_limit", True),
    (date(2026, 1, 9), "wound_care", False),
    (date(2026, 1, 11), "no_blt", False),
]
TODAY_NOON = datetime(2026, 1, 11, 12, tzinfo=UTC)


@pytest.fixture
def answered(api):
    patient = planned_patient(surgery_date=date(2026, 1, 1), timezone="Europe/London")
    for day, code, kept in ANSWERS:
        with time_machine.travel(datetime(day.year, day.month, day.day, 12, tzinfo=UTC)):
            response = api(patient.user).post(
                "/api/v1/me/checklist/",
                {"date": day.isoformat(), "item": code, "kept": kept},
                format="json",
            )
            assert response.status_code == 201
    return patient


def _daily_items(patient) -> int:
    return PlanItem.objects.filter(
        plan__patient=patient, phase_code="weeks_0_2", daily_check=True
    ).count()


def _adherence(api, patient) -> dict:
    with time_machine.travel(TODAY_NOON, tick=False):
        return api(patient.user).get("/api/v1/me/adherence/").json()


def test_the_last_7_days_match_the_hand_computation(api, answered) -> None:
    n = _daily_items(answered)
    window = _adherence(api, answered)["last_7_days"]
    assert (window["start"], window["end"]) == ("2026-01-05", "2026-01-11")
    assert window["overall"] == {
        "due": 7 * n,
        "kept": 2,
        "not_kept": 2,
        "unknown": 7 * n - 4,
        "answered": 4,
        "rate": 0.5,
    }
    assert (window["days_due"], window["days_answered"]) == (7, 2)


def test_since_surgery_matches_the_hand_computation(api, answered) -> None:
    n = _daily_items(answered)
    window = _adherence(api, answered)["since_surgery"]
    assert (window["start"], window["end"]) == ("2026-01-01", "2026-01-11")
    assert window["overall"] == {
        "due": 11 * n,
        "kept": 3,
        "not_kept": 3,
        "unknown": 11 * n - 6,
        "answered": 6,
        "rate": 0.5,
    }
    assert (window["days_due"], window["days_answered"]) == (11, 3)


@pytest.mark.parametrize(
    ("code", "kept", "not_kept", "unknown", "rate"),
    [
        ("no_blt", 2, 1, 8, round(2 / 3, 4)),
        ("lifting_limit", 1, 1, 9, 0.5),
        ("wound_care", 0, 1, 10, 0.0),
        ("walking_goal", 0, 0, 11, None),
    ],
)
def test_per_item_numbers_keep_unanswered_apart_from_not_kept(
    api, answered, code: str, kept: int, not_kept: int, unknown: int, rate: float | None
) -> None:
    per_item = {row["code"]: row for row in _adherence(api, answered)["since_surgery"]["per_item"]}
    row = per_item[code]
    assert (row["due"], row["kept"], row["not_kept"], row["unknown"], row["rate"]) == (
        11,
        kept,
        not_kept,
        unknown,
        rate,
    )
    assert row["title"]


def test_a_day_with_nothing_due_is_not_counted_as_a_perfect_day(api, answered) -> None:
    # The care team lifts every daily item today: day 10 then has nothing due.
    n = _daily_items(answered)
    clinician = ClinicianFactory(care_teams=[answered.care_team])
    for item in PlanItem.objects.filter(
        plan__patient=answered, phase_code="weeks_0_2", daily_check=True
    ):
        plan_item_adjust(
            patient=answered,
            item_id=item.id,
            action="lift",
            reason="test",
            actor=clinician,
            today=date(2026, 1, 11),
        )
    window = _adherence(api, answered)["last_7_days"]
    assert (window["days_due"], window["overall"]["due"]) == (6, 6 * n)
    # Today's "no_blt not kept" is no longer due: only 9 Jan's three answers remain.
    assert (window["overall"]["kept"], window["overall"]["not_kept"]) == (2, 1)
    assert window["overall"]["rate"] == round(2 / 3, 4)


def test_the_care_team_sees_the_same_adherence(api, answered) -> None:
    clinician = ClinicianFactory(care_teams=[answered.care_team])
    with time_machine.travel(TODAY_NOON, tick=False):
        response = api(clinician).get(f"/api/v1/care/patients/{answered.id}/adherence/")
    assert response.status_code == 200
    assert response.json() == _adherence(api, answered)
    assert "unanswered" in response.json()["definition"]


def test_the_plan_carries_the_same_adherence(api, answered) -> None:
    with time_machine.travel(TODAY_NOON, tick=False):
        plan = api(answered.user).get("/api/v1/me/plan/").json()
    assert plan["adherence"] == _adherence(api, answered)
