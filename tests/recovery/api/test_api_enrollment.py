from datetime import date, timedelta

import pytest
from django.utils import timezone

from recovery.models import AccessEvent, Patient
from tests.clock import NOON
from tests.factories import CareTeamFactory, ClinicianFactory, PatientFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/care/patients/"


def _body(**overrides: object) -> dict:
    surgery_date = timezone.now().date() - timedelta(days=10)
    body = {
        "first_name": "Ana",
        "last_name": "Ruiz",
        "date_of_birth": "1961-04-02",
        "sex": "female",
        "timezone": "America/New_York",
        "email": "ana@example.org",
        "phone": "+15555550100",
        "smoking_status": "former",
        "smoking_quit_date": "2020-01-01",
        "diabetes": True,
        "hba1c": 7.1,
        "bmi": 31.5,
        "bone_quality": "osteopenia",
        "t_score": -1.8,
        "steroid_use": False,
        "surgery": {
            "date": surgery_date.isoformat(),
            "levels": "L3-L4",
            "indication": "spondylolisthesis",
            "approach": "open",
            "technique": "tlif",
            "brace_prescribed": True,
            "discharge_date": (surgery_date + timedelta(days=3)).isoformat(),
            "surgeon": "Dr. Example",
        },
    }
    body.update(overrides)
    return body


@pytest.mark.clock(NOON)  # surgery 10 UTC days ago is postop day 10 in New York
def test_it_enrolls_a_patient_and_returns_an_activation_code(api, clinician) -> None:
    response = api(clinician).post(URL, _body())
    assert response.status_code == 201
    patient = Patient.objects.get(id=response.data["id"])
    assert response.data["activation_code"]
    assert patient.care_team.memberships.filter(user=clinician).exists()
    assert not patient.user.is_active
    assert response.data["patient"]["postop_day"] == 10
    assert response.data["patient"]["surgery"]["technique"] == "tlif"


def test_it_stores_only_a_digest_of_the_activation_code(api, clinician) -> None:
    response = api(clinician).post(URL, _body())
    code = response.data["activation_code"]
    stored = Patient.objects.get(id=response.data["id"]).activation_codes.get()
    assert code.replace("-", "") not in stored.code_digest


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sex": "robot"}, "sex"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"smoking_status": "current", "smoking_quit_date": "2020-01-01"}, "smoking_quit_date"),
        ({"hba1c": 45}, "hba1c"),
        ({"bone_quality": "glass"}, "bone_quality"),
        ({"date_of_birth": "not-a-date"}, "date_of_birth"),
        ({"email": "nope"}, "email"),
        ({"first_name": ""}, "first_name"),
    ],
)
def test_it_explains_bad_patient_fields(api, clinician, overrides, field) -> None:
    response = api(clinician).post(URL, _body(**overrides))
    assert response.status_code == 400
    assert field in response.data["extra"]["fields"]


@pytest.mark.parametrize(
    ("surgery_overrides", "field"),
    [
        ({"technique": "mis_tlif", "approach": "open"}, "approach"),
        ({"technique": "tlif", "approach": "mis"}, "technique"),
        ({"technique": "laser"}, "technique"),
        ({"levels": "L9-L10"}, "levels"),
        ({"indication": "curiosity"}, "indication"),
        ({"discharge_date": "2000-01-01"}, "discharge_date"),
    ],
)
def test_it_explains_bad_surgery_fields(api, clinician, surgery_overrides, field) -> None:
    body = _body()
    body["surgery"].update(surgery_overrides)
    response = api(clinician).post(URL, body)
    assert response.status_code == 400
    assert field in response.data["extra"]["fields"]["surgery"]


def test_it_refuses_a_non_object_body(api, clinician) -> None:
    response = api(clinician).post(URL, ["not", "an", "object"])
    assert response.status_code == 400
    assert response.data["message"] == "Invalid input."


def test_it_requires_a_team_when_the_clinician_has_several(api, patient) -> None:
    busy = ClinicianFactory(care_teams=[patient.care_team, CareTeamFactory()])
    response = api(busy).post(URL, _body())
    assert response.status_code == 400
    assert "care_team" in response.data["extra"]["fields"]


def test_it_enrolls_into_the_named_team(api, patient) -> None:
    second = CareTeamFactory()
    busy = ClinicianFactory(care_teams=[patient.care_team, second])
    response = api(busy).post(URL, _body(care_team=str(second.id)))
    assert Patient.objects.get(id=response.data["id"]).care_team == second


def test_it_refuses_to_enroll_into_another_team(api, clinician, other_patient) -> None:
    response = api(clinician).post(URL, _body(care_team=str(other_patient.care_team_id)))
    assert response.status_code == 400
    assert not Patient.objects.filter(first_name="Ana", care_team=other_patient.care_team).exists()


def test_it_forbids_patients_from_enrolling(api, patient) -> None:
    assert api(patient.user).post(URL, _body()).status_code == 403


def test_it_requires_authentication(api) -> None:
    response = api().get(URL)
    assert response.status_code == 401
    assert response.data["code"] == "not_authenticated"


def test_it_lists_only_the_callers_teams_patients(api, clinician, patient, other_patient) -> None:
    ids = [row["id"] for row in api(clinician).get(URL).data["results"]]
    assert ids == [str(patient.id)]


def test_it_hides_another_teams_patient(api, outsider_clinician, patient) -> None:
    assert api(outsider_clinician).get(f"{URL}{patient.id}/").status_code == 404


def test_it_forbids_a_patient_from_reading_care_endpoints(api, patient) -> None:
    assert api(patient.user).get(f"{URL}{patient.id}/").status_code == 403


def test_it_reads_a_patient_of_the_team_and_audits_it(api, clinician, patient) -> None:
    response = api(clinician).get(f"{URL}{patient.id}/", HTTP_X_REQUEST_ID="req-12345678")
    assert response.status_code == 200
    event = AccessEvent.objects.get(patient=patient, action="view")
    assert (event.actor, event.request_id) == (clinician, "req-12345678")


def test_it_audits_every_patient_shown_in_a_list(api, clinician, patient) -> None:
    PatientFactory(care_team=patient.care_team)
    api(clinician).get(URL)
    assert AccessEvent.objects.filter(actor=clinician, action="list").count() == 2


@pytest.mark.parametrize("count", [1, 10, 40])
def test_it_lists_patients_in_constant_queries(
    api, clinician, patient, count, django_assert_max_num_queries
) -> None:
    PatientFactory.create_batch(count - 1, care_team=patient.care_team)
    with django_assert_max_num_queries(8):
        response = api(clinician).get(URL)
    assert len(response.data["results"]) == count


@pytest.mark.clock(NOON)  # as above
def test_me_returns_the_patient_profile_and_postoperative_day(api, patient) -> None:
    response = api(patient.user).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.data["id"] == str(patient.id)
    assert response.data["postop_day"] == 10


def test_me_forbids_clinicians(api, clinician) -> None:
    assert api(clinician).get("/api/v1/me/").status_code == 403


@pytest.mark.clock
def test_the_postoperative_day_follows_the_patients_calendar(api) -> None:
    import time_machine

    patient = PatientFactory(timezone="Pacific/Auckland", surgery__date=date(2026, 3, 1))
    # 12:00 UTC on 1 March is already 2 March (01:00) in Auckland.
    with time_machine.travel("2026-03-01T12:00:00Z"):
        assert api(patient.user).get("/api/v1/me/").data["postop_day"] == 1


def test_enrollment_sets_the_patients_delivery_clock(api, clinician) -> None:
    from notifications.models import Preference

    response = api(clinician).post(URL, _body(timezone="Europe/London"))
    patient = Patient.objects.get(id=response.data["id"])
    assert Preference.objects.get(user=patient.user).timezone == "Europe/London"


@pytest.mark.clock(NOON)
def test_it_records_home_from_hospital_on_the_discharge_date(api, clinician) -> None:
    from recovery.models import Milestone

    response = api(clinician).post(URL, _body())

    milestone = Milestone.objects.get(plan__patient_id=response.data["id"], code="discharge")
    surgery_date = date.fromisoformat(_body()["surgery"]["date"])
    assert (milestone.status, milestone.achieved_on) == (
        "achieved",
        surgery_date + timedelta(days=3),
    )
