"""Read routing to a streaming replica (issue 23): core.db_routing with DATABASE_REPLICA_URL.

The `replica` alias here points at the primary's test database (what DATABASE_REPLICA_URL
pointing at the primary gives), through its own connection: queries are counted per
connection, so a read shows up on `replica` and a write on `default`. The tests commit
(transaction=True), because the replica connection is another session and would not see the
test's uncommitted rows, as a real replica would not.
"""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from core.db_routing import REPLICA, ReplicaRouter, use_replica
from recovery.models import CareTeam
from recovery.selectors import cohort
from tests.clock import ANALYTICS_NOW, ANALYTICS_TODAY
from tests.factories import CareTeamFactory, ClinicianFactory
from tests.factories.questionnaires import enrolled_patient, record_scores


@pytest.fixture(scope="module")
def replica(django_db_setup, django_db_blocker) -> Iterator[None]:
    """A `replica` alias on the primary's test database, as settings build it from the URL."""
    settings_dict = {**connections["default"].settings_dict, "TEST": {"MIRROR": "default"}}
    connections.settings[REPLICA] = settings_dict
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


pytestmark = [
    pytest.mark.usefixtures("replica"),
    pytest.mark.django_db(transaction=True, databases=["default", REPLICA]),
]


def queries_on(alias: str) -> CaptureQueriesContext:
    return CaptureQueriesContext(connections[alias])


def test_it_reads_on_the_replica_inside_use_replica():
    team = CareTeamFactory()
    with queries_on("default") as primary, queries_on(REPLICA) as replica, use_replica():
        assert CareTeam.objects.filter(id=team.id).exists()
    assert len(replica) == 1
    assert len(primary) == 0


def test_it_reads_on_the_primary_outside_use_replica():
    team = CareTeamFactory()
    with queries_on("default") as primary, queries_on(REPLICA) as replica:
        assert CareTeam.objects.filter(id=team.id).exists()
    assert len(primary) == 1
    assert len(replica) == 0


def test_it_keeps_writes_on_the_primary_inside_use_replica():
    with queries_on("default") as primary, queries_on(REPLICA) as replica, use_replica():
        CareTeam.objects.create(name="Written inside use_replica")
        CareTeam.objects.filter(name="Written inside use_replica").update(name="Renamed")
    assert [q["sql"].split()[0] for q in primary] == ["INSERT", "UPDATE"]
    assert len(replica) == 0


def test_it_routes_a_decorated_function_and_restores_the_primary_after_it():
    team = CareTeamFactory()

    @use_replica()
    def read() -> bool:
        return CareTeam.objects.filter(id=team.id).exists()

    with queries_on("default") as primary, queries_on(REPLICA) as replica:
        assert read()
        assert CareTeam.objects.filter(id=team.id).exists()
    assert (len(replica), len(primary)) == (1, 1)


def test_it_never_migrates_the_replica():
    router = ReplicaRouter()
    assert router.allow_migrate(REPLICA, "recovery") is False
    assert router.allow_migrate("default", "recovery") is True


@pytest.mark.clock(ANALYTICS_NOW, tick=False)
def test_it_runs_the_cohort_outcome_table_on_the_replica():
    team = CareTeamFactory()
    lead = ClinicianFactory(care_teams=[team])
    surgery = ANALYTICS_TODAY - timedelta(days=100)
    for odi in (20, 30, 40, 50, 60):
        patient = enrolled_patient(
            surgery_date=surgery, enrolled_on=surgery - timedelta(days=10), care_team=team
        )
        record_scores(patient, {"baseline": {"odi": 50, "back": 8, "leg": 5}, "3m": {"odi": odi}})

    with queries_on("default") as primary, queries_on(REPLICA) as replica:
        table = cohort.cohort_outcome_table(
            clinician=lead, filters=cohort.CohortFilters(), today=ANALYTICS_TODAY
        )
    three_months = next(r for r in table["timepoints"] if r["timepoint"] == "3m")
    assert three_months["measures"]["odi"]["score"]["median"] == 40.0  # read on the replica
    assert len(replica) > 0
    assert len(primary) == 0
