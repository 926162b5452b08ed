"""Reading wound photos: own list, care-team list (audited), image bytes, scoping (404)."""

import pytest

from recovery.models import AccessEvent
from tests.factories import ClinicianFactory
from tests.factories.wound_photos import make_wound_photo

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/wound-photos/"


def _care_list(patient) -> str:
    return f"/api/v1/care/patients/{patient.id}/wound-photos/"


def test_it_lists_the_patients_own_photos_newest_first(api, patient, other_patient) -> None:
    from datetime import timedelta

    from django.utils import timezone

    older = make_wound_photo(patient, taken_at=timezone.now() - timedelta(days=2))
    newer = make_wound_photo(patient, taken_at=timezone.now() - timedelta(hours=1))
    make_wound_photo(other_patient)

    response = api(patient.user).get(ME)

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(newer.id), str(older.id)]
    assert "no-store" in response["Cache-Control"].split(", ")


def test_it_pages_the_patients_photos_with_a_cursor(api, patient) -> None:
    for _ in range(3):
        make_wound_photo(patient)

    first = api(patient.user).get(ME, {"page_size": 2}).json()
    second = api(patient.user).get(first["next"]).json()

    assert len(first["results"]) == 2 and len(second["results"]) == 1


@pytest.mark.parametrize("photos", [1, 5, 15])
def test_it_lists_in_a_fixed_number_of_queries(
    api, patient, clinician, django_assert_max_num_queries, photos
) -> None:
    for _ in range(photos):
        make_wound_photo(patient)

    with django_assert_max_num_queries(6):
        assert api(patient.user).get(ME).status_code == 200
    with django_assert_max_num_queries(9):
        assert api(clinician).get(_care_list(patient)).status_code == 200


def test_it_lists_a_team_patients_photos_with_care_links(api, patient, clinician) -> None:
    photo = make_wound_photo(patient)

    row = api(clinician).get(_care_list(patient)).json()["results"][0]

    assert row["id"] == str(photo.id)
    assert row["image_url"] == f"/api/v1/care/wound-photos/{photo.id}/image/"
    assert row["thumbnail_url"] == f"/api/v1/care/wound-photos/{photo.id}/thumbnail/"
    assert row["postop_day"] == photo.postop_day and row["review_status"] == "pending"


def test_it_audits_a_care_team_listing(api, patient, clinician) -> None:
    make_wound_photo(patient)
    api(clinician).get(_care_list(patient))

    assert AccessEvent.objects.filter(
        actor=clinician, patient=patient, action="list", object_type="wound_photo"
    ).exists()


def test_it_hides_another_teams_patient_from_the_list(api, patient, outsider_clinician) -> None:
    make_wound_photo(patient)

    assert api(outsider_clinician).get(_care_list(patient)).status_code == 404


@pytest.mark.parametrize("variant", ["image", "thumbnail"])
def test_it_serves_the_patient_their_own_image_bytes(api, patient, variant) -> None:
    photo = make_wound_photo(patient)

    response = api(patient.user).get(f"{ME}{photo.id}/{variant}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "no-store" in response["Cache-Control"].split(", ")
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_it_serves_the_care_team_the_image_and_writes_an_access_event(
    api, patient, clinician
) -> None:
    photo = make_wound_photo(patient)

    response = api(clinician).get(f"/api/v1/care/wound-photos/{photo.id}/image/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"].split(", ")
    event = AccessEvent.objects.get(actor=clinician, object_type="wound_photo_image")
    assert (event.patient_id, event.action, event.object_id) == (patient.id, "view", str(photo.id))


def test_it_writes_no_access_event_when_the_patient_reads_their_own_photo(api, patient) -> None:
    photo = make_wound_photo(patient)
    api(patient.user).get(f"{ME}{photo.id}/image/")

    assert not AccessEvent.objects.filter(object_type__startswith="wound_photo").exists()


@pytest.mark.parametrize("variant", ["image", "thumbnail"])
def test_it_hides_another_patients_image(api, patient, other_patient, variant) -> None:
    photo = make_wound_photo(other_patient)

    assert api(patient.user).get(f"{ME}{photo.id}/{variant}/").status_code == 404


@pytest.mark.parametrize("variant", ["image", "thumbnail"])
def test_it_hides_another_teams_image(api, patient, outsider_clinician, variant) -> None:
    photo = make_wound_photo(patient)
    url = f"/api/v1/care/wound-photos/{photo.id}/{variant}/"

    assert api(outsider_clinician).get(url).status_code == 404
    assert not AccessEvent.objects.filter(actor=outsider_clinician).exists()


def test_it_serves_a_clinician_on_two_teams_both_teams_images(api, patient, other_patient) -> None:
    nurse = ClinicianFactory(care_teams=[patient.care_team, other_patient.care_team])
    for owner in (patient, other_patient):
        photo = make_wound_photo(owner)
        assert api(nurse).get(f"/api/v1/care/wound-photos/{photo.id}/image/").status_code == 200


def test_it_refuses_the_wrong_audience(api, patient, clinician) -> None:
    photo = make_wound_photo(patient)

    assert api(clinician).get(f"{ME}{photo.id}/image/").status_code == 403
    assert api(patient.user).get(f"/api/v1/care/wound-photos/{photo.id}/image/").status_code == 403
    assert api().get(f"{ME}{photo.id}/image/").status_code == 401


def test_it_answers_errors_as_json_even_to_an_image_request(api, patient, other_patient) -> None:
    photo = make_wound_photo(other_patient)

    response = api(patient.user).get(f"{ME}{photo.id}/image/", HTTP_ACCEPT="image/*")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_it_keeps_the_files_outside_static_and_media(settings) -> None:
    from django.core.files.storage import storages

    storage = storages["wound_photos"]
    location = str(storage.location)
    assert not location.startswith(str(settings.STATIC_ROOT))
    assert not location.startswith(str(settings.MEDIA_ROOT or "/nonexistent"))


@pytest.mark.parametrize("variant", ["image", "thumbnail"])
def test_it_writes_exactly_one_access_event_per_care_team_image_read(
    api, patient, clinician, variant
) -> None:
    photo = make_wound_photo(patient)

    api(clinician).get(f"/api/v1/care/wound-photos/{photo.id}/{variant}/")

    assert AccessEvent.objects.filter(actor=clinician).count() == 1


def test_it_opens_another_teams_image_under_break_glass(api, patient, outsider_clinician) -> None:
    photo = make_wound_photo(patient)
    url = f"/api/v1/care/wound-photos/{photo.id}/image/"
    reason = "Patient in our emergency department with a red, swollen wound."
    api(outsider_clinician).post(
        f"/api/v1/care/patients/{patient.id}/break-glass/", {"reason": reason}, format="json"
    )

    response = api(outsider_clinician).get(url)

    assert response.status_code == 200
    assert AccessEvent.objects.filter(
        actor=outsider_clinician, object_type="wound_photo_image", object_id=str(photo.id)
    ).exists()
