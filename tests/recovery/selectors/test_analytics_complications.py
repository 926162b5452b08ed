"""Complications and revision surgeries in the cohort table, from resolved triage flags."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from recovery.models import Flag
from recovery.selectors import cohort
from tests.factories import CareTeamFactory, ClinicianFactory
from tests.factories.questionnaires import enrolled_patient

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 2)
SURGERY = TODAY - timedelta(days=200)
RANK = {"routine": 0, "urgent": 1, "emergency": 2}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2025, 6, 2, 17, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def team():
    return CareTeamFactory()


@pytest.fixture
def lead(team):
    return ClinicianFactory(care_teams=[team])


def flag(
    patient,
    category: str,
    *,
    status: str = "resolved",
    outcome: str = "seen_in_clinic",
    day: int = 20,
    severity: str = "urgent",
) -> Flag:
    opened = datetime.combine(SURGERY + timedelta(days=day), datetime.min.time(), tzinfo=UTC)
    closed = opened + timedelta(days=2)
    return Flag.objects.create(
        patient=patient,
        category=category,
        severity=severity,
        severity_rank=RANK[severity],
        status=status,
        rule_id=f"{category}.test",
        rule_version=1,
        advice="-",
        rationale="-",
        opened_at=opened,
        updated_at=closed,
        resolved_at=closed if status == "resolved" else None,
        resolution_outcome=outcome if status == "resolved" else "",
        dismissed_at=closed if status == "dismissed" else None,
    )


def cohort_table(lead) -> dict:
    return cohort.cohort_outcome_table(clinician=lead, filters=cohort.CohortFilters(), today=TODAY)


@pytest.fixture
def patients(team):
    return [
        enrolled_patient(
            surgery_date=SURGERY, enrolled_on=SURGERY - timedelta(days=7), care_team=team
        )
        for _ in range(7)
    ]


def test_it_counts_resolved_complications_by_category(lead, patients, settings):
    settings.OUTCOMES_MIN_CELL = 1
    for patient in patients[:5]:
        flag(patient, "infection")
    flag(patients[0], "infection", day=60)  # a second episode: two flags, one patient
    flag(patients[5], "hardware_failure", outcome="reoperation")
    flag(patients[6], "infection", status="dismissed")
    flag(patients[6], "nerve_injury", status="open")
    flag(patients[6], "dvt_pe", outcome="no_problem")
    flag(patients[6], "silence", severity="routine")
    flag(patients[6], "outcome_worse", severity="routine")
    flag(patients[6], "csf_leak", day=-3)  # before this surgery
    complications = cohort_table(lead)["complications"]
    assert complications["infection"] == {"patients": 5, "flags": 6, "suppressed": False}
    assert complications["hardware_failure"] == {"patients": 1, "flags": 1, "suppressed": False}
    for category in ("nerve_injury", "dvt_pe", "csf_leak"):
        assert complications[category] == {"patients": None, "flags": None, "suppressed": True}
    assert "silence" not in complications
    assert "outcome_worse" not in complications


def test_it_counts_reoperations_as_revisions(lead, patients, settings):
    settings.OUTCOMES_MIN_CELL = 1
    flag(patients[0], "hardware_failure", outcome="reoperation")
    flag(patients[0], "pseudarthrosis", outcome="reoperation", day=150)
    flag(patients[1], "infection", outcome="reoperation")
    flag(patients[2], "infection", outcome="antibiotics_started")
    assert cohort_table(lead)["revisions"] == {"patients": 2, "flags": 3, "suppressed": False}


def test_it_suppresses_complications_in_fewer_than_five_patients(lead, patients):
    for patient in patients[:4]:
        flag(patient, "infection")
    table = cohort_table(lead)
    assert table["complications"]["infection"] == {
        "patients": None,
        "flags": None,
        "suppressed": True,
    }
    assert table["revisions"]["suppressed"] is True


def test_it_counts_only_the_clinicians_teams(lead, patients, settings):
    settings.OUTCOMES_MIN_CELL = 1
    stranger = enrolled_patient(
        surgery_date=SURGERY, enrolled_on=SURGERY, care_team=CareTeamFactory()
    )
    flag(stranger, "infection")
    assert cohort_table(lead)["complications"]["infection"]["suppressed"] is True
