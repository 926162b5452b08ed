from datetime import UTC, datetime

import pytest

from recovery.models import Patient
from recovery.services.plans import plan_instantiate

IMPLANTS = [
    {"type": "pedicle_screw", "manufacturer": "Acme Spine", "size": "6.5 x 45 mm"},
    {"type": "interbody_cage", "manufacturer": "Acme Spine", "model": "TL-12", "material": "PEEK"},
]


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 3, 20, 15, 30, tzinfo=UTC)


@pytest.fixture
def operated_patient(patient: Patient) -> Patient:
    """`patient` with implants, instrumentation and a brace recorded on their surgery."""
    surgery = patient.surgeries.get()
    surgery.implants = IMPLANTS
    surgery.instrumentation = "Bilateral pedicle screws and rods"
    surgery.graft = "Local autograft"
    surgery.brace_prescribed = True
    surgery.save()
    plan_instantiate(surgery=surgery)
    return patient
