"""Complications and revision surgeries in the cohort table, from resolved triage flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from recovery.models import Flag
from recovery.selectors import cohort
from tests.clock import ANALYTICS_NOW, ANALYTICS_TODAY
from tests.factories import CareTeamFactory
from tests.factories.checkins import FlagFactory
from tests.factories.questionnaires import enrolled_patient

# The clock is frozen at ANALYTICS_NOW; `team` and `lead` come from this folder's conftest.
pytestmark = [pytest.mark.django_db, pytest.mark.clock(ANALYTICS_NOW, tick=False)]

TODAY = ANALYTICS_TODAY
SURGERY = TODAY - timedelta(days=200)


def flag(
    patient,
    category: str,
    *,
    status: str = "resolved",
    outcome: str = "seen_in_clinic",
    day: int = 20,
    severity: str = "urgent",
) -> Flag:
    """A flag opened on postoperative `day` and closed (when it is) two days later."""
    opened = datetime.combine(SURGERY + timedelta(days=day), datetime.min.time(), tzinfo=UTC)
    return FlagFactory(
        patient=patient,
        category=category,
        severity=severity,
        status=status,
        opened_at=opened,
        updated_at=opened + timedelta(days=2),
        resolution_outcome=outcome if status == "resolved" else "",
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
