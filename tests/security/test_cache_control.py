"""Responses that can carry patient data are never stored by a browser or proxy cache."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.mfa import verified_login

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/care/patients/",
        "/api/v1/care/flags/",
        "/api/v1/care/outcomes/",
    ],
)
def test_it_sends_no_store_on_care_team_api_responses(api, clinician, path) -> None:
    response = api(clinician).get(path)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_it_sends_no_store_on_a_patient_record(api, clinician, patient) -> None:
    response = api(clinician).get(f"/api/v1/care/patients/{patient.id}/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/api/v1/me/", "/api/v1/me/check-ins/", "/api/v1/me/fhir/"])
def test_it_sends_no_store_on_the_patients_own_data(api, patient, path) -> None:
    response = api(patient.user).get(path)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    "path", ["/dashboard/", "/dashboard/worklist/live/", "/dashboard/outcomes/"]
)
def test_it_sends_no_store_on_dashboard_pages(clinician, path) -> None:
    client = Client()
    verified_login(client, clinician)

    response = client.get(path)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_it_sends_no_store_on_a_dashboard_patient_page(clinician, patient) -> None:
    client = Client()
    verified_login(client, clinician)

    response = client.get(f"/dashboard/patients/{patient.id}/")

    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/api/v1/care/patients/", "/dashboard/login/"])
def test_it_sends_no_store_on_errors_and_sign_in_too(api, path) -> None:
    response = api().get(path)

    assert "no-store" in response["Cache-Control"]


def test_it_leaves_the_health_probe_alone(db) -> None:
    response = Client().get("/healthz")

    assert "no-store" not in response.get("Cache-Control", "")
