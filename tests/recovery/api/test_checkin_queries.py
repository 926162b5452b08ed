"""issue 23: the SQL statements one check-in costs, through the whole request.

A real bearer token (not force_authenticate), so authentication's query counts; a
transactional test, so the service's transaction is a real BEGIN/COMMIT as in production
(psycopg sends those itself: they are not statements Django runs) and not a savepoint.
"""

import uuid
from collections.abc import Callable

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from recovery.models import CheckIn, Patient
from tests.factories.checkins import CheckInFactory, checkin_payload

URL = "/api/v1/me/check-ins/"
# 1 the user, with the patient and their preferences (JWT authentication); 2 BEGIN; 3 the
# patient's row lock, reading the latest surgery and the id's owner; 4 the insert, the
# answered silence flag's close and the triage history (one statement); 5 COMMIT.
QUIET_CHECKIN_STATEMENTS = 5


def _client(patient: Patient) -> APIClient:
    client = APIClient()
    token = RefreshToken.for_user(patient.user).access_token
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.mark.django_db(transaction=True)
def test_it_stores_a_check_in_that_raises_nothing_in_five_statements(
    patient: Patient, django_assert_num_queries: Callable
) -> None:
    client = _client(patient)
    with django_assert_num_queries(QUIET_CHECKIN_STATEMENTS):
        response = client.post(URL, checkin_payload(back_pain=2, leg_pain=1), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["flags"] == []


@pytest.mark.django_db(transaction=True)
def test_it_answers_a_replay_from_the_stored_row(patient: Patient) -> None:
    client = _client(patient)
    body = checkin_payload(back_pain=2)
    first = client.post(URL, body, format="json")
    again = client.post(URL, body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert CheckIn.objects.filter(patient=patient).count() == 1


# ----------------------------------------------- the insert catches what the lock could not see


@pytest.fixture
def stale_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lock statement's view of the id predates its wait for the lock: make it see nothing."""
    from recovery.services import checkins as service

    real = service._checkin_lock

    def blind(*, patient: Patient, checkin_id):  # type: ignore[no-untyped-def]
        locked = real(patient=patient, checkin_id=uuid.uuid4())
        return service._Locked(locked.patient, locked.surgery, None)

    monkeypatch.setattr(service, "_checkin_lock", blind)


@pytest.mark.django_db
def test_it_answers_a_retry_committed_while_it_waited_as_a_replay(
    api: Callable, patient: Patient, stale_lock: None
) -> None:
    stored = CheckInFactory(patient=patient)
    body = checkin_payload(id=str(stored.id), back_pain=5)
    response = api(patient.user).post(URL, body, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["id"], response.json()["back_pain"]) == (str(stored.id), 3)


@pytest.mark.django_db
def test_it_refuses_an_id_another_patient_took_while_it_waited(
    api: Callable, patient: Patient, other_patient: Patient, stale_lock: None
) -> None:
    taken = CheckInFactory(patient=other_patient)
    response = api(patient.user).post(URL, checkin_payload(id=str(taken.id)), format="json")
    assert response.status_code == 409
    assert CheckIn.objects.get(id=taken.id).patient_id == other_patient.id
