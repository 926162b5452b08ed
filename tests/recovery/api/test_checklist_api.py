"""The daily checklist: what is due on a local date, and recording kept / not kept."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from recovery.models import AccessEvent, ChecklistEntry, PlanItem
from tests.factories import ClinicianFactory
from tests.factories.plans import planned_patient

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/checklist/"
SURGERY = date(2026, 1, 1)
# Noon UTC on 11 Jan 2026: day 10 for a patient in London.
NOON = datetime(2026, 1, 11, 12, tzinfo=UTC)
TODAY = date(2026, 1, 11)


@pytest.fixture
def london():
    return planned_patient(surgery_date=SURGERY, timezone="Europe/London")


@pytest.fixture
def at_noon():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def _post(api, patient, body):
    return api(patient.user).post(URL, body, format="json")


def _entry(day: date = TODAY, item: str = "no_blt", kept: bool = True, **extra) -> dict:
    return {"date": day.isoformat(), "item": item, "kept": kept, **extra}


def test_it_lists_the_daily_items_of_the_current_phase(api, london, at_noon) -> None:
    body = api(london.user).get(URL).json()
    expected = set(
        PlanItem.objects.filter(
            plan__patient=london, daily_check=True, start_day__lte=10, end_day__gte=10
        ).values_list("code", flat=True)
    )
    assert (body["date"], body["postop_day"], body["phase"]["code"]) == (
        "2026-01-11",
        10,
        "weeks_0_2",
    )
    assert {item["code"] for item in body["items"]} == expected
    assert "shower_ok" not in expected  # guidance only: not ticked daily
    assert all(item["entry"] is None for item in body["items"])
    assert (body["editable"], body["grace_days"]) == (True, 3)


def test_it_shows_another_dates_items_and_phase(api, london, at_noon) -> None:
    body = api(london.user).get(URL, {"date": "2026-02-20"}).json()
    assert (body["postop_day"], body["phase"]["code"], body["editable"]) == (
        50,
        "week_6_month_3",
        False,
    )
    assert "driving_when_cleared" in {item["code"] for item in body["items"]}


def test_it_explains_a_malformed_date(api, london) -> None:
    response = api(london.user).get(URL, {"date": "11/01/2026"})
    assert response.status_code == 400
    assert "date" in response.json()["extra"]["fields"]


@pytest.mark.parametrize("by", ["code", "id"])
def test_it_records_an_entry_by_item_code_or_id(api, london, at_noon, by: str) -> None:
    item = PlanItem.objects.get(plan__patient=london, code="no_blt", phase_code="weeks_0_2")
    ref = item.code if by == "code" else str(item.id)
    response = _post(api, london, _entry(item=ref, kept=False, note="bent to tie a shoe"))
    assert response.status_code == 201
    assert (response.data["result"], response.data["item_code"]) == ("created", "no_blt")
    entry = ChecklistEntry.objects.get(patient=london)
    assert (entry.item_id, entry.date, entry.kept, entry.note) == (
        item.id,
        TODAY,
        False,
        "bent to tie a shoe",
    )
    shown = {i["code"]: i for i in api(london.user).get(URL).json()["items"]}
    assert shown["no_blt"]["entry"]["kept"] is False


def test_resending_the_same_entry_is_idempotent(api, london, at_noon) -> None:
    first = _post(api, london, _entry(note="ok"))
    again = _post(api, london, _entry(note="ok"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.data["result"] == "unchanged"
    assert again.data["id"] == first.data["id"]
    assert ChecklistEntry.objects.filter(patient=london).count() == 1


def test_a_changed_entry_within_the_grace_window_is_updated(api, london, at_noon) -> None:
    _post(api, london, _entry(day=TODAY - timedelta(days=2), kept=True))
    response = _post(api, london, _entry(day=TODAY - timedelta(days=2), kept=False, note="oops"))
    assert (response.status_code, response.data["result"]) == (200, "updated")
    entry = ChecklistEntry.objects.get(patient=london)
    assert (entry.kept, entry.note) == (False, "oops")


@pytest.mark.parametrize(
    ("days_ago", "status", "code"),
    [
        (0, 201, None),
        (3, 201, None),
        (4, 400, "outside_grace_window"),
        (9, 400, "outside_grace_window"),
    ],
)
def test_entries_are_accepted_only_within_the_grace_window(
    api, london, at_noon, days_ago: int, status: int, code: str | None
) -> None:
    response = _post(api, london, _entry(day=TODAY - timedelta(days=days_ago)))
    assert response.status_code == status
    if code:
        assert response.json()["code"] == code
        assert "last 3 days" in response.json()["message"]
        assert not ChecklistEntry.objects.exists()


def test_the_grace_window_is_configurable(api, london, at_noon, settings) -> None:
    settings.CHECKLIST_GRACE_DAYS = 1
    assert _post(api, london, _entry(day=TODAY - timedelta(days=1))).status_code == 201
    refused = _post(api, london, _entry(day=TODAY - timedelta(days=2)))
    assert refused.json()["code"] == "outside_grace_window"


def test_a_replay_after_the_grace_window_is_unchanged_but_a_change_is_refused(api, london) -> None:
    with time_machine.travel(NOON, tick=False):
        _post(api, london, _entry(kept=True))
    with time_machine.travel(NOON + timedelta(days=6), tick=False):
        replay = _post(api, london, _entry(kept=True))
        change = _post(api, london, _entry(kept=False))
    assert (replay.status_code, replay.data["result"]) == (200, "unchanged")
    assert (change.status_code, change.json()["code"]) == (400, "outside_grace_window")
    assert ChecklistEntry.objects.get(patient=london).kept is True


def test_the_patients_calendar_decides_what_is_in_the_future(api) -> None:
    # 03:00 UTC on 12 Jan is still the evening of 11 Jan in Los Angeles.
    la = planned_patient(surgery_date=SURGERY, timezone="America/Los_Angeles")
    tokyo = planned_patient(surgery_date=SURGERY, timezone="Asia/Tokyo")
    with time_machine.travel(datetime(2026, 1, 12, 3, tzinfo=UTC), tick=False):
        refused = _post(api, la, _entry(day=date(2026, 1, 12)))
        accepted = _post(api, tokyo, _entry(day=date(2026, 1, 12)))
        la_today = api(la.user).get(URL).json()
    assert (refused.status_code, refused.json()["code"]) == (400, "future_date")
    assert refused.json()["extra"]["fields"]["date"]
    assert accepted.status_code == 201
    assert (la_today["date"], la_today["postop_day"]) == ("2026-01-11", 10)


@pytest.mark.parametrize(
    "item",
    [
        "shower_ok",  # guidance, not a daily check
        "driving_when_cleared",  # a later phase
        "no_such_item",
    ],
)
def test_an_item_not_due_that_day_is_refused(api, london, at_noon, item: str) -> None:
    response = _post(api, london, _entry(item=item))
    assert (response.status_code, response.json()["code"]) == (400, "item_not_due")
    assert "item" in response.json()["extra"]["fields"]


def test_a_patient_cannot_answer_for_another_patients_item(api, london, at_noon) -> None:
    other = planned_patient(surgery_date=SURGERY, timezone="Europe/London")
    theirs = PlanItem.objects.get(plan__patient=other, code="no_blt", phase_code="weeks_0_2")
    response = _post(api, london, _entry(item=str(theirs.id)))
    assert response.json()["code"] == "item_not_due"
    assert not ChecklistEntry.objects.exists()


def test_a_list_is_recorded_with_a_result_per_entry(api, london, at_noon) -> None:
    _post(api, london, _entry(item="no_blt", kept=True))
    response = _post(
        api,
        london,
        [_entry(item="no_blt", kept=True), _entry(item="lifting_limit", kept=False)],
    )
    assert response.status_code == 201
    assert [(r["item_code"], r["result"]) for r in response.data["results"]] == [
        ("no_blt", "unchanged"),
        ("lifting_limit", "created"),
    ]


def test_a_list_is_all_or_nothing(api, london, at_noon) -> None:
    response = _post(
        api,
        london,
        [
            _entry(item="no_blt"),
            _entry(item="no_such_item"),
            _entry(day=TODAY + timedelta(days=1), item="lifting_limit"),
        ],
    )
    body = response.json()
    assert (response.status_code, body["code"]) == (400, "invalid_entries")
    assert set(body["extra"]["fields"]) == {"entries[1].item", "entries[2].date"}
    assert not ChecklistEntry.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ([{"date": "2026-01-11", "item": "no_blt"}], "entries[0].kept"),
        ([_entry(), {"date": "nope", "item": "no_blt", "kept": True}], "entries[1].date"),
        ({"date": "2026-01-11", "kept": True}, "item"),
        ({"date": "2026-01-11", "item": "no_blt", "kept": True, "note": "x" * 501}, "note"),
    ],
)
def test_malformed_entries_are_explained_per_field(api, london, at_noon, payload, field) -> None:
    response = _post(api, london, payload)
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]


@pytest.mark.parametrize("payload", [[], [_entry()] * 101])
def test_a_list_needs_one_to_a_hundred_entries(api, london, at_noon, payload) -> None:
    assert _post(api, london, payload).status_code == 400


def test_the_same_item_and_date_twice_in_one_list_is_refused(api, london, at_noon) -> None:
    response = _post(api, london, [_entry(kept=True), _entry(kept=False)])
    assert response.json()["extra"]["fields"] == {
        "entries[1].item": ["The same item and date twice. (duplicate_entry)"]
    }


def test_a_client_id_replay_is_a_no_op_and_cannot_be_reused(api, london, at_noon) -> None:
    client_id = str(uuid.uuid4())
    first = _post(api, london, _entry(client_id=client_id))
    replay = _post(api, london, _entry(client_id=client_id))
    reused = _post(api, london, _entry(item="lifting_limit", client_id=client_id))
    assert (first.status_code, replay.data["result"]) == (201, "unchanged")
    assert (reused.status_code, reused.json()["code"]) == (400, "client_id_reused")
    assert ChecklistEntry.objects.filter(patient=london).count() == 1


def test_the_care_team_reads_a_days_checklist_and_the_read_is_audited(api, london, at_noon) -> None:
    _post(api, london, _entry(day=TODAY - timedelta(days=1), kept=False))
    clinician = ClinicianFactory(care_teams=[london.care_team])
    response = api(clinician).get(
        f"/api/v1/care/patients/{london.id}/checklist/", {"date": "2026-01-10"}
    )
    assert response.status_code == 200
    shown = {item["code"]: item for item in response.json()["items"]}
    assert shown["no_blt"]["entry"]["kept"] is False
    assert AccessEvent.objects.filter(actor=clinician, object_type="checklist").count() == 1


def test_clinicians_cannot_record_checklist_entries(api, london, at_noon) -> None:
    clinician = ClinicianFactory(care_teams=[london.care_team])
    assert api(clinician).post(URL, _entry(), format="json").status_code == 403
    assert api().post(URL, _entry(), format="json").status_code == 401


@pytest.mark.parametrize(("postop_day", "answered"), [(2, 0), (10, 5), (60, 12)])
def test_the_checklist_reads_in_constant_queries(
    api, django_assert_max_num_queries, postop_day: int, answered: int
) -> None:
    patient = planned_patient(
        postop_day=postop_day, brace_prescribed=True, smoking_status="current"
    )
    client = api(patient.user)
    items = client.get(URL).json()["items"]
    day = client.get(URL).json()["date"]
    body = [{"date": day, "item": i["code"], "kept": True} for i in items[:answered]]
    if body:
        assert client.post(URL, body, format="json").status_code == 201
    with django_assert_max_num_queries(5):
        assert len(client.get(URL).json()["items"]) == len(items)
    clinician = ClinicianFactory(care_teams=[patient.care_team])
    care_url = f"/api/v1/care/patients/{patient.id}/checklist/"
    with django_assert_max_num_queries(8):
        assert api(clinician).get(care_url).status_code == 200


def test_an_entry_without_a_plan_is_refused_as_bad_input(api, patient) -> None:
    response = api(patient.user).post(URL, _entry(), format="json")
    assert (response.status_code, response.json()["code"]) == (400, "no_plan")
