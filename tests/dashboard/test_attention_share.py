"""The attention list on `make run`'s simulated cohort (issue 16): at most 20% listed."""

import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.management import call_command

from recovery.models import CareTeamMembership, Patient
from recovery.selectors.worklist import worklist

pytestmark = pytest.mark.django_db

# A normal weekday afternoon; the cohort is the one scripts/run.sh simulates.
NOW = datetime(2026, 6, 17, 14, 0, tzinfo=UTC)
PATIENTS, DAYS, SEED = 30, 60, 1
MAX_SHARE = 0.20


def test_it_lists_at_most_a_fifth_of_the_simulated_cohort() -> None:
    with time_machine.travel(NOW, tick=False):
        call_command(
            "simulate_cohort",
            "--patients", str(PATIENTS), "--days", str(DAYS), "--seed", str(SEED),
            "--no-progress", stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip
        membership = CareTeamMembership.objects.select_related("user").first()
        data = worklist(clinician=membership.user, team=None, severity=None, category=None, now=NOW)

    total = Patient.objects.filter(care_team_id=membership.team_id).count()
    assert total == PATIENTS
    assert len(data.attention) <= MAX_SHARE * total, [a.reasons for a in data.attention]
