"""The export reads a fixed number of queries, however long the record is."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from recovery.models import CareTeamMembership
from tests.factories import ClinicianFactory
from tests.factories.questionnaires import QuestionnaireResponseFactory
from tests.fhir.conftest import add_checkins
from tests.fhir.fhir_checks import by_type, read_stream

pytestmark = pytest.mark.django_db

# The record: patient, surgeries, team, plans, items, milestones, flags, flag check-ins,
# flag findings, check-ins, questionnaire responses, wound photos = 12. The endpoint adds
# scope (3) and the audit row (1); the command its patient lookup, the --actor lookup and the
# audit row.
ENDPOINT_BUDGET = 16
COMMAND_BUDGET = 15


def _grow(patient, size: int) -> None:
    """A longer record: more check-ins, team members, implants and questionnaires."""
    add_checkins(patient, size, start=timezone.now() - timedelta(days=size))
    timepoints = ["baseline", "6w", "3m", "6m", "12m", "24m"]
    for timepoint in timepoints[: min(size, len(timepoints))]:
        QuestionnaireResponseFactory(patient=patient, timepoint=timepoint)
    ClinicianFactory.create_batch(
        size, care_teams=[patient.care_team], care_teams__role=CareTeamMembership.Role.SURGEON
    )
    surgery = patient.surgeries.get()
    surgery.implants = [{"type": "pedicle_screw", "size": f"{n}"} for n in range(size)]
    surgery.save()


@pytest.mark.parametrize("size", [5, 200])
def test_it_keeps_the_endpoint_query_count_flat(
    api, operated_patient, resolved_infection_flag, clinician, django_assert_max_num_queries, size
) -> None:
    _grow(operated_patient, size)
    client = api(clinician)

    with django_assert_max_num_queries(ENDPOINT_BUDGET):
        response = client.get(f"/api/v1/care/patients/{operated_patient.id}/fhir/")
        bundle = read_stream(response.streaming_content)

    assert len(by_type(bundle, "Observation")) > size


@pytest.mark.parametrize("size", [5, 200])
def test_it_keeps_the_command_query_count_flat(
    operated_patient, resolved_infection_flag, django_assert_max_num_queries, size
) -> None:
    _grow(operated_patient, size)
    actor = ClinicianFactory()
    out = StringIO()

    with django_assert_max_num_queries(COMMAND_BUDGET):
        call_command(
            "export_fhir",
            str(operated_patient.id),
            "--actor",
            actor.username,
            stdout=out,
            stderr=StringIO(),
        )

    assert len(by_type(json.loads(out.getvalue()), "Observation")) > size
