"""Check-in measurements as Observations; triage flags as Flag + DetectedIssue."""

import uuid
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from recovery.fhir import codes
from recovery.fhir.bundle import bundle_stream
from recovery.fhir.resources import derived_id, practitioner_id
from tests.factories import ClinicianFactory
from tests.factories.checkins import CheckInFactory, FlagFactory, FlagFindingFactory
from tests.fhir.fhir_checks import assert_valid_r4, by_type, read_stream

pytestmark = pytest.mark.django_db


def _export(patient) -> dict:
    bundle = read_stream(bundle_stream(patient.id, now=timezone.now(), bundle_id=uuid.uuid4()))
    assert_valid_r4(bundle)
    return bundle


def _codes(resource: dict, element: str = "code") -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for c in resource[element]["coding"]}


def test_it_turns_each_reported_value_into_an_observation(operated_patient) -> None:
    checkin = CheckInFactory(
        patient=operated_patient,
        recorded_at=datetime(2026, 3, 14, 8, 15, tzinfo=UTC),
        back_pain=6,
        leg_pain=2,
        temperature_c=37.8,
    )

    observations = {o["id"]: o for o in by_type(_export(operated_patient), "Observation")}
    back = observations[derived_id(checkin.id, "back_pain")]
    leg = observations[derived_id(checkin.id, "leg_pain")]
    temperature = observations[derived_id(checkin.id, "temperature_c")]

    assert (codes.LOINC, "72514-3") in _codes(back)
    assert _codes(back, "bodySite") == {(codes.SNOMED, "37822005")}
    assert _codes(leg, "bodySite") == {(codes.SNOMED, "61685007")}
    assert back["valueQuantity"] == {
        "value": 6, "unit": "score", "system": codes.UCUM, "code": "{score}"
    }  # fmt: skip
    assert (codes.LOINC, "8310-5") in _codes(temperature)
    assert temperature["valueQuantity"] == {
        "value": 37.8, "unit": "°C", "system": codes.UCUM, "code": "Cel"
    }  # fmt: skip
    assert temperature["category"][0]["coding"][0]["code"] == "vital-signs"
    assert back["effectiveDateTime"] == "2026-03-14T08:15:00Z"


def test_it_writes_no_observation_for_a_value_not_reported(operated_patient) -> None:
    checkin = CheckInFactory(
        patient=operated_patient, back_pain=4, leg_pain=None, temperature_c=None
    )

    ids = {o["id"] for o in by_type(_export(operated_patient), "Observation")}

    assert ids == {derived_id(checkin.id, "back_pain")}


def test_it_exports_a_flag_with_its_detected_issue(
    operated_patient, resolved_infection_flag, clinician
) -> None:
    bundle = _export(operated_patient)

    (flag,) = by_type(bundle, "Flag")
    (issue,) = by_type(bundle, "DetectedIssue")
    assert flag["id"] == str(resolved_infection_flag.id)
    assert flag["status"] == "inactive"
    assert flag["extension"] == [
        {"url": codes.EXT_FLAG_DETAIL, "valueReference": {"reference": f"urn:uuid:{issue['id']}"}}
    ]
    assert flag["period"] == {
        "start": resolved_infection_flag.opened_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": resolved_infection_flag.resolved_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    assert (issue["status"], issue["severity"]) == ("final", "moderate")
    assert issue["mitigation"][-1]["action"]["coding"][0]["code"] == "antibiotics_started"
    assert issue["mitigation"][-1]["author"] == {
        "reference": f"urn:uuid:{practitioner_id(clinician.pk)}"
    }


def test_it_cites_the_check_in_observations_as_evidence(
    operated_patient, resolved_infection_flag
) -> None:
    bundle = _export(operated_patient)

    (issue,) = by_type(bundle, "DetectedIssue")
    details = [ref["reference"] for e in issue["evidence"] for ref in e.get("detail", [])]
    expected = {
        f"urn:uuid:{derived_id(c.id, field)}"
        for c in resolved_infection_flag.checkins.all()
        for field in ("back_pain", "leg_pain", "temperature_c")
        if getattr(c, field) is not None
    }
    assert set(details) == expected
    findings = {c["coding"][0]["code"] for e in issue["evidence"] for c in e.get("code", [])}
    assert findings == {"temperature_c", "wound_redness", "postop_day"}  # not the absent chills


def test_it_cites_the_answers_of_every_rule_that_fired(operated_patient) -> None:
    flag = FlagFactory(patient=operated_patient, facts={"temperature_c": 38.9, "postop_day": 9})
    FlagFindingFactory(flag=flag)
    FlagFindingFactory(
        flag=flag,
        rule_id="infection.purulent_drainage",
        facts={"wound_drainage": "pus", "postop_day": 9},
    )

    (issue,) = by_type(_export(operated_patient), "DetectedIssue")

    findings = {c["coding"][0]["code"] for e in issue["evidence"] for c in e.get("code", [])}
    assert findings == {"temperature_c", "postop_day", "wound_drainage"}
    assert "infection.purulent_drainage v1" in issue["detail"]


@pytest.mark.parametrize(
    ("status", "flag_status", "issue_status"),
    [("open", "active", "preliminary"), ("dismissed", "inactive", "cancelled")],
)
def test_it_maps_the_flag_lifecycle(operated_patient, status, flag_status, issue_status) -> None:
    FlagFactory(
        patient=operated_patient,
        status=status,
        dismissed_at=timezone.now() if status == "dismissed" else None,
    )

    bundle = _export(operated_patient)

    assert by_type(bundle, "Flag")[0]["status"] == flag_status
    assert by_type(bundle, "DetectedIssue")[0]["status"] == issue_status


@pytest.mark.parametrize(
    ("severity", "expected"), [("routine", "low"), ("urgent", "moderate"), ("emergency", "high")]
)
def test_it_maps_triage_severity(operated_patient, severity, expected) -> None:
    FlagFactory(patient=operated_patient, severity=severity)

    assert by_type(_export(operated_patient), "DetectedIssue")[0]["severity"] == expected


def test_it_exports_a_resolver_who_has_left_the_team(operated_patient) -> None:
    former = ClinicianFactory()  # on another team only
    FlagFactory(
        patient=operated_patient,
        status="dismissed",
        dismissed_by=former,
        dismissed_at=timezone.now(),
        dismiss_reason="Duplicate report",
    )

    bundle = _export(operated_patient)

    assert practitioner_id(former.pk) in {p["id"] for p in by_type(bundle, "Practitioner")}
