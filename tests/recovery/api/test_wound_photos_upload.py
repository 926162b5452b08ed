"""POST /api/v1/me/wound-photos/: real images in, clean JPEGs stored, limits enforced."""

import io
import uuid

import pytest
from PIL import Image

from recovery.models import WoundPhoto
from tests.clock import NOON
from tests.factories.checkins import CheckInFactory
from tests.factories.wound_photos import (
    GPS_IFD,
    bomb_png_bytes,
    jpeg_bytes,
    pdf_bytes,
    photo_body,
    png_bytes,
    upload_file,
)

# postop_day is counted on the patient's calendar (New York) from a factory surgery date: noon
# keeps the two on the same date (tests/clock.py).
pytestmark = [pytest.mark.django_db, pytest.mark.clock(NOON)]

URL = "/api/v1/me/wound-photos/"


def _post(api, patient, body):
    return api(patient.user).post(URL, body, format="multipart")


def _stored(photo_id, field="image") -> Image.Image:
    photo = WoundPhoto.objects.get(id=photo_id)
    with getattr(photo, field).open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def test_it_stores_a_jpeg_and_answers_201(api, patient) -> None:
    response = _post(api, patient, photo_body())

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["review_status"] == "pending"
    assert body["postop_day"] == 10  # the factory's surgery was 10 days ago
    assert body["image_url"] == f"/api/v1/me/wound-photos/{body['id']}/image/"
    assert body["thumbnail_url"] == f"/api/v1/me/wound-photos/{body['id']}/thumbnail/"
    assert "no-store" in response["Cache-Control"].split(", ")


def test_it_strips_exif_and_gps_from_the_stored_files(api, patient) -> None:
    body = photo_body(jpeg_bytes(gps=True, orientation=1))
    _post(api, patient, body)

    for field in ("image", "thumbnail"):
        stored = _stored(body["id"], field)
        assert stored.format == "JPEG"
        assert not stored.getexif()
        assert not stored.getexif().get_ifd(GPS_IFD)
        assert "exif" not in stored.info and "icc_profile" not in stored.info


def test_it_applies_the_orientation_tag(api, patient) -> None:
    # Orientation 6: the camera held sideways; the upright picture is rotated 90° clockwise.
    body = photo_body(jpeg_bytes((64, 32), orientation=6))
    _post(api, patient, body)

    stored = _stored(body["id"])
    assert stored.size == (32, 64)
    # The blue marker was top-left of the sensor image; rotated clockwise it is top-right.
    assert stored.getpixel((stored.width - 2, 2))[2] > 200
    assert stored.getpixel((1, 1))[2] < 150


def test_it_accepts_a_png_and_stores_a_jpeg(api, patient) -> None:
    body = photo_body(png_bytes(), image=upload_file(png_bytes(), "w.png", "image/png"))
    response = _post(api, patient, body)

    assert response.status_code == 201
    assert _stored(body["id"]).format == "JPEG"


def test_it_stores_a_display_size_and_a_thumbnail(api, patient) -> None:
    body = photo_body(jpeg_bytes((3000, 2000)))
    response = _post(api, patient, body)

    assert (response.json()["width"], response.json()["height"]) == (1600, 1067)
    assert max(_stored(body["id"], "thumbnail").size) == 320


def test_it_refuses_a_decompression_bomb_with_400(api, patient) -> None:
    body = photo_body(image=upload_file(bomb_png_bytes(), "bomb.png", "image/png"))
    response = _post(api, patient, body)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_image"
    assert "too large" in response.json()["extra"]["fields"]["image"][0]
    assert not WoundPhoto.objects.exists()


def test_it_refuses_a_16_mb_file_with_413(api, patient) -> None:
    big = jpeg_bytes() + b"\0" * (16 * 1024 * 1024)
    response = _post(api, patient, photo_body(big))

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert set(response.json()) == {"message", "code", "extra"}


def test_it_refuses_a_file_over_the_limit_even_without_a_content_length(
    api, patient, settings
) -> None:
    settings.WOUND_PHOTO_MAX_BYTES = 1024
    response = _post(api, patient, photo_body(jpeg_bytes((400, 400))))

    assert response.status_code == 413


def test_it_refuses_a_pdf_renamed_jpg_with_a_clear_400(api, patient) -> None:
    body = photo_body(image=upload_file(pdf_bytes(), "wound.jpg", "image/jpeg"))
    response = _post(api, patient, body)

    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["image"] == [
        "This file is not a photo we can read. Send a JPEG, PNG or HEIC image."
    ]


def test_it_requires_an_image(api, patient) -> None:
    body = photo_body()
    del body["image"]
    response = _post(api, patient, body)

    assert response.status_code == 400
    assert "image" in response.json()["extra"]["fields"]


def test_it_links_a_check_in_of_the_same_patient(api, patient) -> None:
    check_in = CheckInFactory(patient=patient)
    response = _post(api, patient, photo_body(check_in=str(check_in.id)))

    assert response.status_code == 201
    assert response.json()["check_in"] == str(check_in.id)


def test_it_refuses_another_patients_check_in(api, patient, other_patient) -> None:
    check_in = CheckInFactory(patient=other_patient)
    response = _post(api, patient, photo_body(check_in=str(check_in.id)))

    assert response.status_code == 400
    assert "check_in" in response.json()["extra"]["fields"]


def test_it_answers_a_replay_with_the_stored_photo_and_creates_nothing(api, patient) -> None:
    body = photo_body()
    first = _post(api, patient, body)
    replay = _post(api, patient, {**body, "image": upload_file(jpeg_bytes(color=(1, 2, 3)))})

    assert replay.status_code == 200
    assert replay.json() == first.json()
    assert WoundPhoto.objects.count() == 1


def test_it_answers_a_replay_even_without_the_image(api, patient) -> None:
    body = photo_body()
    _post(api, patient, body)
    replay = _post(api, patient, {"id": body["id"], "taken_at": body["taken_at"]})

    assert replay.status_code == 200


def test_it_refuses_an_id_of_another_patients_photo_with_409(api, patient, other_patient) -> None:
    body = photo_body()
    _post(api, other_patient, body)
    response = _post(api, patient, {**body, "image": upload_file(jpeg_bytes())})

    assert response.status_code == 409
    assert WoundPhoto.objects.get(id=body["id"]).patient_id == other_patient.id


def test_it_refuses_a_photo_from_the_future(api, patient) -> None:
    body = photo_body(taken_at="2999-01-01T00:00:00Z")
    response = _post(api, patient, body)

    assert response.status_code == 400
    assert "taken_at" in response.json()["extra"]["fields"]


def test_it_keeps_no_file_of_a_refused_replay(api, patient) -> None:
    body = photo_body()
    _post(api, patient, body)
    storage = WoundPhoto._meta.get_field("image").storage
    _, before = storage.listdir(str(patient.id))
    _post(api, patient, {**body, "id": str(uuid.UUID(body["id"]))})
    _, after = storage.listdir(str(patient.id))

    assert sorted(after) == sorted(before)


def test_it_accepts_a_heic_photo_and_stores_a_jpeg(api, patient) -> None:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 80)).save(out, format="HEIF")
    body = photo_body(image=upload_file(out.getvalue(), "IMG_0001.HEIC", "image/heic"))
    response = _post(api, patient, body)

    assert response.status_code == 201, response.content
    assert _stored(body["id"]).format == "JPEG"
