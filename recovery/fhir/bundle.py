"""Read one patient's record and stream it as a FHIR R4 `collection` Bundle.

The number of queries is fixed (it does not grow with the history): small relations are
prefetched, and the long ones (check-ins, questionnaire responses) are read with a
server-side cursor in chunks and turned into entries one row at a time. The JSON text is
produced as a generator of chunks, so neither the rows nor the document are ever held in
memory whole.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.urls import reverse

from recovery.fhir import resources as fr
from recovery.instruments import load_instruments
from recovery.models import (
    PATIENT_ZONE_PATH,
    CareTeamMembership,
    CheckIn,
    Flag,
    Milestone,
    Patient,
    PatientPlan,
    PlanItem,
    QuestionnaireResponse,
    Surgery,
    WoundPhoto,
)

CHUNK_ROWS = 500  # rows fetched per round trip from a server-side cursor
CHUNK_BYTES = 64 * 1024  # text handed to the server per yield
# Only the check-in columns the export reads (a check-in row has some 40 symptom fields).
CHECKIN_COLUMNS = (
    "id",
    "recorded_at",
    "received_at",
    "reported_by_caregiver",
    *(m[0] for m in fr.CHECKIN_MEASURES),
)
# The caregiver who reported a check-in, joined into the same query (issue 22).
REPORTER_COLUMNS = (
    "reported_by_caregiver__display_name",
    "reported_by_caregiver__relationship",
    "reported_by_caregiver__caregiver_id",
    "reported_by_caregiver__revoked_at",
)


def _load_patient(patient_id: uuid.UUID | str) -> Patient:
    return (
        Patient.objects.select_related("care_team", PATIENT_ZONE_PATH)
        .prefetch_related(
            Prefetch("surgeries", queryset=Surgery.objects.order_by("date", "created_at")),
            Prefetch(
                "care_team__memberships",
                queryset=CareTeamMembership.objects.select_related("user").order_by(
                    "created_at", "id"
                ),
            ),
        )
        .get(id=patient_id)
    )


def _plans(patient: Patient) -> list[PatientPlan]:
    # Retired items were replaced by a rebuild; they stay in the database for the checklist
    # history but are no longer part of the plan.
    return list(
        PatientPlan.objects.filter(patient=patient)
        .order_by("created_at", "id")
        # One call per lookup: django-stubs types a call's Prefetch()es as one model.
        .prefetch_related(
            Prefetch(
                "items",
                queryset=PlanItem.objects.filter(retired_at__isnull=True).order_by("position"),
            )
        )
        .prefetch_related(
            Prefetch(
                "milestones", queryset=Milestone.objects.order_by("day_min", "code", "occurrence")
            )
        )
    )


def _flags(patient: Patient) -> list[Flag]:
    # Few per patient (at most one live per category), so loaded whole with their check-ins.
    return list(
        Flag.objects.filter(patient=patient)
        .order_by("opened_at", "id")
        .prefetch_related(
            Prefetch("checkins", queryset=CheckIn.objects.only(*CHECKIN_COLUMNS).order_by("id")),
            # Every rule that fired, not only the headline one (issue 16).
            "findings",
        )
    )


def _practitioners(memberships: list[CareTeamMembership], extra_user_ids: set[Any]) -> list[Any]:
    """The team's members, plus users named elsewhere in the record (who resolved a flag)."""
    users = {m.user_id: m.user for m in memberships}
    missing = extra_user_ids - set(users)
    if missing:
        users.update((u.pk, u) for u in get_user_model().objects.filter(pk__in=missing))
    return sorted(users.values(), key=lambda user: user.pk)


def _wound_photo_url(photo: WoundPhoto) -> str:
    # The care team's authenticated image view: a link, never the bytes (issue 21).
    path = reverse("care-wound-photo-image", kwargs={"photo_id": photo.id})
    return f"{str(settings.PUBLIC_BASE_URL).rstrip('/')}{path}"


def bundle_resources(patient_id: uuid.UUID | str, *, now: datetime) -> Iterator[dict[str, Any]]:
    """Every resource of the patient's record, in a stable order (patient first)."""
    patient = _load_patient(patient_id)
    today = patient.local_date(now)
    team = patient.care_team
    memberships = list(team.memberships.all())
    surgeries = list(patient.surgeries.all())

    flags = _flags(patient)
    actors = {
        pk
        for flag in flags
        for pk in (flag.acknowledged_by_id, flag.resolved_by_id, flag.dismissed_by_id)
        if pk is not None
    }
    practitioners = _practitioners(memberships, actors)
    practitioner_ids = {fr.practitioner_id(user.pk) for user in practitioners}
    yield fr.patient_resource(patient)
    for user in practitioners:
        yield fr.practitioner_resource(user)
    yield fr.care_team_resource(patient, team, memberships)

    for surgery in surgeries:
        yield fr.encounter_resource(patient, surgery, today)
        yield fr.procedure_resource(patient, surgery, today)
        yield from fr.device_resources(patient, surgery)

    surgeries_by_id = {surgery.id: surgery for surgery in surgeries}
    current = surgeries[-1].id if surgeries else None
    for plan in _plans(patient):
        milestones = list(plan.milestones.all())
        yield fr.care_plan_resource(
            patient,
            plan,
            surgeries_by_id[plan.surgery_id],
            list(plan.items.all()),
            [str(m.id) for m in milestones],
            team.id,
            today,
            current=plan.surgery_id == current,
        )
        for milestone in milestones:
            yield fr.goal_resource(patient, milestone)

    photos = list(WoundPhoto.objects.filter(patient=patient).order_by("taken_at", "id"))
    for flag in flags:
        evidence = [obs for c in flag.checkins.all() for obs in fr.checkin_observation_ids(c)]
        evidence += [str(photo.id) for photo in photos if photo.flag_id == flag.id]
        yield fr.flag_resource(patient, flag)
        yield fr.detected_issue_resource(patient, flag, evidence, practitioner_ids)

    checkins = (
        CheckIn.objects.filter(patient=patient)
        .select_related("reported_by_caregiver")
        .only(*CHECKIN_COLUMNS, *REPORTER_COLUMNS)
        .order_by("recorded_at", "id")
    )
    # Each caregiver who reported becomes a RelatedPerson, emitted before their first report.
    reporters: set[Any] = set()
    for checkin in checkins.iterator(chunk_size=CHUNK_ROWS):
        link = checkin.reported_by_caregiver
        if link is not None and link.id not in reporters:
            reporters.add(link.id)
            yield fr.related_person_resource(patient, link)
        yield from fr.checkin_observations(patient, checkin)

    yield from _questionnaires(patient)

    for photo in photos:
        yield fr.media_resource(patient, photo, _wound_photo_url(photo))


def _questionnaires(patient: Patient) -> Iterator[dict[str, Any]]:
    """Each response, then its score; an instrument no longer shipped still exports."""
    instruments = load_instruments()  # reviewed data files, cached: no query
    responses = QuestionnaireResponse.objects.filter(patient=patient).order_by("submitted_at", "id")
    for response in responses.iterator(chunk_size=CHUNK_ROWS):
        definition = instruments.get(response.instrument)
        keys = definition.item_keys if definition else None
        name = definition.name if definition else response.instrument
        yield fr.questionnaire_response_resource(patient, response, keys)
        score = fr.score_observation(patient, response, name)
        if score is not None:
            yield score


def bundle_json_chunks(
    resources: Iterable[dict[str, Any]], *, bundle_id: uuid.UUID | str, timestamp: datetime
) -> Iterator[str]:
    """The Bundle as JSON text, a few kilobytes at a time; the output parses as one document."""
    header = {
        "resourceType": "Bundle",
        "id": str(bundle_id),
        "meta": {"lastUpdated": fr.instant(timestamp)},
        "type": "collection",
        "timestamp": fr.instant(timestamp),
    }
    # The header is complete JSON; reopen it to append the entry array.
    buffer = [json.dumps(header, ensure_ascii=False)[:-1], ', "entry": [']
    size = 0
    separator = ""
    for resource in resources:
        text = separator + json.dumps(fr.entry(resource), ensure_ascii=False)
        separator = ","
        buffer.append(text)
        size += len(text)
        if size >= CHUNK_BYTES:
            yield "".join(buffer)
            buffer, size = [], 0
    buffer.append("]}")
    yield "".join(buffer)


def bundle_stream(
    patient_id: uuid.UUID | str, *, now: datetime, bundle_id: uuid.UUID | str
) -> Iterator[str]:
    return bundle_json_chunks(
        bundle_resources(patient_id, now=now), bundle_id=bundle_id, timestamp=now
    )
