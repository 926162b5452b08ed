"""Reads of wound photos, scoped to the caller: the patient's own, or a care team's patients.

Another patient's or another team's photo is indistinguishable from a missing one (404).
The dashboard reads (gallery by post-operative day, photos awaiting review) live here too, in a
fixed number of queries whatever the number of photos. They return data only; the templates
draw it. A care-team read of a photo's bytes goes through
recovery.services.wound_photos.wound_photo_access_for_clinician (scope, then one access event).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from recovery.models import Patient, WoundPhoto
from recovery.pathways.schema import WoundPhotoPrompts
from recovery.reminders.wound_photos import prompts_for_technique
from recovery.selectors.patients import (
    AnyUser,
    care_teams_for_clinician,
    current_surgery,
    patient_for_user,
    patient_get_for_clinician,
)

# Photos not reviewed within this time appear on the worklist [R177: 91.9% of submissions
# were reviewed within 24 hours].
REVIEW_TARGET = timedelta(hours=24)


def wound_photos_for_patient(*, patient: Patient) -> QuerySet[WoundPhoto]:
    """A patient's photos, newest first (taken_at), with the reviewer joined."""
    return WoundPhoto.objects.filter(patient=patient).select_related("reviewed_by")


def wound_photo_get_for_patient(*, user: AnyUser, photo_id: UUID | str) -> WoundPhoto:
    patient = patient_for_user(user)
    try:
        return WoundPhoto.objects.select_related("patient").get(id=photo_id, patient=patient)
    except (WoundPhoto.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404("No such photo.") from exc


def wound_photo_patient_id(*, photo_id: UUID | str) -> UUID:
    """The id of the patient a photo belongs to, 404 if there is no such photo.

    Not a read of patient data: callers scope the answer with patient_get_for_clinician or
    patient_access_for_clinician before showing anything.
    """
    try:
        return WoundPhoto.objects.values_list("patient_id", flat=True).get(id=photo_id)
    except (WoundPhoto.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404("No such photo.") from exc


def wound_photo_get_for_clinician(*, clinician: AnyUser, photo_id: UUID | str) -> WoundPhoto:
    """A photo of a patient the clinician may see (their team's, or under break-glass), or 404.

    Unaudited: for writes, which record their own access event.
    """
    patient = patient_get_for_clinician(
        clinician=clinician, patient_id=wound_photo_patient_id(photo_id=photo_id)
    )
    return wound_photo_get_of_patient(patient=patient, photo_id=photo_id)


def wound_photo_get_of_patient(*, patient: Patient, photo_id: UUID | str) -> WoundPhoto:
    """The patient's photo with this id (the patient already scoped), or 404."""
    try:
        photo = WoundPhoto.objects.get(id=photo_id, patient=patient)
    except (WoundPhoto.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404("No such photo.") from exc
    photo.patient = patient
    return photo


@dataclass(frozen=True)
class PromptToday:
    """Today's "photo of your wound" prompt and the instructions shown with it [R177, R179]."""

    due_today: bool
    postop_day: int | None  # None before an operation is on record
    first_day: int
    last_day: int
    instructions: list[str]
    sources: list[str]


def wound_photo_prompt_today(*, patient: Patient, now: datetime) -> PromptToday:
    """Whether today is a photo day on the patient's pathway and no photo was sent yet today."""
    surgery = current_surgery(patient)
    today = patient.local_date(now)
    if surgery is None:
        prompts, day = WoundPhotoPrompts(), None
    else:
        prompts, day = prompts_for_technique(surgery.technique), (today - surgery.date).days
    due = prompts.prompts_on(day) and not photo_sent_on(patient=patient, day=today)
    return PromptToday(
        due_today=due,
        postop_day=day,
        first_day=prompts.first_day,
        last_day=prompts.last_day,
        instructions=prompts.instructions_in(patient.language),  # issue 19
        sources=list(prompts.sources),
    )


def photo_sent_on(*, patient: Patient, day: date) -> bool:
    """Whether the patient sent a photo taken on their local calendar `day`."""
    start = datetime.combine(day, time.min, patient.tz)
    return WoundPhoto.objects.filter(
        patient=patient, taken_at__gte=start, taken_at__lt=start + timedelta(days=1)
    ).exists()


@dataclass
class GalleryDay:
    postop_day: int
    photos: list[WoundPhoto]


@dataclass
class Gallery:
    days: list[GalleryDay]  # ascending post-operative day, photos oldest first within a day
    compare: tuple[WoundPhoto | None, WoundPhoto | None] = (None, None)
    compare_days: tuple[int | None, int | None] = (None, None)
    pending: int = 0
    by_day: dict[int, list[WoundPhoto]] = field(default_factory=dict)

    @property
    def day_numbers(self) -> list[int]:
        return [day.postop_day for day in self.days]


def _parse_day(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def wound_gallery(*, patient: Patient, compare: tuple[Any, Any] = (None, None)) -> Gallery:
    """The patient's photos grouped by post-operative day, and the two chosen for comparison.

    `compare` holds the two requested days (strings from the query string are fine). By
    default the first and the latest day are compared. One query.
    """
    by_day: dict[int, list[WoundPhoto]] = defaultdict(list)
    photos = (
        WoundPhoto.objects.filter(patient=patient)
        .select_related("reviewed_by")
        .order_by("postop_day", "taken_at", "id")
    )
    pending = 0
    for photo in photos:
        by_day[photo.postop_day].append(photo)
        pending += photo.review_status == WoundPhoto.Review.PENDING
    days = [GalleryDay(postop_day=d, photos=by_day[d]) for d in sorted(by_day)]
    left, right = (_parse_day(value) for value in compare)
    if days:
        left = left if left in by_day else days[0].postop_day
        right = right if right in by_day else days[-1].postop_day
    chosen = (
        by_day[left][-1] if left in by_day else None,
        by_day[right][-1] if right in by_day else None,
    )
    return Gallery(
        days=days,
        compare=chosen,
        compare_days=(left, right),
        pending=pending,
        by_day=dict(by_day),
    )


@dataclass(frozen=True)
class OverdueReview:
    photo: WoundPhoto
    patient: Patient
    waiting: timedelta


def wound_photos_overdue_for_review(
    *, clinician: AnyUser, now: datetime, limit: int = 100
) -> list[OverdueReview]:
    """Photos of the clinician's teams' patients still unreviewed after REVIEW_TARGET [R177].

    Oldest first; one query (the partial index woundphoto_pending_review).
    """
    team_ids = care_teams_for_clinician(clinician=clinician).values("id")
    rows = (
        WoundPhoto.objects.filter(
            review_status=WoundPhoto.Review.PENDING,
            received_at__lte=now - REVIEW_TARGET,
            patient__care_team_id__in=team_ids,
        )
        .select_related("patient")
        .order_by("received_at", "id")[:limit]
    )
    return [
        OverdueReview(photo=row, patient=row.patient, waiting=now - row.received_at) for row in rows
    ]
