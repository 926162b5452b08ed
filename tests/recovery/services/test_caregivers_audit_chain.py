"""Issue 22: a caregiver's access events join the hash chain, their `actor_kind` included."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from recovery import audit_chain
from recovery.models import AccessEvent
from recovery.services.audit import access_event_record

pytestmark = pytest.mark.django_db


def _caregiver_event(caregiver, patient) -> AccessEvent:
    event = access_event_record(
        actor=caregiver,
        actor_kind=AccessEvent.ActorKind.CAREGIVER,
        action=AccessEvent.Action.VIEW,
        object_type="plan",
        patient=patient,
        object_id=patient.id,
    )
    return AccessEvent.objects.get(id=event.id)


def _verify() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_it_verifies_a_chain_with_caregiver_and_care_team_events(
    caregiver, patient, clinician
) -> None:
    _caregiver_event(caregiver, patient)
    access_event_record(actor=clinician, action="view", object_type="patient", patient=patient)

    assert "audit chain intact: 2 events" in _verify()


def test_it_hashes_a_blank_kind_exactly_as_before_the_field_existed(clinician, patient) -> None:
    event = access_event_record(
        actor=clinician, action="view", object_type="patient", patient=patient
    )
    event = AccessEvent.objects.get(id=event.id)
    before = audit_chain.canonical(
        seq=event.seq,
        event_id=event.id,
        actor_id=event.actor_id,
        patient_id=event.patient_id,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        request_id=event.request_id,
        ip_address=event.ip_address,
        created_at=event.created_at,
    )

    assert audit_chain.link_hash(before, audit_chain.GENESIS) == event.chain_hash


def test_it_breaks_the_chain_when_a_caregivers_kind_is_erased(caregiver, patient) -> None:
    event = _caregiver_event(caregiver, patient)
    # What a database superuser could do: skip the triggers for one session and edit.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE recovery_accessevent SET actor_kind = '' WHERE id = %s", [event.id])
        cursor.execute("SET LOCAL session_replication_role = origin")

    with pytest.raises(CommandError, match=f"seq={event.seq}"):
        call_command("verify_audit", stdout=StringIO(), stderr=StringIO())
