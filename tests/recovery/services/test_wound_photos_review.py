"""A nurse's review: looks_fine / concerning; concerning raises the infection flag."""

import pytest
import time_machine
from django.utils import timezone

from notifications.models import Notification
from recovery.models import AccessEvent, Flag, WoundPhoto
from tests.factories.checkins import FlagFactory
from tests.factories.wound_photos import make_wound_photo

pytestmark = pytest.mark.django_db


def _review(api, user, photo, **body):
    return api(user).post(f"/api/v1/care/wound-photos/{photo.id}/review/", body, format="json")


def test_it_records_looks_fine_with_the_reviewer_and_note(api, patient, clinician) -> None:
    photo = make_wound_photo(patient)

    response = _review(api, clinician, photo, status="looks_fine", note="Clean and dry.")

    assert response.status_code == 200
    photo.refresh_from_db()
    assert (photo.review_status, photo.review_note, photo.reviewed_by) == (
        "looks_fine",
        "Clean and dry.",
        clinician,
    )
    assert not Flag.objects.filter(patient=patient).exists()


def test_it_raises_an_urgent_infection_flag_linking_the_photo(api, patient, clinician) -> None:
    photo = make_wound_photo(patient)

    response = _review(api, clinician, photo, status="concerning", note="Red edges.")

    flag = Flag.objects.get(patient=patient, category="infection")
    assert (flag.severity, flag.status, flag.origin) == ("urgent", "open", "photo")
    assert flag.facts["wound_photo_id"] == str(photo.id)
    assert response.json()["flag"] == str(flag.id)
    photo.refresh_from_db()
    assert photo.flag_id == flag.id


def test_it_alerts_the_care_team_on_a_concerning_review(
    api, patient, clinician, coordinator
) -> None:
    photo = make_wound_photo(patient)

    _review(api, clinician, photo, status="concerning")

    flag = Flag.objects.get(patient=patient)
    alerted = set(
        Notification.objects.filter(template="careteam_flag", channel="inapp").values_list(
            "recipient_id", flat=True
        )
    )
    assert alerted == {clinician.id, coordinator.id}
    note = Notification.objects.filter(template="careteam_flag").first()
    assert note.context == {"flag_id": str(flag.id), "patient_id": str(patient.id)}


def test_it_escalates_a_routine_infection_flag_to_urgent(api, patient, clinician) -> None:
    existing = FlagFactory(patient=patient, severity="routine", severity_rank=0)
    photo = make_wound_photo(patient)

    _review(api, clinician, photo, status="concerning")

    existing.refresh_from_db()
    assert existing.severity == "urgent" and existing.status == "open"
    assert Flag.objects.filter(patient=patient).count() == 1


def test_it_keeps_an_emergency_infection_flag_as_it_is(api, patient, clinician) -> None:
    existing = FlagFactory(patient=patient, severity="emergency", severity_rank=2)
    photo = make_wound_photo(patient)

    _review(api, clinician, photo, status="concerning")

    existing.refresh_from_db()
    photo.refresh_from_db()
    assert existing.severity == "emergency"
    assert photo.flag_id == existing.id


def test_it_never_closes_a_flag_on_looks_fine(api, patient, clinician) -> None:
    existing = FlagFactory(patient=patient)
    photo = make_wound_photo(patient)

    _review(api, clinician, photo, status="looks_fine")

    existing.refresh_from_db()
    assert existing.status == "open"


def test_it_audits_a_review(api, patient, clinician) -> None:
    photo = make_wound_photo(patient)
    _review(api, clinician, photo, status="looks_fine")

    assert AccessEvent.objects.filter(
        actor=clinician, patient=patient, object_type="wound_photo_review", object_id=str(photo.id)
    ).exists()


@pytest.mark.parametrize("body", [{}, {"status": "pending"}, {"status": "fine"}])
def test_it_refuses_an_invalid_review_status(api, patient, clinician, body) -> None:
    photo = make_wound_photo(patient)

    response = _review(api, clinician, photo, **body)

    assert response.status_code == 400
    assert "status" in response.json()["extra"]["fields"]


def test_it_hides_another_teams_photo(api, patient, outsider_clinician) -> None:
    photo = make_wound_photo(patient)

    assert _review(api, outsider_clinician, photo, status="concerning").status_code == 404
    assert WoundPhoto.objects.get(id=photo.id).review_status == "pending"


def test_it_stamps_the_review_with_the_time(api, patient, clinician) -> None:
    photo = make_wound_photo(patient)
    moment = timezone.now()
    with time_machine.travel(moment, tick=False):
        _review(api, clinician, photo, status="looks_fine")

    photo.refresh_from_db()
    assert photo.reviewed_at == moment
