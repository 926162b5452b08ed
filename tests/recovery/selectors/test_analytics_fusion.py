"""Imaging-confirmed fusion by timepoint in the cohort table (plans work: imaging, milestones)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from recovery.models import Milestone
from tests.clock import ANALYTICS_NOW, ANALYTICS_TODAY
from tests.factories.plans import ImagingResultFactory, plan_of, planned_patient

# The clock is frozen at ANALYTICS_NOW; `team` and `lead` come from this folder's conftest.
pytestmark = [pytest.mark.django_db, pytest.mark.clock(ANALYTICS_NOW, tick=False)]

URL = "/api/v1/care/outcomes/"
TODAY = ANALYTICS_TODAY
SURGERY = TODAY - timedelta(days=400)  # past the 12-month target (day 365), not 24 months


def imaging(patient, lead, *, day: int, finding: str = "solid_fusion") -> None:
    ImagingResultFactory(
        patient=patient, date=SURGERY + timedelta(days=day), finding=finding, recorded_by=lead
    )


@pytest.fixture
def six_patients(team, lead):
    patients = [planned_patient(care_team=team, surgery_date=SURGERY) for _ in range(6)]
    imaging(patients[0], lead, day=300)
    Milestone.objects.filter(plan=plan_of(patients[1]), code="solid_fusion").update(
        status="achieved", achieved_on=SURGERY + timedelta(days=200)
    )
    imaging(patients[2], lead, day=100)
    imaging(patients[3], lead, day=300, finding="suspected_nonunion")
    imaging(patients[4], lead, day=-30)  # before this surgery: not this fusion
    return patients


def fusion(api, lead) -> dict[str, dict]:
    rows = api(lead).get(URL).data["timepoints"]
    return {row["timepoint"]: row.get("fusion") for row in rows}


def test_it_counts_fusion_confirmed_by_each_target_day(api, lead, six_patients):
    by_timepoint = fusion(api, lead)
    assert by_timepoint["baseline"] is None
    assert by_timepoint["3m"] == {"n": 6, "share": 0.0, "suppressed": False}
    # By day 180 only the day-100 CT; by day 365 also the day-300 CT and the day-200 milestone.
    assert by_timepoint["6m"]["share"] == pytest.approx(1 / 6)
    assert by_timepoint["12m"] == {"n": 6, "share": 0.5, "suppressed": False}


def test_it_suppresses_fusion_for_too_few_patients_past_the_target(api, lead, six_patients):
    assert fusion(api, lead)["24m"] == {"n": None, "share": None, "suppressed": True}
