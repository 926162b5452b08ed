"""Flag ownership on the dashboard (issue 16): "Assign to me" and "Give back" on the worklist
row and the patient page, the owner's name on the row, the "Mine" toggle, constant queries."""

import pytest
from django.test import Client
from django.utils import timezone

from recovery.models import AccessEvent, Flag
from recovery.selectors.worklist import WORKLIST_PATIENT_LIMIT
from recovery.services.attention import attention_sweep
from tests.factories import ClinicianFactory, PatientFactory
from tests.factories.checkins import CheckInFactory, FlagFactory
from tests.mfa import verified_login

pytestmark = pytest.mark.django_db


def _owned_by(user, patient, **kwargs) -> Flag:
    return FlagFactory(patient=patient, owner=user, assigned_at=timezone.now(), **kwargs)


def _rows(response) -> list:
    return [row.patient.id for row in response.context["data"].rows]


def test_it_assigns_a_flag_to_me_and_returns_to_the_filtered_worklist(web, clinician, patient):
    flag = FlagFactory(patient=patient)

    response = web(clinician).post(
        f"/dashboard/flags/{flag.id}/assign/", {"next": "/dashboard/?severity=urgent"}
    )

    flag.refresh_from_db()
    assert response["Location"] == "/dashboard/?severity=urgent"
    assert flag.owner == clinician
    assert AccessEvent.objects.filter(action="flag_assign", object_id=str(flag.id)).exists()


def test_it_gives_a_flag_back(web, clinician, patient):
    flag = _owned_by(clinician, patient)

    web(clinician).post(f"/dashboard/flags/{flag.id}/unassign/")

    flag.refresh_from_db()
    assert flag.owner is None


def test_it_says_why_it_cannot_give_back_a_colleagues_flag(web, clinician, patient):
    colleague = ClinicianFactory(care_teams=[patient.care_team], first_name="Rosa", last_name="M")
    flag = _owned_by(colleague, patient)

    response = web(clinician).post(f"/dashboard/flags/{flag.id}/unassign/", follow=True)

    assert "assigned to Rosa M; only they can give it back" in response.content.decode()


def test_it_shows_the_owners_name_on_the_row(web, clinician, patient):
    colleague = ClinicianFactory(care_teams=[patient.care_team], first_name="Rosa", last_name="M")
    _owned_by(colleague, patient)

    page = web(clinician).get("/dashboard/").content.decode()

    assert "Assigned to <strong>Rosa M</strong>" in page


def test_it_says_when_nobody_is_assigned(web, clinician, patient):
    FlagFactory(patient=patient)
    assert "Not assigned" in web(clinician).get("/dashboard/").content.decode()


def test_it_offers_assign_to_me_on_an_unowned_flag_and_give_back_on_mine(web, clinician, patient):
    free = FlagFactory(patient=patient, category="infection")
    mine = _owned_by(clinician, patient, category="ileus")

    page = web(clinician).get("/dashboard/").content.decode()

    assert f"/dashboard/flags/{free.id}/assign/" in page
    assert f"/dashboard/flags/{free.id}/unassign/" not in page
    assert f"/dashboard/flags/{mine.id}/unassign/" in page
    assert f"/dashboard/flags/{mine.id}/assign/" not in page
    assert "Assigned to <strong>" in page and "(you)" in page


def test_it_offers_assign_to_me_on_the_patient_page(web, clinician, patient):
    flag = FlagFactory(patient=patient)

    page = web(clinician).get(f"/dashboard/patients/{patient.id}/").content.decode()

    assert f"/dashboard/flags/{flag.id}/assign/" in page
    assert 'aria-label="Assign to me: Infection flag"' in page


def test_it_shows_the_owner_on_the_patient_page_and_its_timeline(web, clinician, patient):
    _owned_by(clinician, patient)

    response = web(clinician).get(f"/dashboard/patients/{patient.id}/")

    assert "Assigned to <strong>" in response.content.decode()
    [event] = [e for e in response.context["page"].timeline if e.kind_label == "Flag assigned"]
    assert event.text.endswith(f"to {clinician.username}")


def test_it_lists_only_patients_with_a_flag_of_mine_under_mine(web, clinician, patient):
    _owned_by(clinician, patient)
    other = PatientFactory(care_team=patient.care_team)
    FlagFactory(patient=other)

    client = web(clinician)

    assert set(_rows(client.get("/dashboard/"))) == {patient.id, other.id}
    assert _rows(client.get("/dashboard/?mine=1")) == [patient.id]


def test_it_keeps_mine_when_other_filters_are_applied(web, clinician, patient):
    _owned_by(clinician, patient, severity="urgent")
    FlagFactory(patient=PatientFactory(care_team=patient.care_team), severity="urgent")

    response = web(clinician).get("/dashboard/?severity=urgent&mine=1")

    assert _rows(response) == [patient.id]
    assert '<input type="hidden" name="mine" value="1">' in response.content.decode()


def test_it_marks_the_current_toggle_and_keeps_the_other_filters_in_its_links(web, clinician):
    page = web(clinician).get("/dashboard/?severity=urgent&mine=1").content.decode()

    assert '<a href="/dashboard/?severity=urgent&amp;mine=1" aria-current="page">Mine</a>' in page
    assert '<a href="/dashboard/?severity=urgent">All flags</a>' in page


def test_it_says_when_no_flag_is_mine(web, clinician, patient):
    FlagFactory(patient=patient)
    page = web(clinician).get("/dashboard/?mine=1").content.decode()
    assert "No open flags assigned to you." in page


def test_it_sends_actions_from_a_refreshed_row_back_to_the_worklist(web, clinician, patient):
    """The live refresh draws rows from /dashboard/worklist/live/: their forms must not return
    the clinician to that bare fragment."""
    FlagFactory(patient=patient)

    page = web(clinician).get("/dashboard/worklist/live/?mine=&severity=urgent").content.decode()

    assert 'name="next" value="/dashboard/?mine=&amp;severity=urgent"' in page
    assert "/dashboard/worklist/live/" not in page


@pytest.mark.parametrize("action", ["assign", "unassign"])
def test_it_answers_404_for_another_teams_flag(web, outsider_clinician, patient, action):
    flag = _owned_by(ClinicianFactory(care_teams=[patient.care_team]), patient)
    owner = flag.owner_id

    response = web(outsider_clinician).post(f"/dashboard/flags/{flag.id}/{action}/")

    flag.refresh_from_db()
    assert response.status_code == 404
    assert flag.owner_id == owner


@pytest.mark.parametrize("action", ["assign", "unassign"])
def test_it_requires_csrf(clinician, patient, action):
    flag = FlagFactory(patient=patient)
    client = Client(enforce_csrf_checks=True)
    verified_login(client, clinician)

    assert client.post(f"/dashboard/flags/{flag.id}/{action}/").status_code == 403


@pytest.mark.parametrize("action", ["assign", "unassign"])
def test_it_refuses_get(web, clinician, patient, action):
    flag = FlagFactory(patient=patient)
    assert web(clinician).get(f"/dashboard/flags/{flag.id}/{action}/").status_code == 405


@pytest.mark.parametrize("size", [1, 10, 100])
def test_it_shows_owners_and_filters_mine_in_a_constant_number_of_queries(
    web, clinician, patient, size, django_assert_max_num_queries
):
    for n in range(size):
        other = PatientFactory(care_team=patient.care_team)
        owner = clinician if n % 2 == 0 else ClinicianFactory(care_teams=[patient.care_team])
        _owned_by(owner, other, severity="urgent")
        FlagFactory(patient=other, category="ileus", severity="routine")
        CheckInFactory(patient=other, day=1)
    attention_sweep(now=timezone.now())  # the beat has run
    client = web(clinician)

    # The same budget as the worklist without owners (tests/dashboard/test_worklist.py): the
    # owners are joined to the flags' query, "Mine" is an EXISTS in the patients' query.
    with django_assert_max_num_queries(13):
        response = client.get("/dashboard/?mine=1")
    assert len(_rows(response)) == min((size + 1) // 2, WORKLIST_PATIENT_LIMIT)
