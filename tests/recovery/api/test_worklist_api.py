"""The grouped worklist API (issue 16): one entry per patient, triage order, constant queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from recovery.models import AccessEvent
from tests.factories import ClinicianFactory, PatientFactory
from tests.factories.checkins import CheckInFactory, FlagFactory, FlagFindingFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/care/worklist/"


def test_it_groups_a_patients_flags_into_one_entry(api, patient, clinician) -> None:
    infection = FlagFactory(patient=patient, category="infection", severity="urgent")
    checkin = CheckInFactory(patient=patient)
    FlagFindingFactory(flag=infection, facts={"temperature_c": 38.9}, checkin=checkin)
    FlagFindingFactory(
        flag=infection,
        rule_id="infection.purulent_drainage",
        facts={"wound_drainage": "pus"},
        checkin=checkin,
    )
    cauda = FlagFactory(
        patient=patient,
        category="cauda_equina",
        severity="emergency",
        rule_id="cauda_equina.saddle_numbness",
        facts={"saddle_numbness": True},
    )

    [entry] = api(clinician).get(URL).json()["results"]

    assert entry["patient"] == str(patient.id)
    assert entry["severity"] == "emergency"
    assert [f["id"] for f in entry["flags"]] == [str(cauda.id), str(infection.id)]
    assert entry["answers"] == ["saddle numbness: yes", "temperature 38.9 °C", "drainage: pus"]
    assert entry["flags"][1]["findings"][1]["check_in"] == str(checkin.id)


def test_it_orders_emergency_then_urgent_then_longest_wait(api, patient, clinician) -> None:
    now = timezone.now()
    team = patient.care_team
    recent, waiting = PatientFactory(care_team=team), PatientFactory(care_team=team)
    FlagFactory(patient=recent, opened_at=now - timedelta(hours=1))
    FlagFactory(patient=waiting, opened_at=now - timedelta(hours=6))
    FlagFactory(patient=patient, severity="emergency", category="cauda_equina", opened_at=now)

    results = api(clinician).get(URL).json()["results"]

    assert [r["patient"] for r in results] == [str(p.id) for p in (patient, waiting, recent)]


def test_it_pages_with_a_cursor_without_repeating_a_patient(api, patient, clinician) -> None:
    now = timezone.now()
    for hours in range(5):
        FlagFactory(
            patient=PatientFactory(care_team=patient.care_team),
            opened_at=now - timedelta(hours=hours),
        )
    client = api(clinician)

    first = client.get(URL, {"page_size": 2}).json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()

    seen = [r["patient"] for page in (first, second, third) for r in page["results"]]
    assert len(seen) == len(set(seen)) == 5
    assert third["next"] is None


def test_it_leaves_out_another_teams_patients(api, patient, other_patient, clinician) -> None:
    FlagFactory(patient=other_patient)

    assert api(clinician).get(URL).json()["results"] == []


def test_it_filters_by_severity(api, patient, clinician) -> None:
    FlagFactory(patient=patient, severity="routine", category="ileus")
    urgent = PatientFactory(care_team=patient.care_team)
    FlagFactory(patient=urgent, severity="urgent")

    results = api(clinician).get(URL, {"severity": "urgent"}).json()["results"]

    assert [r["patient"] for r in results] == [str(urgent.id)]


def test_it_refuses_an_unknown_severity(api, clinician) -> None:
    response = api(clinician).get(URL, {"severity": "bogus"})

    assert response.status_code == 400
    assert "severity" in response.json()["extra"]["fields"]


def test_it_refuses_a_patient(api, patient) -> None:
    assert api(patient.user).get(URL).status_code == 403


def test_it_records_one_list_event_per_patient_shown(api, patient, clinician) -> None:
    FlagFactory(patient=patient, category="infection")
    FlagFactory(patient=patient, category="ileus", severity="routine")

    api(clinician).get(URL)

    events = AccessEvent.objects.filter(actor=clinician, action="list", object_type="worklist")
    assert [e.patient_id for e in events] == [patient.id]


@pytest.mark.parametrize("size", [1, 5, 20])
def test_it_uses_a_constant_number_of_queries(
    api, patient, size, django_assert_num_queries
) -> None:
    clinician = ClinicianFactory(care_teams=[patient.care_team])
    for _ in range(size):
        flag = FlagFactory(patient=PatientFactory(care_team=patient.care_team))
        FlagFindingFactory(flag=flag)
        FlagFactory(patient=flag.patient, category="ileus", severity="routine")
    client = api(clinician)

    # membership (permission), the page of patients, their flags, the findings, access log
    with django_assert_num_queries(5):
        response = client.get(URL)
    assert len(response.json()["results"]) == size
