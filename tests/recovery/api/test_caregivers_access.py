"""Issue 22: what a caregiver may do for a patient: scope matrix, isolation, revocation."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from recovery.models import AccessEvent, CaregiverScope
from recovery.services.plans import plan_instantiate
from tests.factories import PatientFactory
from tests.factories.caregivers import CaregiverLinkFactory
from tests.factories.checkins import checkin_payload

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Endpoint:
    method: str
    suffix: str
    scope: str
    body: Callable[[Any], Any] = lambda patient: None


def _checklist_answer(patient: Any) -> dict[str, Any]:
    item = patient.plans.get().items.filter(daily_check=True).order_by("position").first()
    return {"date": patient.local_date(timezone.now()).isoformat(), "item": item.code, "kept": True}


ENDPOINTS = [
    Endpoint("get", "plan/", CaregiverScope.VIEW_PLAN),
    Endpoint("get", "checklist/", CaregiverScope.VIEW_PLAN),
    Endpoint("get", "milestones/", CaregiverScope.VIEW_PLAN),
    Endpoint("post", "checklist/", CaregiverScope.REPORT_CHECK_INS, _checklist_answer),
    Endpoint("post", "check-ins/", CaregiverScope.REPORT_CHECK_INS, lambda p: checkin_payload()),
    Endpoint("get", "advice/", CaregiverScope.VIEW_ADVICE),
]
IDS = [f"{e.method} {e.suffix}" for e in ENDPOINTS]


@pytest.fixture
def planned(patient):
    plan_instantiate(surgery=patient.surgeries.get())
    return patient


def _call(api, user, patient, endpoint: Endpoint):
    url = f"/api/v1/caregiving/{patient.id}/{endpoint.suffix}"
    client = api(user)
    if endpoint.method == "get":
        return client.get(url)
    return client.post(url, endpoint.body(patient), format="json")


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
@pytest.mark.parametrize("granted", CaregiverScope.values)
def test_it_allows_an_endpoint_only_with_its_scope(api, planned, endpoint, granted) -> None:
    link = CaregiverLinkFactory(patient=planned, scopes=[granted])
    response = _call(api, link.caregiver, planned, endpoint)
    if granted == endpoint.scope:
        assert response.status_code in (200, 201), response.content
    else:
        assert response.status_code == 403, response.content
        assert response.json()["code"] == "scope_not_granted"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_it_hides_a_patient_the_caregiver_does_not_help(api, planned, endpoint) -> None:
    # Caregiver A helps X with every scope; patient Y is not theirs: 404, as if missing.
    helper = CaregiverLinkFactory(patient=PatientFactory()).caregiver
    response = _call(api, helper, planned, endpoint)
    assert response.status_code == 404


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_it_hides_the_patient_from_people_who_are_not_caregivers(
    api, planned, clinician, other_patient, endpoint
) -> None:
    for user in (clinician, other_patient.user, planned.user):
        assert _call(api, user, planned, endpoint).status_code == 404


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_it_refuses_an_anonymous_caller(api, planned, endpoint) -> None:
    assert _call(api, None, planned, endpoint).status_code == 401


def test_it_does_not_mix_two_patients_of_one_caregiver(api, planned) -> None:
    link = CaregiverLinkFactory(patient=planned, scopes=["view_plan"])
    second = PatientFactory()
    CaregiverLinkFactory(patient=second, caregiver=link.caregiver, scopes=["view_advice"])
    client = api(link.caregiver)
    assert client.get(f"/api/v1/caregiving/{planned.id}/advice/").status_code == 403
    assert client.get(f"/api/v1/caregiving/{second.id}/advice/").status_code == 200
    assert client.get(f"/api/v1/caregiving/{second.id}/plan/").status_code == 403


def test_it_has_no_questionnaire_route_for_caregivers(api, planned, caregiver) -> None:
    url = f"/api/v1/caregiving/{planned.id}/questionnaires/"
    assert api(caregiver).get(url).status_code == 404
    assert api(caregiver).get("/api/v1/me/questionnaires/").status_code == 403


# --------------------------------------------------------------------------- revocation


def _bearer(api, user):
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def test_it_ends_access_at_once_when_the_patient_revokes(api, planned, caregiver_link) -> None:
    client = _bearer(api, caregiver_link.caregiver)  # a live token, as on the phone
    url = f"/api/v1/caregiving/{planned.id}/plan/"
    assert client.get(url).status_code == 200
    response = api(planned.user).delete(f"/api/v1/me/caregivers/{caregiver_link.id}/")
    assert response.status_code == 204
    assert client.get(url).status_code == 404


def test_it_drops_the_revoked_patient_from_the_caregivers_list(api, planned, caregiver_link):
    client = _bearer(api, caregiver_link.caregiver)
    api(planned.user).delete(f"/api/v1/me/caregivers/{caregiver_link.id}/")
    assert client.get("/api/v1/caregiving/").json()["results"] == []


def test_it_applies_a_removed_scope_on_the_next_request(api, planned, caregiver_link) -> None:
    client = _bearer(api, caregiver_link.caregiver)
    url = f"/api/v1/caregiving/{planned.id}/advice/"
    assert client.get(url).status_code == 200
    api(planned.user).patch(
        f"/api/v1/me/caregivers/{caregiver_link.id}/", {"scopes": ["view_plan"]}, format="json"
    )
    assert client.get(url).status_code == 403


def test_it_keeps_other_patients_after_one_revocation(api, planned, caregiver_link) -> None:
    second = PatientFactory()
    CaregiverLinkFactory(patient=second, caregiver=caregiver_link.caregiver)
    plan_instantiate(surgery=second.surgeries.get())
    api(planned.user).delete(f"/api/v1/me/caregivers/{caregiver_link.id}/")
    client = _bearer(api, caregiver_link.caregiver)
    assert client.get(f"/api/v1/caregiving/{second.id}/plan/").status_code == 200


# --------------------------------------------------------------------------- audit


def test_it_puts_caregiver_reads_in_the_patients_access_history(
    api, planned, caregiver_link
) -> None:
    api(caregiver_link.caregiver).get(f"/api/v1/caregiving/{planned.id}/plan/")
    rows = api(planned.user).get("/api/v1/me/access-log/").json()["results"]
    assert [(r["role"], r["object_type"], r["action"]) for r in rows] == [
        ("caregiver", "plan", "view")
    ]


def test_it_marks_caregiver_events_for_the_care_team(api, planned, caregiver_link, clinician):
    api(caregiver_link.caregiver).post(
        f"/api/v1/caregiving/{planned.id}/check-ins/", checkin_payload(), format="json"
    )
    event = AccessEvent.objects.get(actor=caregiver_link.caregiver)
    assert (event.actor_kind, event.action, event.object_type) == ("caregiver", "create", "checkin")
    rows = api(clinician).get(f"/api/v1/care/patients/{planned.id}/access-log/").json()["results"]
    assert "caregiver" in {r["actor_kind"] for r in rows}


@pytest.mark.parametrize("size", [1, 5])
def test_it_lists_my_patients_in_a_fixed_number_of_queries(
    api, caregiver, size, django_assert_max_num_queries
) -> None:
    for _ in range(size - 1):
        CaregiverLinkFactory(caregiver=caregiver)
    with django_assert_max_num_queries(4):
        response = api(caregiver).get("/api/v1/caregiving/")
    assert len(response.json()["results"]) == size


@pytest.mark.parametrize("size", [1, 5])
def test_it_lists_the_patients_caregivers_in_a_fixed_number_of_queries(
    api, patient, clinician, size, django_assert_max_num_queries
) -> None:
    CaregiverLinkFactory.create_batch(size, patient=patient)
    with django_assert_max_num_queries(3):
        mine = api(patient.user).get("/api/v1/me/caregivers/")
    with django_assert_max_num_queries(6):
        theirs = api(clinician).get(f"/api/v1/care/patients/{patient.id}/caregivers/")
    assert len(mine.json()["results"]) == len(theirs.json()["results"]) == size


@pytest.mark.parametrize("size", [1, 8])
def test_it_lists_the_advice_in_a_fixed_number_of_queries(
    api, caregiver, patient, size, django_assert_max_num_queries
) -> None:
    from tests.factories.checkins import FlagFactory

    FlagFactory.create_batch(size, patient=patient, status="dismissed", dismissed_at=timezone.now())
    with django_assert_max_num_queries(4):
        response = api(caregiver).get(f"/api/v1/caregiving/{patient.id}/advice/")
    assert len(response.json()["results"]) == size
