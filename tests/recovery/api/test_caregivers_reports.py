"""Issue 22: what a caregiver reports is triaged like the patient's own and attributed to them."""

import pytest
from django.utils import timezone

from notifications.models import Notification
from notifications.services import preference_update
from recovery.models import CheckIn, ChecklistEntry, Flag
from recovery.services.plans import plan_instantiate
from tests.factories.checkins import checkin_payload

pytestmark = pytest.mark.django_db

MARIA = {"kind": "caregiver", "name": "Maria", "relationship": "daughter"}


@pytest.fixture
def planned(patient):
    plan_instantiate(surgery=patient.surgeries.get())
    return patient


def _checkin(api, caregiver, patient, **fields):
    url = f"/api/v1/caregiving/{patient.id}/check-ins/"
    return api(caregiver).post(url, checkin_payload(**fields), format="json")


def test_it_returns_the_emergency_advice_to_the_caregiver(api, caregiver, patient) -> None:
    response = _checkin(api, caregiver, patient, chest_pain=True)
    assert response.status_code == 201
    [advice] = response.json()["flags"]
    assert (advice["category"], advice["severity"]) == ("dvt_pe", "emergency")
    assert "emergency" in advice["advice"].lower()
    assert response.json()["reported_by"] == MARIA


def test_it_alerts_the_team_about_a_caregivers_emergency_report(
    api, caregiver, patient, clinician
) -> None:
    _checkin(api, caregiver, patient, chest_pain=True)
    flag = Flag.objects.get(patient=patient)
    assert Notification.objects.filter(
        recipient=clinician, template="careteam_flag", link=f"/dashboard/flags/{flag.id}/"
    ).exists()
    shown = api(clinician).get(f"/api/v1/care/flags/{flag.id}/").json()
    assert shown["reported_by"] == MARIA


def test_it_stores_the_check_in_as_the_patients_attributed_to_the_caregiver(
    api, caregiver, caregiver_link, patient
) -> None:
    _checkin(api, caregiver, patient, back_pain=4)
    checkin = CheckIn.objects.get()
    assert (checkin.patient_id, checkin.reported_by_caregiver_id) == (patient.id, caregiver_link.id)


def test_it_keeps_the_patients_own_check_ins_attributed_to_the_patient(
    api, patient, clinician
) -> None:
    api(patient.user).post("/api/v1/me/check-ins/", checkin_payload(chest_pain=True), format="json")
    flag = Flag.objects.get()
    assert api(clinician).get(f"/api/v1/care/flags/{flag.id}/").json()["reported_by"] == {
        "kind": "patient",
        "name": None,
        "relationship": None,
    }


def test_it_answers_a_replayed_caregiver_check_in_without_a_second_row(
    api, caregiver, patient
) -> None:
    body = checkin_payload(back_pain=5)
    url = f"/api/v1/caregiving/{patient.id}/check-ins/"
    first = api(caregiver).post(url, body, format="json")
    again = api(caregiver).post(url, body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert CheckIn.objects.count() == 1


def test_it_drops_an_invalid_answer_and_triages_the_rest_like_the_patients_own(
    api, caregiver, patient
) -> None:
    response = _checkin(api, caregiver, patient, back_pain=11, chest_pain=True)
    assert response.status_code == 201
    body = response.json()
    assert (list(body["rejected"]), body["back_pain"]) == (["back_pain"], None)
    assert [(f["category"], f["severity"]) for f in body["flags"]] == [("dvt_pe", "emergency")]


def test_it_refuses_an_unreadable_check_in_like_the_patients_own(api, caregiver, patient) -> None:
    response = api(caregiver).post(
        f"/api/v1/caregiving/{patient.id}/check-ins/", {"back_pain": 3}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["extra"]["fields"]) == {"id", "recorded_at"}
    assert not CheckIn.objects.exists()


def test_it_answers_with_the_patients_own_check_in_fields_plus_who_reported(
    api, caregiver, patient
) -> None:
    own = api(patient.user).post("/api/v1/me/check-ins/", checkin_payload(), format="json")
    helped = _checkin(api, caregiver, patient)
    assert set(helped.json()) == set(own.json()) | {"reported_by"}


def test_it_does_not_attribute_the_patients_check_in_to_a_caregiver_replaying_its_id(
    api, caregiver, patient
) -> None:
    body = checkin_payload(back_pain=2)
    api(patient.user).post("/api/v1/me/check-ins/", body, format="json")
    response = api(caregiver).post(
        f"/api/v1/caregiving/{patient.id}/check-ins/", body, format="json"
    )
    assert response.status_code == 200
    assert response.json()["reported_by"] == {"kind": "patient", "name": None, "relationship": None}


# --------------------------------------------------------------------------- checklist


def _answer(api, user, url, planned, kept=True):
    item = planned.plans.get().items.filter(daily_check=True).order_by("position").first()
    today = planned.local_date(timezone.now()).isoformat()
    return api(user).post(url, {"date": today, "item": item.code, "kept": kept}, format="json")


def test_it_attributes_a_checklist_answer_to_the_caregiver(api, caregiver, planned, clinician):
    response = _answer(api, caregiver, f"/api/v1/caregiving/{planned.id}/checklist/", planned)
    assert response.status_code == 201
    assert response.json()["reported_by"] == MARIA
    items = api(clinician).get(f"/api/v1/care/patients/{planned.id}/checklist/").json()["items"]
    assert [i["entry"]["reported_by"] for i in items if i["entry"]] == [MARIA]


def test_it_gives_the_answer_back_to_the_patient_when_they_change_it(
    api, caregiver, planned
) -> None:
    _answer(api, caregiver, f"/api/v1/caregiving/{planned.id}/checklist/", planned)
    response = _answer(api, planned.user, "/api/v1/me/checklist/", planned, kept=False)
    assert response.json()["reported_by"] == {"kind": "patient", "name": None, "relationship": None}
    assert ChecklistEntry.objects.get().reported_by_caregiver_id is None


def test_it_shows_milestones_with_who_settled_them(api, caregiver, planned) -> None:
    rows = api(caregiver).get(f"/api/v1/caregiving/{planned.id}/milestones/").json()["results"]
    assert rows and all(row["reported_by"] is None for row in rows)


def test_it_shows_the_caregiver_the_advice_the_patient_was_given(api, caregiver, patient) -> None:
    api(patient.user).post("/api/v1/me/check-ins/", checkin_payload(chest_pain=True), format="json")
    [row] = api(caregiver).get(f"/api/v1/caregiving/{patient.id}/advice/").json()["results"]
    assert (row["category"], row["severity"]) == ("dvt_pe", "emergency")
    assert "facts" not in row and "rationale" not in row


def test_it_reads_the_temperature_back_in_the_patients_unit(api, caregiver, patient) -> None:
    preference_update(user_id=patient.user_id, temperature_unit="f")
    response = _checkin(api, caregiver, patient, temperature_c=37.0)
    assert response.json()["temperature_display"] == "98.6 °F"
