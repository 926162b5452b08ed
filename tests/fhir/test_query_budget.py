"""The export reads a fixed number of queries, however long the record is."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from recovery.models import CareTeamMembership
from tests.factories import ClinicianFactory
from tests.fhir.fhir_checks import read_stream

pytestmark = pytest.mark.django_db

ENDPOINT_BUDGET = 10  # scope 3, audit 1, record 6
COMMAND_BUDGET = 7  # patient lookup 1, record 6


def _grow(patient, size: int) -> None:
    """A longer record: more team members and more implants."""
    ClinicianFactory.create_batch(
        size, care_teams=[patient.care_team], care_teams__role=CareTeamMembership.Role.SURGEON
    )
    surgery = patient.surgeries.get()
    surgery.implants = [{"type": "pedicle_screw", "size": f"{n}"} for n in range(size)]
    surgery.save()


@pytest.mark.parametrize("size", [5, 200])
def test_it_keeps_the_endpoint_query_count_flat(
    api, operated_patient, clinician, django_assert_max_num_queries, size
) -> None:
    _grow(operated_patient, size)
    client = api(clinician)

    with django_assert_max_num_queries(ENDPOINT_BUDGET):
        response = client.get(f"/api/v1/care/patients/{operated_patient.id}/fhir/")
        bundle = read_stream(response.streaming_content)

    assert len(bundle["entry"]) > size


@pytest.mark.parametrize("size", [5, 200])
def test_it_keeps_the_command_query_count_flat(
    operated_patient, django_assert_max_num_queries, size
) -> None:
    _grow(operated_patient, size)
    out = StringIO()

    with django_assert_max_num_queries(COMMAND_BUDGET):
        call_command("export_fhir", str(operated_patient.id), stdout=out, stderr=StringIO())

    assert len(json.loads(out.getvalue())["entry"]) > size
