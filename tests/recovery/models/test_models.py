from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from recovery.models import AccessEvent
from recovery.models.audit import AppendOnlyError
from tests.factories import PatientFactory, SurgeryFactory

pytestmark = pytest.mark.django_db


def _violates(**kwargs: object) -> bool:
    try:
        with transaction.atomic():
            SurgeryFactory(**kwargs)
    except IntegrityError:
        return True
    return False


def test_it_refuses_a_discharge_before_the_surgery() -> None:
    assert _violates(discharge_date=SurgeryFactory.build().date - timedelta(days=1))


def test_it_refuses_mis_tlif_with_the_open_approach() -> None:
    assert _violates(technique="mis_tlif", approach="open")


def test_it_refuses_open_tlif_labelled_minimally_invasive() -> None:
    assert _violates(technique="tlif", approach="mis")


def test_it_refuses_an_unknown_technique() -> None:
    assert _violates(technique="laser")


def test_it_accepts_a_lateral_fusion_as_minimally_invasive() -> None:
    assert not _violates(technique="llif", approach="mis")


def test_it_refuses_a_quit_date_for_a_current_smoker() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        PatientFactory(smoking_status="current", smoking_quit_date="2020-01-01")


def test_it_refuses_an_implausible_hba1c() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        PatientFactory(diabetes=True, hba1c=45)


def test_it_keeps_patient_names_out_of_its_string_form() -> None:
    patient = PatientFactory(first_name="Ana", last_name="Ruiz")
    assert "Ana" not in str(patient) and "Ruiz" not in str(patient)


def test_it_refuses_to_update_an_access_event(clinician, patient) -> None:
    event = AccessEvent.objects.create(
        actor=clinician, patient=patient, action="view", object_type="patient"
    )
    event.action = "update"
    with pytest.raises(AppendOnlyError):
        event.save()


def test_it_refuses_to_delete_access_events(clinician, patient) -> None:
    AccessEvent.objects.create(actor=clinician, patient=patient, action="view", object_type="x")
    with pytest.raises(AppendOnlyError):
        AccessEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AccessEvent.objects.filter(patient=patient).update(action="list")
