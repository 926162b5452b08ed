"""The daily "photo of your wound" prompt (issue 21), decided in bulk for a reminder batch.

Daily photos for the first 2 weeks after surgery [R177], on the days of the patient's pathway
(`wound_photos` in recovery/pathways/*.yaml). The notification carries no health data (a
generic catalogue text); the app shows the photo instructions [R179] with the prompt, from
GET /api/v1/me/wound-photos/prompt/. No prompt on a day the patient already sent a photo.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache

import core.sql  # noqa: F401  (registers the `any` lookup)
from recovery.models import WoundPhoto
from recovery.pathways import UnknownTechniqueError, pathway_for_technique
from recovery.pathways.schema import WoundPhotoPrompts
from recovery.reminders.timing import local_date_of

TEMPLATE = "wound_photo_due"


@lru_cache(maxsize=32)
def prompts_for_technique(technique: str) -> WoundPhotoPrompts:
    try:
        return pathway_for_technique(technique).wound_photos
    except UnknownTechniqueError:
        return WoundPhotoPrompts()  # the defaults: days 1-14 [R177]


def photo_days(patient_ids: Iterable[object], *, now: datetime, zones: dict) -> set[tuple]:
    """(patient id, local date) of every photo taken in the last two days: one query."""
    rows = WoundPhoto.objects.filter(
        patient_id__any=list(patient_ids), taken_at__gte=now - timedelta(days=2)
    ).values_list("patient_id", "taken_at")
    days: dict[object, set[date]] = defaultdict(set)
    for patient_id, taken_at in rows:
        days[patient_id].add(local_date_of(taken_at, zones[patient_id]))
    return {(pid, day) for pid, dates in days.items() for day in dates}


def prompt_due(*, technique: str, postop_day: int | None, sent_today: bool) -> bool:
    return not sent_today and prompts_for_technique(technique).prompts_on(postop_day)


def idempotency_key(patient_id: object, today: date) -> str:
    return f"wound-photo:{patient_id}:{today}"
