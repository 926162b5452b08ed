"""Wound photos: storing an upload (replay-safe), a nurse's review, and removal on erasure.

The image is decoded and re-encoded before anything is stored (recovery.images), and the files
are written before the row's transaction opens, so no slow storage I/O happens under the
patient lock; a replay or a failed insert deletes the files it just wrote. Files are deleted
only after the deleting transaction commits.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from core.exceptions import ApplicationError
from recovery.images import ImageRejected, process_wound_photo
from recovery.models import AccessEvent, CheckIn, Flag, Patient, WoundPhoto
from recovery.models.wound_photos import wound_photo_storage
from recovery.selectors.patients import current_surgery, postop_day
from recovery.selectors.wound_photos import wound_photo_get_of_patient, wound_photo_patient_id
from recovery.services.audit import access_event_record, patient_access_for_clinician
from recovery.services.flags import flags_apply_findings, patient_lock
from recovery.triage import Finding

logger = logging.getLogger(__name__)

# Phones' clocks drift; a photo "from the future" beyond this is refused (as for check-ins).
CLOCK_SKEW = timedelta(minutes=5)
EARLIEST_DAY = -1  # the day before the operation, like check-ins
ID_IN_USE = "This photo id is already in use."

# The finding a "concerning" review stands for. Photos support the symptom rules and never
# replace them [R178]: a nurse's judgement raises the infection flag to at least urgent; a
# "looks fine" review never lowers or closes one.
REVIEW_RULE_ID = "infection.wound_photo_concerning"
REVIEW_RULE_VERSION = 1
REVIEW_SEVERITY = Flag.Severity.URGENT
REVIEW_SOURCES = ("R177", "R178")
REVIEW_ADVICE = (
    "Your care team looked at your wound photo and wants to check on your wound. "
    "They will contact you; if you have a fever or feel unwell, call them now."
)
REVIEW_RATIONALE = (
    "A nurse judged a wound photo concerning. Photos raise the specificity of a surgical-site "
    "infection diagnosis (77% to 92%) but not its sensitivity, so they add to, and never "
    "replace, the symptom rules (R178); image review after discharge detected wound "
    "complications (R177)."
)


def max_upload_bytes() -> int:
    return int(getattr(settings, "WOUND_PHOTO_MAX_BYTES", 15 * 1024 * 1024))


def upload_too_large() -> ApplicationError:
    limit_mb = max_upload_bytes() // (1024 * 1024)
    message = f"The photo is larger than {limit_mb} MB."
    return ApplicationError(message, code="too_large", fields={"image": [message]}, status_code=413)


@dataclass(frozen=True)
class WoundPhotoResult:
    photo: WoundPhoto
    created: bool  # False: a replay of an id this patient already sent


def _id_conflict() -> ApplicationError:
    # Never say whose it is: the id belongs to someone else's record.
    return ApplicationError(ID_IN_USE, code="conflict", fields={"id": [ID_IN_USE]}, status_code=409)


def wound_photo_get_for_replay(*, patient: Patient, photo_id: UUID) -> WoundPhoto | None:
    """The patient's own photo with this id, None if new; 409 if another patient's."""
    existing = WoundPhoto.objects.filter(id=photo_id).first()
    if existing is None:
        return None
    if existing.patient_id != patient.id:
        raise _id_conflict()
    return existing


def _read_limited(image: Any) -> bytes:
    if getattr(image, "size", 0) > max_upload_bytes():
        raise upload_too_large()
    data = image.read(max_upload_bytes() + 1)
    if len(data) > max_upload_bytes():
        raise upload_too_large()
    return data


def _store(*, patient: Patient, photo_id: UUID, display: bytes, thumbnail: bytes) -> list[str]:
    storage = wound_photo_storage()
    # A random part keeps names unguessable and distinct if two replays race.
    stem = f"{patient.id}/{photo_id}-{secrets.token_hex(8)}"
    return [
        storage.save(f"{stem}.jpg", ContentFile(display)),
        storage.save(f"{stem}-thumb.jpg", ContentFile(thumbnail)),
    ]


def _delete_files(names: list[str]) -> None:
    storage = wound_photo_storage()
    for name in names:
        try:
            storage.delete(name)
        except Exception:  # a missing file must not stop an erasure
            logger.warning("could not delete a wound-photo file")


def _check_in_of(patient: Patient, check_in_id: UUID | None) -> CheckIn | None:
    if check_in_id is None:
        return None
    check_in = CheckIn.objects.filter(id=check_in_id, patient=patient).first()
    if check_in is None:
        raise ApplicationError(
            "Unknown check-in.", fields={"check_in": ["No check-in of yours has this id."]}
        )
    return check_in


def _check_taken_at(*, patient: Patient, surgery_date: Any, taken_at: datetime, now: datetime):
    if taken_at > now + CLOCK_SKEW:
        raise ApplicationError(
            "The photo time is in the future.",
            fields={"taken_at": ["Cannot be in the future; check the phone's clock."]},
        )
    if (patient.local_date(taken_at) - surgery_date).days < EARLIEST_DAY:
        raise ApplicationError(
            "The photo time is before the operation.",
            fields={"taken_at": ["Cannot be more than a day before the operation."]},
        )


def wound_photo_upload(
    *,
    patient: Patient,
    photo_id: UUID,
    taken_at: datetime,
    image: Any,
    check_in_id: UUID | None = None,
    now: datetime,
) -> WoundPhotoResult:
    """Store a wound photo as clean JPEGs (display and thumbnail); replay-safe on `photo_id`.

    Raises ApplicationError: 413 over the size limit, 400 for anything that is not a decodable
    JPEG/PNG/HEIC image or has too many pixels, 409 for another patient's id.
    """
    existing = wound_photo_get_for_replay(patient=patient, photo_id=photo_id)
    if existing is not None:
        return WoundPhotoResult(photo=existing, created=False)
    surgery = current_surgery(patient)
    if surgery is None:
        raise ApplicationError(
            "There is no operation on record yet; ask your care team.", code="no_surgery"
        )
    _check_taken_at(patient=patient, surgery_date=surgery.date, taken_at=taken_at, now=now)
    check_in = _check_in_of(patient, check_in_id)
    data = _read_limited(image)
    try:
        processed = process_wound_photo(
            data, max_pixels=int(getattr(settings, "WOUND_PHOTO_MAX_PIXELS", 50_000_000))
        )
    except ImageRejected as exc:
        message = str(exc)
        raise ApplicationError(message, code="invalid_image", fields={"image": [message]}) from exc

    names = _store(
        patient=patient,
        photo_id=photo_id,
        display=processed.display,
        thumbnail=processed.thumbnail,
    )
    try:
        result = _insert(
            patient=patient,
            photo=WoundPhoto(
                id=photo_id,
                patient=patient,
                surgery=surgery,
                check_in=check_in,
                taken_at=taken_at,
                received_at=now,
                postop_day=postop_day(patient=patient, surgery=surgery, at=taken_at),
                image=names[0],
                thumbnail=names[1],
                width=processed.width,
                height=processed.height,
            ),
        )
    except BaseException:
        _delete_files(names)
        raise
    if not result.created:
        _delete_files(names)
    return result


@transaction.atomic
def _insert(*, patient: Patient, photo: WoundPhoto) -> WoundPhotoResult:
    patient_lock(patient_id=patient.id)  # serialises this patient's replays
    existing = wound_photo_get_for_replay(patient=patient, photo_id=photo.id)
    if existing is not None:
        return WoundPhotoResult(photo=existing, created=False)
    try:
        with transaction.atomic():
            photo.save(force_insert=True)
    except IntegrityError as exc:
        raise _id_conflict() from exc
    return WoundPhotoResult(photo=photo, created=True)


# ------------------------------------------------------------------------------ care-team read


def wound_photo_access_for_clinician(
    *, clinician: Any, photo_id: UUID | str, request: HttpRequest | None, purpose: str
) -> WoundPhoto:
    """A care-team read of one photo: scope and exactly one access event, through the one
    audited path (patient_access_for_clinician), whose event names the photo.

    A missing photo, or another team's, is a 404 and records nothing.
    """
    patient = patient_access_for_clinician(
        clinician=clinician,
        patient_id=wound_photo_patient_id(photo_id=photo_id),
        request=request,
        purpose=purpose,
        object_id=photo_id,
    )
    return wound_photo_get_of_patient(patient=patient, photo_id=photo_id)


# ------------------------------------------------------------------------------------ review


def wound_photo_finding(photo: WoundPhoto) -> Finding:
    """The triage finding a "concerning" review stands for; the facts name the photo."""
    return Finding(
        rule_id=REVIEW_RULE_ID,
        rule_version=REVIEW_RULE_VERSION,
        category="infection",
        severity=REVIEW_SEVERITY,
        advice=REVIEW_ADVICE,
        rationale=REVIEW_RATIONALE,
        sources=REVIEW_SOURCES,
        facts={
            "wound_photo_id": str(photo.id),
            "wound_photo_review": WoundPhoto.Review.CONCERNING.value,
            "postop_day": photo.postop_day,
        },
    )


def _raise_infection_flag(*, photo: WoundPhoto, patient: Patient, now: datetime) -> Flag:
    """Raise or escalate the infection flag to at least urgent (the caller holds the lock).

    Kept to one call of the flags service's public function so the flags module can change
    underneath it (re-alerts, findings history) without touching this one.
    """
    [raised] = flags_apply_findings(
        patient=patient,
        findings=[wound_photo_finding(photo)],
        now=now,
        origin=Flag.Origin.PHOTO,
    )
    return raised.flag


@transaction.atomic
def wound_photo_review(
    *,
    photo: WoundPhoto,
    actor: Any,
    status: str,
    note: str = "",
    now: datetime,
    request: HttpRequest | None = None,
) -> WoundPhoto:
    """Record a nurse's review; `concerning` raises the infection flag (audited)."""
    if status not in (WoundPhoto.Review.LOOKS_FINE, WoundPhoto.Review.CONCERNING):
        raise ApplicationError(
            "Unknown review status.",
            fields={"status": ["Choose one of: looks_fine, concerning."]},
        )
    patient = patient_lock(patient_id=photo.patient_id)
    photo = WoundPhoto.objects.select_for_update().get(id=photo.id)
    photo.review_status = status
    photo.review_note = note
    photo.reviewed_by = actor
    photo.reviewed_at = now
    if status == WoundPhoto.Review.CONCERNING:
        photo.flag = _raise_infection_flag(photo=photo, patient=patient, now=now)
    photo.save(update_fields=["review_status", "review_note", "reviewed_by", "reviewed_at", "flag"])
    access_event_record(
        actor=actor,
        patient=patient,
        action=AccessEvent.Action.UPDATE,
        object_type="wound_photo_review",
        object_id=photo.id,
        request=request,
    )
    return photo


# ------------------------------------------------------------------------------------ erasure


@transaction.atomic
def wound_photos_delete_for_patient(*, patient: Patient) -> int:
    """Delete a patient's photo rows now and their files after commit; returns the count."""
    rows = list(WoundPhoto.objects.filter(patient=patient).values_list("image", "thumbnail"))
    names = [name for pair in rows for name in pair if name]
    WoundPhoto.objects.filter(patient=patient).delete()
    transaction.on_commit(lambda: _delete_files(names))
    return len(rows)
