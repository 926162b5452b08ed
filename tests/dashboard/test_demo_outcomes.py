"""`make run`'s demo-team cohort fills the outcomes page past small-cell suppression (issue 16)."""

import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.management import call_command

from recovery.dashboard.outcomes import outcomes_page
from recovery.models import Patient
from tests.factories import CareTeamFactory, ClinicianFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 17, 14, 0, tzinfo=UTC)


def test_it_gives_the_demo_team_outcomes_past_small_cell_suppression() -> None:
    team = CareTeamFactory(name="Demo Spine Team")
    nurse = ClinicianFactory(care_teams=[team])
    with time_machine.travel(NOW, tick=False):
        # The arguments scripts/run.sh gives it.
        call_command(
            "simulate_cohort", "--patients", "40", "--days", "420", "--seed", "2",
            "--team", "Demo Spine Team", "--no-progress",
            stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip
        page = outcomes_page(clinician=nurse, compare_by="approach", today=NOW.date())

    assert Patient.objects.filter(care_team=team).count() == 40
    medians = [
        row["measures"]["odi"]["score"]
        for group in page.groups
        for row in group.table["timepoints"]
        if row["timepoint"] == "3m"
    ]
    assert any(m and not m.get("suppressed") and m.get("median") is not None for m in medians)
