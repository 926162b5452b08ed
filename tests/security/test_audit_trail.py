"""The access trail is append-only in PostgreSQL and hash-chained (`verify_audit`)."""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from recovery.models import AccessEvent
from recovery.services.audit import access_event_record, access_events_record_list
from recovery.services.privacy import patient_erase
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


def _record(actor, patient, n: int = 1) -> list[AccessEvent]:
    return [
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.VIEW,
            object_type="patient",
            patient=patient,
            object_id=patient.id,
        )
        for _ in range(n)
    ]


def _verify() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out, stderr=StringIO())
    return out.getvalue()


def _sql(statement: str, params: list[object]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE recovery_accessevent SET object_type = 'nothing' WHERE id = %s",
        "DELETE FROM recovery_accessevent WHERE id = %s",
    ],
)
def test_it_refuses_update_and_delete_in_the_database(clinician, patient, statement) -> None:
    [event] = _record(clinician, patient)

    with pytest.raises(DatabaseError, match="append-only"):
        _sql(statement, [event.id])

    assert AccessEvent.objects.filter(id=event.id, object_type="patient").exists()


def test_it_chains_each_event_to_the_previous_one(clinician, patient) -> None:
    _record(clinician, patient, 3)
    access_events_record_list(actor=clinician, patients=[patient] * 3, object_type="worklist")

    rows = list(AccessEvent.objects.order_by("seq").values_list("seq", "chain_hash"))
    assert [seq for seq, _ in rows] == [1, 2, 3, 4, 5, 6]
    assert all(len(digest) == 64 for _, digest in rows)
    assert len({digest for _, digest in rows}) == 6


def test_it_verifies_an_intact_chain(clinician, patient) -> None:
    _record(clinician, patient, 3)

    assert "audit chain intact: 3 events" in _verify()


def test_it_verifies_events_with_an_address_and_a_request_id(clinician, patient, rf) -> None:
    request = rf.get("/", REMOTE_ADDR="2001:db8::7")
    request.request_id = "req-12345678"
    access_event_record(
        actor=clinician, action="view", object_type="patient", patient=patient, request=request
    )

    assert "audit chain intact: 1 events" in _verify()


def test_it_records_a_list_page_as_one_event_per_patient_in_the_order_shown(clinician, rf) -> None:
    patients = PatientFactory.create_batch(3)
    request = rf.get("/", REMOTE_ADDR="2001:db8::9")
    request.request_id = "req-list-0001"

    access_events_record_list(
        actor=clinician, patients=patients, object_type="worklist", request=request
    )

    rows = list(
        AccessEvent.objects.order_by("seq").values_list(
            "patient_id", "object_id", "actor_id", "action", "object_type", "request_id",
            "ip_address",
        )
    )  # fmt: skip
    assert rows == [
        (p.id, str(p.id), clinician.id, "list", "worklist", "req-list-0001", "2001:db8::9")
        for p in patients
    ]


def test_it_verifies_a_chain_of_list_events(clinician, rf) -> None:
    request = rf.get("/", REMOTE_ADDR="192.0.2.4")
    request.request_id = "req-list-0002"
    access_events_record_list(
        actor=clinician, patients=PatientFactory.create_batch(4), object_type="worklist",
        request=request,
    )  # fmt: skip

    assert "audit chain intact: 4 events" in _verify()


def test_it_refuses_to_let_a_caller_set_the_patient_of_a_list_event(clinician, patient) -> None:
    with pytest.raises(TypeError, match="object_id"):
        AccessEvent.objects.insert_per_patient(
            patient_ids=[patient.id], actor_id=clinician.id, action="list", object_id="x"
        )


def test_it_records_nothing_for_an_empty_list(clinician) -> None:
    access_events_record_list(actor=clinician, patients=[], object_type="worklist")

    assert not AccessEvent.objects.exists()


def _tamper(statement: str, params: list[object]) -> None:
    # What a database superuser could do: skip the triggers for one session, edit, restore.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(statement, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ("UPDATE recovery_accessevent SET object_type = 'worklist' WHERE id = %s", "hash"),
        ("DELETE FROM recovery_accessevent WHERE id = %s", "sequence jumps"),
    ],
)
def test_it_reports_the_first_tampered_event(clinician, patient, statement, reason) -> None:
    events = _record(clinician, patient, 4)
    target = AccessEvent.objects.get(id=events[1].id)
    _tamper(statement, [target.id])
    err = StringIO()

    with pytest.raises(CommandError, match="seq="):
        call_command("verify_audit", stdout=StringIO(), stderr=err)

    first = err.getvalue().splitlines()[0]
    assert reason in first
    expected_seq = target.seq if reason == "hash" else target.seq + 1
    assert f"seq={expected_seq} " in first


def test_it_exits_non_zero_on_a_broken_chain(clinician, patient) -> None:
    [event] = _record(clinician, patient)
    _tamper("UPDATE recovery_accessevent SET ip_address = '10.0.0.9' WHERE id = %s", [event.id])

    with pytest.raises(CommandError) as failure:
        call_command("verify_audit", stdout=StringIO(), stderr=StringIO())

    assert failure.value.returncode == 1


def test_it_ignores_a_seq_or_hash_chosen_by_the_writer(clinician, patient) -> None:
    _record(clinician, patient)
    forged = AccessEvent(
        actor=clinician, action="view", object_type="patient", seq=99, chain_hash="f" * 64
    )
    forged.save()

    assert list(AccessEvent.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2]
    assert "intact" in _verify()


def test_it_keeps_the_trail_through_erasure(clinician, patient, staff) -> None:
    _record(clinician, patient, 2)

    patient_erase(patient=patient, actor=staff)

    assert AccessEvent.objects.filter(patient=patient).count() == 3
    assert "audit chain intact: 3 events" in _verify()


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_chain_linear_under_concurrent_writers() -> None:
    actor = UserFactory()
    patient = PatientFactory()
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def write() -> None:
        try:
            start.wait()
            for _ in range(10):
                with transaction.atomic():
                    _record(actor, patient)
        except BaseException as exc:  # reported below; a thread must not die silently
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert "audit chain intact: 40 events" in _verify()


@pytest.mark.django_db(transaction=True)
def test_it_chains_events_recorded_before_the_migration() -> None:
    from django.db.migrations.executor import MigrationExecutor

    before = [("recovery", "0008_break_glass")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    actor = UserFactory()
    for n in range(5):
        old_apps.get_model("recovery", "AccessEvent").objects.create(
            actor_id=actor.id, action="view", object_type="patient", object_id=str(n)
        )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    access_event_record(actor=actor, action="view", object_type="patient")

    assert "audit chain intact: 6 events" in _verify()
