"""Issue 22: a caregiver's reports in FHIR: Observation.performer -> RelatedPerson."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from recovery.fhir.bundle import bundle_stream
from recovery.fhir.resources import checkin_observation_ids
from recovery.models import CheckIn
from tests.factories.caregivers import CaregiverLinkFactory
from tests.factories.checkins import CheckInFactory
from tests.fhir.fhir_checks import assert_valid_r4, by_type, read_stream

pytestmark = pytest.mark.django_db


def _export(patient) -> dict:
    return read_stream(bundle_stream(patient.id, now=timezone.now(), bundle_id=uuid.uuid4()))


@pytest.fixture
def reported(patient):
    """One check-in by the patient, two by their daughter Maria."""
    link = CaregiverLinkFactory(patient=patient)
    start = timezone.now() - timedelta(days=3)
    CheckInFactory(patient=patient, recorded_at=start, back_pain=5)
    for day in (1, 2):
        CheckInFactory(
            patient=patient,
            recorded_at=start + timedelta(days=day),
            back_pain=4,
            reported_by_caregiver=link,
        )
    return link


def test_it_validates_with_a_related_person(patient, reported) -> None:
    bundle = _export(patient)
    assert_valid_r4(bundle)
    [person] = by_type(bundle, "RelatedPerson")
    assert person["id"] == str(reported.id)
    assert person["patient"] == {"reference": f"urn:uuid:{patient.id}"}
    assert (person["name"], person["relationship"]) == ([{"text": "Maria"}], [{"text": "daughter"}])
    assert person["active"] is True


def test_it_names_who_performed_each_observation(patient, reported) -> None:
    performer = {o["id"]: o["performer"] for o in by_type(_export(patient), "Observation")}
    for checkin in CheckIn.objects.filter(patient=patient):
        who = reported.id if checkin.reported_by_caregiver_id else patient.id
        ids = checkin_observation_ids(checkin)
        assert ids and all(performer[i] == [{"reference": f"urn:uuid:{who}"}] for i in ids)


def test_it_marks_a_revoked_caregiver_inactive(patient, reported) -> None:
    reported.revoked_at = timezone.now()
    reported.save()
    bundle = _export(patient)
    assert_valid_r4(bundle)
    assert by_type(bundle, "RelatedPerson")[0]["active"] is False


def test_it_exports_no_related_person_when_only_the_patient_reported(patient) -> None:
    CaregiverLinkFactory(patient=patient)
    CheckInFactory(patient=patient, recorded_at=timezone.now() - timedelta(days=1), back_pain=3)
    assert by_type(_export(patient), "RelatedPerson") == []
