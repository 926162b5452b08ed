"""Patients with a recovery plan, built through the same service enrollment uses."""

from datetime import date, timedelta
from typing import Any

import factory
from django.utils import timezone

from recovery.models import ChecklistEntry, ImagingResult, Patient, PatientPlan
from recovery.services.plans import plan_instantiate
from tests.factories.recovery import ClinicianFactory, PatientFactory, SurgeryFactory

# Techniques by approach family (recovery/pathways/*.yaml `techniques`).
APPROACHES = {
    "open_posterior": ("tlif", "open"),
    "mis_tlif": ("mis_tlif", "mis"),
    "lateral": ("llif", "mis"),
    "anterior": ("alif", "open"),
}


def planned_patient(
    *,
    technique: str = "tlif",
    approach: str | None = None,
    postop_day: int = 10,
    surgery_date: date | None = None,
    brace_prescribed: bool = False,
    smoking_status: str = "never",
    **patient_fields: Any,
) -> Patient:
    """A patient whose latest surgery was `postop_day` days ago (UTC today), with its plan."""
    approach = approach or ("mis" if technique in {"mis_tlif", "llif"} else "open")
    patient = PatientFactory(surgery=None, smoking_status=smoking_status, **patient_fields)
    when = surgery_date or timezone.now().date() - timedelta(days=postop_day)
    surgery = SurgeryFactory(
        patient=patient,
        date=when,
        technique=technique,
        approach=approach,
        brace_prescribed=brace_prescribed,
        discharge_date=None,
    )
    plan_instantiate(surgery=surgery)
    return patient


def plan_of(patient: Patient) -> PatientPlan:
    return PatientPlan.objects.get(patient=patient)


class ImagingResultFactory(factory.django.DjangoModelFactory):
    """A CT read as solid fusion, recorded by a clinician on the patient's team."""

    class Meta:
        model = ImagingResult

    patient = factory.SubFactory(PatientFactory)
    date = factory.LazyFunction(lambda: timezone.now().date())
    modality = ImagingResult.Modality.CT
    finding = ImagingResult.Finding.SOLID_FUSION
    recorded_by = factory.LazyAttribute(
        lambda r: ClinicianFactory(care_teams=[r.patient.care_team])
    )


class ChecklistEntryFactory(factory.django.DjangoModelFactory):
    """A patient's answer for one checklist item on one day (pass `item` from their plan)."""

    class Meta:
        model = ChecklistEntry

    patient = factory.LazyAttribute(lambda e: e.item.plan.patient)
    date = factory.LazyFunction(lambda: timezone.now().date())
    kept = True
