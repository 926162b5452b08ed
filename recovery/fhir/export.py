"""Start an export: audit it first, then hand back the lazily generated bundle text."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from recovery.fhir.bundle import bundle_stream
from recovery.models import AccessEvent, Patient
from recovery.services.audit import access_event_record

MEDIA_TYPE = "application/fhir+json"


@dataclass(frozen=True)
class FhirExport:
    bundle_id: uuid.UUID
    filename: str
    chunks: Iterator[str]


def fhir_export_start(
    *,
    patient: Patient,
    actor: Any | None,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> FhirExport:
    """Record the export in the audit trail (when there is an actor) and return its stream.

    The audit row is written before any data leaves, so an export that fails half-way is
    still on record. The bundle id is the audit row's object id.
    """
    bundle_id = uuid.uuid4()
    if actor is not None:
        access_event_record(
            actor=actor,
            patient=patient,
            action=AccessEvent.Action.EXPORT,
            object_type="fhir_bundle",
            object_id=bundle_id,
            request=request,
        )
    return FhirExport(
        bundle_id=bundle_id,
        filename=f"patient-{patient.id}-fhir.json",
        chunks=bundle_stream(patient.id, now=now or timezone.now(), bundle_id=bundle_id),
    )
