"""python manage.py export_fhir PATIENT_ID --actor USERNAME [--output FILE]."""

import json
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from recovery.models import AccessEvent
from tests.factories import UserFactory
from tests.fhir.fhir_checks import assert_valid_r4, by_type

pytestmark = pytest.mark.django_db


def _export(*args: str) -> str:
    out = StringIO()
    call_command("export_fhir", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def exporter(db):
    return UserFactory(is_staff=True)


def test_it_writes_a_valid_bundle_to_stdout(operated_patient, exporter) -> None:
    bundle = json.loads(_export(str(operated_patient.id), "--actor", exporter.username))

    assert_valid_r4(bundle)
    assert by_type(bundle, "Patient")[0]["id"] == str(operated_patient.id)


def test_it_writes_to_a_file(operated_patient, exporter, tmp_path) -> None:
    target = tmp_path / "bundle.json"

    assert _export(str(operated_patient.id), "--actor", exporter.username, "-o", str(target)) == ""
    assert_valid_r4(json.loads(target.read_text(encoding="utf-8")))


@pytest.mark.parametrize("patient_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_it_refuses_an_unknown_patient(exporter, patient_id) -> None:
    with pytest.raises(CommandError, match="No patient"):
        _export(patient_id, "--actor", exporter.username)


def test_it_records_the_actor_in_the_audit_trail(operated_patient, clinician) -> None:
    bundle = json.loads(_export(str(operated_patient.id), "--actor", clinician.username))

    event = AccessEvent.objects.get(action=AccessEvent.Action.EXPORT)
    assert (event.actor, event.patient, event.object_id) == (
        clinician,
        operated_patient,
        bundle["id"],
    )


def test_it_refuses_an_unknown_actor(operated_patient) -> None:
    with pytest.raises(CommandError, match="No user"):
        _export(str(operated_patient.id), "--actor", "nobody")


def test_it_refuses_an_export_without_an_actor(operated_patient) -> None:
    with pytest.raises(CommandError, match="--actor"):
        _export(str(operated_patient.id))

    assert not AccessEvent.objects.exists()
