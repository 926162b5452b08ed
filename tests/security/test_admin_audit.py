"""The admin: patient data read-only, limited to the admin's care teams, every read audited."""

from __future__ import annotations

import importlib

import pytest
from django.test import Client, override_settings
from django.urls import NoReverseMatch, clear_url_caches, reverse

from recovery.models import AccessEvent, CareTeamMembership, Patient
from tests.factories import PatientFactory, UserFactory
from tests.factories.checkins import CheckInFactory
from tests.mfa import verified_login

pytestmark = pytest.mark.django_db


def _admin_client(user) -> Client:
    client = Client()
    verified_login(client, user)
    return client


@pytest.fixture
def superuser(patient):
    """A superuser who works on `patient`'s team."""
    user = UserFactory(is_staff=True, is_superuser=True)
    CareTeamMembership.objects.create(
        team=patient.care_team, user=user, role=CareTeamMembership.Role.COORDINATOR
    )
    return user


@pytest.fixture
def teamless_superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


def _events(user, **filters) -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(actor=user, **filters))


def test_it_audits_each_patient_on_a_change_list(superuser, patient) -> None:
    second = PatientFactory(care_team=patient.care_team)

    response = _admin_client(superuser).get("/admin/recovery/patient/")

    assert response.status_code == 200
    events = _events(superuser, action="list", object_type="admin:patient")
    assert {e.patient_id for e in events} == {patient.id, second.id}


def test_it_audits_a_detail_page(superuser, patient) -> None:
    response = _admin_client(superuser).get(f"/admin/recovery/patient/{patient.id}/change/")

    assert response.status_code == 200
    [event] = _events(superuser, action="view")
    assert (event.patient_id, event.object_type, event.object_id) == (
        patient.id,
        "admin:patient",
        str(patient.id),
    )


def test_it_audits_a_search_and_limits_it_to_the_team(superuser, patient, other_patient):
    other_patient.last_name = patient.last_name
    other_patient.save()

    response = _admin_client(superuser).get("/admin/recovery/patient/", {"q": patient.last_name})

    shown = list(response.context["cl"].result_list)
    assert shown == [patient]
    assert [e.patient_id for e in _events(superuser, action="list")] == [patient.id]


def test_it_audits_rows_of_other_patient_data(superuser, patient) -> None:
    checkin = CheckInFactory(patient=patient)

    _admin_client(superuser).get("/admin/recovery/checkin/")

    [event] = _events(superuser, object_type="admin:checkin")
    assert (event.patient_id, event.object_id) == (patient.id, str(checkin.id))


def test_it_hides_other_teams_patients(superuser, other_patient) -> None:
    client = _admin_client(superuser)

    listing = client.get("/admin/recovery/patient/")
    detail = client.get(f"/admin/recovery/patient/{other_patient.id}/change/")

    assert other_patient not in list(listing.context["cl"].result_list)
    assert detail.status_code == 302  # the admin's "does not exist" redirect
    assert not _events(superuser, patient=other_patient)


def test_it_shows_a_superuser_without_a_team_no_patient_data(teamless_superuser, patient):
    client = _admin_client(teamless_superuser)

    for path in ["/admin/recovery/patient/", "/admin/recovery/checkin/", "/admin/recovery/flag/"]:
        response = client.get(path)
        assert list(response.context["cl"].result_list) == []
    assert client.get(f"/admin/recovery/patient/{patient.id}/change/").status_code == 302


@pytest.mark.parametrize("model", ["patient", "surgery", "checkin", "flag", "accessevent"])
def test_it_refuses_to_add_patient_data(superuser, model) -> None:
    assert _admin_client(superuser).get(f"/admin/recovery/{model}/add/").status_code == 403


def test_it_refuses_to_edit_a_patients_identity(superuser, patient) -> None:
    response = _admin_client(superuser).post(
        f"/admin/recovery/patient/{patient.id}/change/",
        {"first_name": "Changed", "last_name": "Changed"},
    )

    assert response.status_code == 403
    assert Patient.objects.get(id=patient.id).first_name != "Changed"


def test_it_refuses_to_delete_a_patient(superuser, patient) -> None:
    response = _admin_client(superuser).post(
        f"/admin/recovery/patient/{patient.id}/delete/", {"post": "yes"}
    )

    assert response.status_code == 403
    assert Patient.objects.filter(id=patient.id).exists()


def test_it_does_not_list_patients_accounts(superuser, patient) -> None:
    response = _admin_client(superuser).get("/admin/auth/user/")

    assert patient.user not in list(response.context["cl"].result_list)
    assert superuser in list(response.context["cl"].result_list)


def _reload_urls():
    import backend.urls

    clear_url_caches()
    importlib.reload(backend.urls)
    clear_url_caches()


@pytest.fixture
def restore_urls():
    yield
    _reload_urls()


def test_it_mounts_the_admin_at_admin_url(restore_urls) -> None:
    with override_settings(ADMIN_URL="back-office-7f3a/"):
        _reload_urls()
        assert reverse("admin:index") == "/back-office-7f3a/"


def test_it_removes_the_admin_when_admin_url_is_empty(restore_urls, db) -> None:
    with override_settings(ADMIN_URL=""):
        _reload_urls()
        with pytest.raises(NoReverseMatch):
            reverse("admin:index")
        assert Client().get("/admin/").status_code == 404


def test_it_renders_every_registered_change_list(superuser, patient) -> None:
    from django.contrib import admin

    client = _admin_client(superuser)
    for model in admin.site._registry:
        path = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(path).status_code == 200, path
