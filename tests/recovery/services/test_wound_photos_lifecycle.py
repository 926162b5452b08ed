"""Wound photos in the record's lifecycle: subject-access export, erasure, FHIR Media, logs."""

import base64
import io
import json
import logging

import pytest
from django.core.management import call_command

from recovery.models import AccessEvent, Flag, WoundPhoto
from tests.factories.wound_photos import jpeg_bytes, make_wound_photo, photo_body
from tests.fhir.fhir_checks import assert_valid_r4, by_type, read_stream

pytestmark = pytest.mark.django_db


def _storage():
    return WoundPhoto._meta.get_field("image").storage


def test_it_includes_the_photos_in_the_subject_access_export(patient, staff) -> None:
    photo = make_wound_photo(patient)
    out = io.StringIO()
    call_command("export_patient", str(patient.id), "--actor", staff.username, stdout=out)
    export = json.loads(out.getvalue())

    [exported] = export["wound_photos"]
    assert exported["id"] == str(photo.id) and exported["postop_day"] == photo.postop_day
    assert base64.b64decode(exported["data_base64"])[:2] == b"\xff\xd8"
    assert export["records"]["recovery.WoundPhoto"][0]["pk"] == str(photo.id)


def test_it_removes_the_photo_files_and_rows_on_erasure(
    patient, clinician, staff, django_capture_on_commit_callbacks
) -> None:
    photo = make_wound_photo(patient)
    names = [photo.image.name, photo.thumbnail.name]
    assert all(_storage().exists(name) for name in names)

    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "erase_patient",
            str(patient.id),
            "--actor",
            staff.username,
            "--yes",
            stdout=io.StringIO(),
        )

    assert not WoundPhoto.objects.filter(patient=patient).exists()
    assert not any(_storage().exists(name) for name in names)


def test_it_keeps_the_photo_audit_trail_on_erasure(
    api, patient, clinician, staff, django_capture_on_commit_callbacks
) -> None:
    photo = make_wound_photo(patient)
    api(clinician).get(f"/api/v1/care/wound-photos/{photo.id}/image/")

    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "erase_patient",
            str(patient.id),
            "--actor",
            staff.username,
            "--yes",
            stdout=io.StringIO(),
        )

    assert AccessEvent.objects.filter(object_type="wound_photo_image", patient=patient).exists()


def test_it_keeps_another_patients_photos_on_erasure(
    patient, other_patient, staff, django_capture_on_commit_callbacks
) -> None:
    kept = make_wound_photo(other_patient)
    make_wound_photo(patient)

    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "erase_patient",
            str(patient.id),
            "--actor",
            staff.username,
            "--yes",
            stdout=io.StringIO(),
        )

    assert _storage().exists(kept.image.name)
    assert WoundPhoto.objects.filter(id=kept.id).exists()


def test_it_carries_photos_in_the_fhir_bundle_as_media_links(
    api, patient, clinician, settings
) -> None:
    settings.PUBLIC_BASE_URL = "https://recovery.example.org"
    photo = make_wound_photo(patient)
    api(clinician).post(
        f"/api/v1/care/wound-photos/{photo.id}/review/", {"status": "concerning"}, format="json"
    )

    response = api(clinician).get(f"/api/v1/care/patients/{patient.id}/fhir/")
    bundle = read_stream(response.streaming_content)

    assert_valid_r4(bundle)
    [media] = by_type(bundle, "Media")
    assert media["id"] == str(photo.id)
    assert media["content"]["url"] == (
        f"https://recovery.example.org/api/v1/care/wound-photos/{photo.id}/image/"
    )
    assert "data" not in media["content"]
    [issue] = by_type(bundle, "DetectedIssue")
    assert Flag.objects.get(patient=patient).category == "infection"
    assert {"reference": f"urn:uuid:{photo.id}"} in issue["evidence"][-1]["detail"]


def test_it_keeps_image_bytes_and_metadata_out_of_the_logs(api, patient, caplog) -> None:
    body = photo_body(jpeg_bytes(gps=True))
    caplog.set_level(logging.DEBUG)
    api(patient.user).post("/api/v1/me/wound-photos/", body, format="multipart")

    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "JFIF" not in text and "Exif" not in text and "PhoneMaker" not in text
