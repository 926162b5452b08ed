"""Wound photos on the dashboard: the gallery by day, the comparison, reviews, the worklist."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from recovery.models import AccessEvent, Flag, WoundPhoto
from tests.factories.wound_photos import make_wound_photo

pytestmark = pytest.mark.django_db


def _url(patient) -> str:
    return f"/dashboard/patients/{patient.id}/"


def _photos_on_days(patient, days):
    surgery_date = patient.surgeries.get().date
    photos = {}
    for day in days:
        taken = timezone.make_aware(
            timezone.datetime.combine(
                surgery_date + timedelta(days=day), timezone.datetime.min.time()
            )
            + timedelta(hours=12),
            patient.tz,
        )
        photos[day] = make_wound_photo(patient, taken_at=taken, now=timezone.now())
    return photos


def test_it_shows_a_gallery_by_day_after_surgery(web, clinician, patient) -> None:
    photos = _photos_on_days(patient, [2, 5, 9])

    page = web(clinician).get(_url(patient)).content.decode()

    for day, photo in photos.items():
        assert f'id="wound-day-{day}"' in page
        assert f"/api/v1/care/wound-photos/{photo.id}/thumbnail/" in page
    assert page.index('id="wound-day-2"') < page.index('id="wound-day-9"')


def test_it_compares_the_first_and_latest_day_by_default(web, clinician, patient) -> None:
    photos = _photos_on_days(patient, [2, 5, 9])

    page = web(clinician).get(_url(patient)).content.decode()
    compare = page[page.index('id="wound-compare"') : page.index("By day after surgery")]

    assert f"/api/v1/care/wound-photos/{photos[2].id}/image/" in compare
    assert f"/api/v1/care/wound-photos/{photos[9].id}/image/" in compare
    assert str(photos[5].id) not in compare


def test_it_compares_the_two_chosen_days(web, clinician, patient) -> None:
    photos = _photos_on_days(patient, [2, 5, 9])

    page = web(clinician).get(_url(patient), {"day_a": "5", "day_b": "2"}).content.decode()
    compare = page[page.index('id="wound-compare"') : page.index("By day after surgery")]

    assert compare.index(str(photos[5].id)) < compare.index(str(photos[2].id))
    assert str(photos[9].id) not in compare


@pytest.mark.parametrize("bad", ["x", "99", "-5", ""])
def test_it_falls_back_to_the_default_for_a_day_without_photos(
    web, clinician, patient, bad
) -> None:
    photos = _photos_on_days(patient, [2, 9])

    response = web(clinician).get(_url(patient), {"day_a": bad, "day_b": "9"})

    assert response.status_code == 200
    assert f"/api/v1/care/wound-photos/{photos[2].id}/image/" in response.content.decode()


def test_it_says_when_there_are_no_photos(web, clinician, patient) -> None:
    page = web(clinician).get(_url(patient)).content.decode()

    assert "No wound photos yet." in page


def test_it_marks_the_photo_from_a_review_button_and_returns_to_it(web, clinician, patient) -> None:
    photo = make_wound_photo(patient)

    response = web(clinician).post(
        f"/dashboard/wound-photos/{photo.id}/review/", {"status": "looks_fine", "note": "Dry"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{_url(patient)}#wound-photo-{photo.id}"
    photo.refresh_from_db()
    assert (photo.review_status, photo.review_note) == ("looks_fine", "Dry")


def test_it_raises_the_infection_flag_from_a_concerning_review_button(
    web, clinician, patient
) -> None:
    photo = make_wound_photo(patient)

    web(clinician).post(f"/dashboard/wound-photos/{photo.id}/review/", {"status": "concerning"})

    assert Flag.objects.get(patient=patient).category == "infection"


def test_it_answers_404_to_a_review_of_another_teams_photo(
    web, outsider_clinician, patient
) -> None:
    photo = make_wound_photo(patient)

    response = web(outsider_clinician).post(
        f"/dashboard/wound-photos/{photo.id}/review/", {"status": "concerning"}
    )

    assert response.status_code == 404
    assert WoundPhoto.objects.get(id=photo.id).review_status == "pending"


def test_it_loads_the_thumbnails_with_the_dashboard_session(web, clinician, patient) -> None:
    photo = make_wound_photo(patient)

    response = web(clinician).get(f"/api/v1/care/wound-photos/{photo.id}/thumbnail/")

    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"


def test_it_lists_photos_not_reviewed_within_24_hours_on_the_worklist(
    web, clinician, patient
) -> None:
    sent = timezone.now() - timedelta(hours=30)
    with time_machine.travel(sent, tick=False):
        old = make_wound_photo(patient, taken_at=sent - timedelta(minutes=5))
    fresh = make_wound_photo(patient)

    page = web(clinician).get("/dashboard/").content.decode()

    assert f'data-photo-id="{old.id}"' in page
    assert f'data-photo-id="{fresh.id}"' not in page
    assert (
        AccessEvent.objects.filter(actor=clinician, patient=patient, object_type="worklist").count()
        == 1
    )


def test_it_drops_a_photo_from_the_worklist_once_reviewed(web, clinician, patient) -> None:
    sent = timezone.now() - timedelta(hours=30)
    with time_machine.travel(sent, tick=False):
        old = make_wound_photo(patient, taken_at=sent - timedelta(minutes=5))
    web(clinician).post(f"/dashboard/wound-photos/{old.id}/review/", {"status": "looks_fine"})

    page = web(clinician).get("/dashboard/").content.decode()

    assert f'data-photo-id="{old.id}"' not in page


def test_it_shows_no_other_teams_photos_on_the_worklist(web, outsider_clinician, patient) -> None:
    sent = timezone.now() - timedelta(hours=30)
    with time_machine.travel(sent, tick=False):
        old = make_wound_photo(patient, taken_at=sent - timedelta(minutes=5))

    page = web(outsider_clinician).get("/dashboard/").content.decode()

    assert str(old.id) not in page


@pytest.mark.parametrize("photos", [1, 9])
def test_it_draws_the_gallery_in_the_same_queries_for_any_number_of_photos(
    web, clinician, patient, photos, django_assert_max_num_queries
) -> None:
    _photos_on_days(patient, range(1, photos + 1))
    client = web(clinician)

    # The patient page's reads (see test_patient_page) plus one for the photos.
    with django_assert_max_num_queries(15):
        client.get(_url(patient))
