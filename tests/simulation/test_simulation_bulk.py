"""The simulator's bulk writer: COPY (PostgreSQL) and bulk_create (SQLite) store the same rows."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from recovery.models import CheckIn, ChecklistEntry, Patient, PlanItem
from simulation.bulk import copy_supported, objects_insert, rows_insert
from tests.factories.plans import planned_patient

pytestmark = pytest.mark.django_db

AT = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)


def _checkins(patient: Patient) -> list[CheckIn]:
    surgery = patient.surgeries.get()
    return [
        CheckIn(
            id=uuid.uuid4(),
            patient=patient,
            surgery=surgery,
            recorded_at=AT + timedelta(days=day),
            received_at=AT + timedelta(days=day, seconds=40),
            postop_day=day,
            back_pain=day % 11,
            temperature_c=37.4 if day % 2 else None,
            wound_drainage="clear" if day == 1 else None,
            pain_controlled_by_medication=True,
            flags=[{"category": "infection", "severity": "urgent", "advice": "Call us."}],
        )
        for day in range(3)
    ]


def _stored(patient: Patient) -> tuple[list, list]:
    checkins = list(
        CheckIn.objects.filter(patient=patient)
        .order_by("postop_day")
        .values_list(
            "recorded_at", "received_at", "postop_day", "back_pain", "temperature_c",
            "wound_drainage", "pain_controlled_by_medication", "notes", "flags",
        )
    )  # fmt: skip
    entries = list(
        ChecklistEntry.objects.filter(patient=patient)
        .order_by("date", "item__position")
        .values_list("item__code", "date", "kept", "note", "client_id")
    )
    return checkins, entries


def _write(patient: Patient, *, use_copy: bool) -> None:
    items = list(PlanItem.objects.filter(plan__patient=patient).order_by("position")[:3])
    rows = [
        (patient.id, item.id, date(2026, 6, 1) + timedelta(days=day), (day + n) % 2 == 0)
        for day in range(2)
        for n, item in enumerate(items)
    ]
    objects_insert(CheckIn, _checkins(patient), use_copy=use_copy)
    rows_insert(ChecklistEntry, ("patient_id", "item_id", "date", "kept"), rows, use_copy=use_copy)


@pytest.mark.skipif(not copy_supported(), reason="COPY needs PostgreSQL")
def test_it_stores_the_same_rows_with_copy_as_with_bulk_create() -> None:
    copied, created = planned_patient(), planned_patient()
    _write(copied, use_copy=True)
    _write(created, use_copy=False)
    assert _stored(copied) == _stored(created)
    assert len(_stored(copied)[1]) == 6
    for entry in ChecklistEntry.objects.filter(patient=copied):
        entry.full_clean()  # ids, timestamps and defaults were filled in as the fields would


def test_it_refuses_a_column_the_model_does_not_store() -> None:
    with pytest.raises(ValueError, match="no stored columns"):
        rows_insert(ChecklistEntry, ("patient_id", "colour"), [(1, "red")], use_copy=True)
