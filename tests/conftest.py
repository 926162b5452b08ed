"""Personas and clients shared by the whole suite (healthchecks' alice/bob/charlie).

- patient / other_patient: two patients on different teams
- clinician: a nurse on `patient`'s team; coordinator: the coordinator of that team
- outsider_clinician: a nurse on `other_patient`'s team only (for 404 tests)
- staff: a Django staff user who is on no care team
- caregiver: `patient`'s daughter with her own account and every caregiver scope (issue 22)
"""

import os
from collections.abc import Callable

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from recovery.models import CareTeamMembership, Patient
from tests.factories import ClinicianFactory, PatientFactory, UserFactory

pytest_plugins = ["tests.privacy_guard"]

# Playwright's sync API runs an event loop in the test thread; Django's async-safety guard
# would otherwise refuse ORM calls made by the live server fixtures in that thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    # Throttle counters and axes state live in the real Redis cache: start each test clean.
    cache.clear()


@pytest.fixture
def patient(db: None) -> Patient:
    return PatientFactory()


@pytest.fixture
def other_patient(db: None) -> Patient:
    return PatientFactory()


@pytest.fixture
def clinician(patient: Patient):
    return ClinicianFactory(care_teams=[patient.care_team])


@pytest.fixture
def coordinator(patient: Patient):
    return ClinicianFactory(
        care_teams=[patient.care_team], care_teams__role=CareTeamMembership.Role.COORDINATOR
    )


@pytest.fixture
def outsider_clinician(other_patient: Patient):
    return ClinicianFactory(care_teams=[other_patient.care_team])


@pytest.fixture
def staff(db: None):
    return UserFactory(is_staff=True)


@pytest.fixture
def api() -> Callable[..., APIClient]:
    """`api(user)` is a client authenticated as user; `api()` is anonymous."""

    def _as(user: object | None = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user)
        return client

    return _as


# --- Caregivers (issue 22) --------------------------------------------------------------------
@pytest.fixture
def caregiver_link(patient: Patient):
    from tests.factories.caregivers import CaregiverLinkFactory

    return CaregiverLinkFactory(patient=patient)


@pytest.fixture
def caregiver(caregiver_link):
    """The caregiver's own user (not the patient's): helps `patient` with every scope."""
    return caregiver_link.caregiver
