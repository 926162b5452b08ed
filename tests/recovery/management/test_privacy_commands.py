import io
import json

import pytest
from django.core.management import CommandError, call_command

from recovery.models import AccessEvent, Patient

pytestmark = pytest.mark.django_db


def _export(patient, staff) -> dict:
    out = io.StringIO()
    call_command("export_patient", str(patient.id), "--actor", staff.username, stdout=out)
    return json.loads(out.getvalue())


def test_it_exports_the_patient_and_their_surgery(patient, staff) -> None:
    records = _export(patient, staff)["records"]
    assert records["recovery.Patient"][0]["first_name"] == patient.first_name
    assert len(records["recovery.Surgery"]) == 1


def test_it_audits_an_export(patient, staff) -> None:
    _export(patient, staff)
    assert AccessEvent.objects.filter(patient=patient, action="export", actor=staff).exists()


def test_it_exports_nothing_of_another_patient(patient, other_patient, staff) -> None:
    text = json.dumps(_export(patient, staff))
    assert str(other_patient.id) not in text


def test_it_refuses_an_export_by_a_non_staff_user(patient, clinician) -> None:
    with pytest.raises(CommandError, match="staff"):
        _export(patient, clinician)


def test_it_pseudonymises_a_patient_and_keeps_the_clinical_record(patient, staff) -> None:
    born = patient.date_of_birth
    call_command(
        "erase_patient", str(patient.id), "--actor", staff.username, "--yes", stdout=io.StringIO()
    )
    patient = Patient.objects.get(id=patient.id)
    assert (patient.first_name, patient.last_name, patient.email) == ("erased", "erased", "")
    assert (patient.date_of_birth.year, patient.date_of_birth.month) == (born.year, 1)
    assert patient.surgeries.count() == 1
    assert not patient.user.is_active and not patient.user.has_usable_password()


def test_it_keeps_the_audit_trail_and_records_the_erasure(patient, clinician, staff) -> None:
    AccessEvent.objects.create(actor=clinician, patient=patient, action="view", object_type="p")
    call_command(
        "erase_patient", str(patient.id), "--actor", staff.username, "--yes", stdout=io.StringIO()
    )
    actions = set(AccessEvent.objects.filter(patient=patient).values_list("object_type", flat=True))
    assert actions == {"p", "patient_erasure"}


def test_it_refuses_to_erase_without_confirmation(patient, staff) -> None:
    with pytest.raises(CommandError, match="--yes"):
        call_command("erase_patient", str(patient.id), "--actor", staff.username)
