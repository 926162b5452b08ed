from typing import Any

from django.http import HttpRequest

from recovery.models import AccessEvent, Patient


def _client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy rewrites
    # it, and the deployment's proxy sets REMOTE_ADDR through gunicorn's forwarded-allow-ips.
    return request.META.get("REMOTE_ADDR") or None


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
    request_id = getattr(request, "request_id", "") if request else ""
    ip = _client_ip(request) if request else None
    AccessEvent.objects.bulk_create(
        AccessEvent(
            actor=actor,
            actor_kind=actor_kind,
            patient=patient,
            action=AccessEvent.Action.LIST,
            object_type=object_type,
            object_id=str(patient.id),
            request_id=request_id,
            ip_address=ip,
        )
        for patient in patients
    )
