"""Questionnaire responses as QuestionnaireResponse, their scores as derived Observations."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from recovery.fhir import codes
from recovery.fhir.bundle import bundle_stream
from recovery.fhir.resources import derived_id
from recovery.instruments import get_instrument
from tests.factories.questionnaires import QuestionnaireResponseFactory, odi_answers
from tests.fhir.fhir_checks import assert_valid_r4, read_stream

pytestmark = pytest.mark.django_db


def _export(patient) -> dict:
    bundle = read_stream(bundle_stream(patient.id, now=timezone.now(), bundle_id=uuid.uuid4()))
    assert_valid_r4(bundle)
    return bundle


def _by_id(bundle: dict) -> dict[str, dict]:
    return {e["resource"]["id"]: e["resource"] for e in bundle["entry"]}


def test_it_exports_an_odi_response_item_by_item(operated_patient) -> None:
    response = QuestionnaireResponseFactory(
        patient=operated_patient,
        answers=odi_answers(40),
        submitted_at=datetime(2026, 3, 1, 10, tzinfo=UTC),
    )

    resource = _by_id(_export(operated_patient))[str(response.id)]

    assert resource["resourceType"] == "QuestionnaireResponse"
    assert resource["questionnaire"].endswith(f"/Questionnaire/odi|{response.instrument_version}")
    assert resource["authored"] == "2026-03-01T10:00:00Z"
    assert [i["linkId"] for i in resource["item"]] == list(get_instrument("odi").item_keys)
    assert [i["answer"][0]["valueInteger"] for i in resource["item"]] == odi_answers(40)


def test_it_derives_the_score_observation_from_the_response(operated_patient) -> None:
    response = QuestionnaireResponseFactory(patient=operated_patient, answers=odi_answers(40))

    score = _by_id(_export(operated_patient))[derived_id(response.id, "score")]

    assert response.score == Decimal("40.0")
    assert score["valueQuantity"] == {"value": 40, "unit": "%", "system": codes.UCUM, "code": "%"}
    assert score["derivedFrom"] == [{"reference": f"urn:uuid:{response.id}"}]
    assert score["code"]["coding"][0]["code"] == "odi"
    assert score["component"][0]["valueCodeableConcept"]["coding"][0]["code"] == "baseline"


def test_it_gives_each_pain_score_a_component(operated_patient) -> None:
    response = QuestionnaireResponseFactory(
        patient=operated_patient, instrument="nrs_pain", answers={"back": 6, "leg": 3}
    )

    score = _by_id(_export(operated_patient))[derived_id(response.id, "score")]

    assert score["valueQuantity"]["code"] == "{score}"
    components = {
        c["code"]["coding"][0]["code"]: c["valueQuantity"]["value"]
        for c in score["component"]
        if "valueQuantity" in c
    }
    assert components == {"nrs_pain.back": 6, "nrs_pain.leg": 3}


def test_it_exports_an_unscorable_response_without_a_score(operated_patient) -> None:
    response = QuestionnaireResponseFactory(patient=operated_patient, answers=[None] * 10)

    resources = _by_id(_export(operated_patient))

    assert response.valid is False
    assert "answer" not in resources[str(response.id)]["item"][0]
    assert derived_id(response.id, "score") not in resources
