"""Setup shared by the cohort analytics tests (test_analytics_*): one care team and its lead.

The modules freeze the clock with `pytest.mark.clock(ANALYTICS_NOW, tick=False)` (tests/clock.py)
and compute their dates from `ANALYTICS_TODAY`. Nothing here is autouse, so other selector tests
in this folder are unaffected.
"""

import pytest

from tests.factories import CareTeamFactory, ClinicianFactory


@pytest.fixture
def team():
    return CareTeamFactory()


@pytest.fixture
def lead(team):
    """A nurse on `team`: the clinician who reads the team's cohort table."""
    return ClinicianFactory(care_teams=[team])
