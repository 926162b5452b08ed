from datetime import UTC, datetime, time, timedelta

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


CHECKIN_DAYS = 30


def add_checkins(patient: Patient, count: int, *, start: datetime) -> list:
    """`count` daily check-ins from `start`; every third one has a temperature."""
    from tests.factories.checkins import CheckInFactory

    return [
        CheckInFactory(
            patient=patient,
            recorded_at=start + timedelta(days=n),
            back_pain=max(0, 7 - n // 5),
            leg_pain=None if n % 4 == 3 else 3,
            temperature_c=37.0 + (n % 3) / 10 if n % 3 == 0 else None,
        )
        for n in range(count)
    ]


@pytest.fixture
def resolved_infection_flag(operated_patient: Patient, clinician):
    """An infection flag raised by two feverish check-ins and resolved by the clinician."""
    from tests.factories.checkins import FlagFactory

    surgery = operated_patient.surgeries.get()
    opened = datetime.combine(surgery.date, time(9), tzinfo=UTC) + timedelta(days=9)
    feverish = add_checkins(operated_patient, 2, start=opened - timedelta(days=1))
    for checkin in feverish:
        checkin.temperature_c = 38.4
        checkin.wound_redness = True
        checkin.save()
    flag = FlagFactory(
        patient=operated_patient,
        facts={"temperature_c": 38.4, "wound_redness": True, "chills": False, "postop_day": 9},
        opened_at=opened,
        status="resolved",
        acknowledged_by=clinician,
        acknowledged_at=opened + timedelta(hours=1),
        resolved_by=clinician,
        resolved_at=opened + timedelta(days=2),
        resolution_outcome="antibiotics_started",
        resolution_note="Oral antibiotics; wound check in clinic.",
    )
    flag.checkins.set(feverish)
    return flag
