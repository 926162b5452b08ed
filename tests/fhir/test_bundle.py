"""The bundle as a whole: validity, references between entries, plan, streaming and budget."""

import json
import uuid
from datetime import date, timedelta

import pytest
from django.utils import timezone

from recovery.fhir import bundle as fhir_bundle
from recovery.fhir.bundle import bundle_json_chunks, bundle_stream
from recovery.models import Milestone, PatientPlan
from tests.fhir.fhir_checks import assert_valid_r4, by_type, read_stream

pytestmark = pytest.mark.django_db


def _export(patient, now=None) -> dict:
    now = now or timezone.now()
    return read_stream(bundle_stream(patient.id, now=now, bundle_id=uuid.uuid4()))


def _one(bundle: dict, resource_type: str) -> dict:
    (resource,) = by_type(bundle, resource_type)
    return resource


def _ref(resource: dict) -> dict:
    return {"reference": f"urn:uuid:{resource['id']}"}


def test_it_links_procedure_encounter_devices_and_team(operated_patient, clinician) -> None:
    bundle = _export(operated_patient)
    assert_valid_r4(bundle)

    patient = _one(bundle, "Patient")
    procedure = _one(bundle, "Procedure")
    team = _one(bundle, "CareTeam")
    (practitioner,) = by_type(bundle, "Practitioner")
    assert procedure["subject"] == _ref(patient)
    assert procedure["encounter"] == _ref(_one(bundle, "Encounter"))
    assert [d["manipulated"] for d in procedure["focalDevice"]] == [
        _ref(device) for device in by_type(bundle, "Device")
    ]
    assert team["subject"] == _ref(patient)
    assert team["participant"][0]["member"] == _ref(practitioner)


def test_it_exports_the_plan_as_a_care_plan_with_goals(operated_patient) -> None:
    bundle = _export(operated_patient)
    assert_valid_r4(bundle)

    plan = PatientPlan.objects.get(patient=operated_patient)
    care_plan = _one(bundle, "CarePlan")
    goals = by_type(bundle, "Goal")
    assert care_plan["id"] == str(plan.id)
    assert care_plan["careTeam"] == [_ref(_one(bundle, "CareTeam"))]
    assert care_plan["goal"] == [_ref(goal) for goal in goals]
    assert len(goals) == plan.milestones.count()
    assert len(care_plan["activity"]) == plan.items.filter(retired_at__isnull=True).count()


def test_it_marks_prohibitions_as_do_not_perform(operated_patient) -> None:
    activities = [a["detail"] for a in _one(_export(operated_patient), "CarePlan")["activity"]]
    by_code = {a["code"]["coding"][0]["code"]: a for a in activities}

    assert by_code["no_driving"]["doNotPerform"] is True
    assert by_code["no_driving"]["code"]["text"] == "Driving"
    assert by_code["lifting_limit"]["doNotPerform"] is False


def test_it_reports_milestone_achievement(operated_patient) -> None:
    milestone = Milestone.objects.filter(plan__patient=operated_patient).first()
    milestone.status = Milestone.Status.ACHIEVED
    milestone.achieved_on = date.today() - timedelta(days=1)
    milestone.save()

    goals = by_type(_export(operated_patient), "Goal")
    goal = next(g for g in goals if g["id"] == str(milestone.id))

    assert goal["lifecycleStatus"] == "completed"
    assert goal["achievementStatus"]["coding"][0]["code"] == "achieved"
    assert goal["statusDate"] == milestone.achieved_on.isoformat()
    assert goal["target"] == [{"dueDate": milestone.target_date_max.isoformat()}]


def test_it_exports_the_same_ids_every_time(operated_patient) -> None:
    first, second = _export(operated_patient), _export(operated_patient)

    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in second["entry"]]


def test_it_streams_in_chunks_that_join_into_one_document(monkeypatch) -> None:
    monkeypatch.setattr(fhir_bundle, "CHUNK_BYTES", 100)
    resources = [{"resourceType": "Basic", "id": str(uuid.uuid4())} for _ in range(20)]

    chunks = list(bundle_json_chunks(resources, bundle_id=uuid.uuid4(), timestamp=timezone.now()))

    assert len(chunks) > 5
    assert [e["resource"] for e in json.loads("".join(chunks))["entry"]] == resources
