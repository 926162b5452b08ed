"""Issue 22: the dashboard shows who reported ("reported by Maria (daughter)")."""

import pytest
from django.test import Client

from tests.factories.checkins import checkin_payload
from tests.mfa import verified_login

pytestmark = pytest.mark.django_db

LABEL = "reported by Maria (daughter)"


def _web(user) -> Client:
    # Signed in with a verified second factor, as the dashboard requires of clinicians.
    return verified_login(Client(), user)


def _report(api, user, url, **fields) -> None:
    assert api(user).post(url, checkin_payload(**fields), format="json").status_code == 201


def test_it_shows_the_caregiver_on_the_worklist_row(api, caregiver, patient, clinician) -> None:
    _report(api, caregiver, f"/api/v1/caregiving/{patient.id}/check-ins/", chest_pain=True)
    page = _web(clinician).get("/dashboard/").content.decode()
    assert LABEL in page


def test_it_shows_nothing_extra_for_the_patients_own_report(api, patient, clinician) -> None:
    _report(api, patient.user, "/api/v1/me/check-ins/", chest_pain=True)
    page = _web(clinician).get("/dashboard/").content.decode()
    assert "reported by" not in page


def test_it_shows_the_caregiver_on_the_patients_timeline(api, caregiver, patient, clinician):
    _report(api, caregiver, f"/api/v1/caregiving/{patient.id}/check-ins/", back_pain=4)
    _report(api, patient.user, "/api/v1/me/check-ins/", back_pain=3)
    response = _web(clinician).get(f"/dashboard/patients/{patient.id}/")
    texts = [e.text for e in response.context["page"].timeline if e.kind == "checkin"]
    assert sorted(LABEL in text for text in texts) == [False, True]
    assert LABEL in response.content.decode()
