from typing import Any

from django.http import HttpRequest

from recovery.models import AccessEvent, Patient


def _client_ip(request: HttpRequest) -> str | None:
    # The one rule shared with axes and the throttles: X-Forwarded-For counted from the right,
    # only as far as TRUSTED_PROXY_COUNT proxies (core.client_ip).
    from core.client_ip import client_ip

    return client_ip(request)


def access_event_record(
    *,
    actor: Any,
    action: str,
    object_type: str,
    patient: Patient | None = None,
    object_id: object = "",
    request: HttpRequest | None = None,
    actor_kind: str = AccessEvent.ActorKind.UNSPECIFIED,
) -> AccessEvent:
    return AccessEvent.objects.create(
        actor=actor,
        actor_kind=actor_kind,
        patient=patient,
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        request_id=getattr(request, "request_id", "") if request else "",
        ip_address=_client_ip(request) if request else None,
    )


def access_events_record_list(
    *,
    actor: Any,
    patients: list[Patient],
    object_type: str,
    request: HttpRequest | None = None,
    actor_kind: str = AccessEvent.ActorKind.UNSPECIFIED,
) -> None:
    """One row per patient shown on a list page, in one INSERT."""
    AccessEvent.objects.insert_per_patient(
        patient_ids=[patient.id for patient in patients],
        actor_id=actor.pk,
        actor_kind=actor_kind,
        action=AccessEvent.Action.LIST,
        object_type=object_type,
        request_id=getattr(request, "request_id", "") if request else "",
        ip_address=_client_ip(request) if request else None,
    )


def access_events_record_rows(
    *,
    actor: Any,
    rows: list[tuple[Any, object]],
    object_type: str,
    action: str = AccessEvent.Action.LIST,
    request: HttpRequest | None = None,
) -> None:
    """One row per (patient id, object id) read, in one INSERT (the admin's change lists)."""
    request_id = getattr(request, "request_id", "") if request else ""
    ip = _client_ip(request) if request else None
    AccessEvent.objects.bulk_create(
        AccessEvent(
            actor=actor,
            patient_id=patient_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id or "")[:64],
            request_id=request_id,
            ip_address=ip,
        )
        for patient_id, object_id in rows
    )


def patient_access_for_clinician(
    *,
    clinician: Any,
    patient_id: object,
    request: HttpRequest | None,
    purpose: str,
    action: str = AccessEvent.Action.VIEW,
    object_id: object = "",
) -> Patient:
    """The one path to a patient's data for the care team: scope, then record the access.

    Another team's (or a missing) patient is a 404 (Http404) and records nothing. `purpose`
    is what is read (the event's object type: "patient", "plan", "checklist", ...); the event's
    object id is `object_id`, else the patient's id. Exactly one AccessEvent per call.
    """
    from recovery.selectors.patients import patient_get_for_clinician

    patient = patient_get_for_clinician(clinician=clinician, patient_id=patient_id)  # type: ignore[arg-type]
    access_event_record(
        actor=clinician,
        patient=patient,
        action=action,
        object_type=purpose,
        object_id=object_id or patient.id,
        request=request,
    )
    return patient
