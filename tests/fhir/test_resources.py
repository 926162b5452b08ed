"""Pure builders: rows in, resource dicts out (no database needed for most)."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from recovery.fhir import codes
from recovery.fhir import resources as fr
from recovery.models import Patient, Surgery
from tests.fhir.conftest import IMPLANTS

TODAY = date(2026, 3, 20)


def _surgery(**overrides) -> Surgery:
    fields = {
        "date": date(2026, 3, 10),
        "levels": "L3-L4",
        "indication": "spondylolisthesis",
        "approach": "open",
        "technique": "tlif",
        "discharge_date": date(2026, 3, 13),
    }
    return Surgery(**{**fields, **overrides})


PATIENT = Patient(first_name="Ana", last_name="Ruiz", date_of_birth=date(1961, 4, 2), sex="female")


@pytest.mark.parametrize(
    ("surgery_date", "status", "performed"),
    [(date(2026, 3, 10), "completed", "2026-03-10"), (date(2026, 4, 1), "preparation", None)],
)
def test_it_marks_a_future_surgery_as_in_preparation(surgery_date, status, performed) -> None:
    procedure = fr.procedure_resource(PATIENT, _surgery(date=surgery_date), TODAY)

    assert procedure["status"] == status
    assert procedure.get("performedDateTime") == performed


@pytest.mark.parametrize(
    ("surgery_date", "discharge", "status"),
    [
        (date(2026, 4, 1), None, "planned"),
        (date(2026, 3, 18), None, "in-progress"),
        (date(2026, 3, 18), date(2026, 3, 21), "in-progress"),
        (date(2026, 3, 10), date(2026, 3, 13), "finished"),
    ],
)
def test_it_derives_the_hospital_stay_status(surgery_date, discharge, status) -> None:
    encounter = fr.encounter_resource(
        PATIENT, _surgery(date=surgery_date, discharge_date=discharge), TODAY
    )

    assert encounter["status"] == status


def test_it_codes_technique_approach_indication_and_each_level() -> None:
    procedure = fr.procedure_resource(PATIENT, _surgery(levels="L3-L4,L4-L5"), TODAY)

    assert procedure["code"]["coding"][0]["code"] == "tlif"
    assert procedure["extension"][0]["url"] == codes.EXT_PROCEDURE_METHOD
    assert procedure["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == "open"
    assert procedure["reasonCode"][0]["coding"][0]["code"] == "spondylolisthesis"
    assert [site["coding"][0]["code"] for site in procedure["bodySite"]] == ["L3-L4", "L4-L5"]


def test_it_maps_implant_keys_to_device_elements() -> None:
    pedicle, cage = fr.device_resources(PATIENT, _surgery(implants=IMPLANTS))

    assert pedicle["type"]["coding"][0]["code"] == "pedicle_screw"
    assert pedicle["manufacturer"] == "Acme Spine"
    assert pedicle["property"][0]["valueCode"][0]["text"] == "6.5 x 45 mm"
    assert cage["modelNumber"] == "TL-12"
    assert cage["note"] == [{"text": "material: PEEK"}]


def test_it_skips_implant_entries_that_are_not_objects() -> None:
    assert fr.device_resources(PATIENT, _surgery(implants=["screw", None])) == []


def test_it_references_each_implant_from_the_procedure() -> None:
    surgery = _surgery(implants=IMPLANTS)
    procedure = fr.procedure_resource(PATIENT, surgery, TODAY)
    devices = fr.device_resources(PATIENT, surgery)

    assert [d["manipulated"] for d in procedure["focalDevice"]] == [
        fr.ref(device["id"]) for device in devices
    ]


def test_it_derives_the_same_ids_on_every_export() -> None:
    surgery = _surgery(implants=IMPLANTS)

    assert fr.device_resources(PATIENT, surgery) == fr.device_resources(PATIENT, surgery)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("40.0"), 40), (Decimal("12.5"), 12.5), (7, 7), (38.4, 38.4)],
)
def test_it_writes_whole_numbers_as_integers(value, expected) -> None:
    result = fr.number(value)

    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("first", "last", "name"),
    [
        ("Sam", "Lee", {"text": "Sam Lee", "family": "Lee", "given": ["Sam"]}),
        ("", "", {"text": "nurse.sam"}),
    ],
)
def test_it_names_a_practitioner_or_falls_back_to_the_username(first, last, name) -> None:
    user = SimpleNamespace(
        pk=7, first_name=first, last_name=last, is_active=True, get_username=lambda: "nurse.sam"
    )

    assert fr.practitioner_resource(user)["name"] == [name]


@pytest.mark.parametrize(
    ("start", "end", "lifted", "day", "status"),
    [
        (15, 42, False, 10, "not-started"),
        (15, 42, False, 15, "in-progress"),
        (15, 42, False, 42, "in-progress"),
        (15, None, False, 400, "in-progress"),
        (15, 42, False, 43, "completed"),
        (15, 20, True, 30, "stopped"),
    ],
)
def test_it_derives_an_activity_status_from_the_post_op_day(
    start, end, lifted, day, status
) -> None:
    item = SimpleNamespace(start_day=start, effective_end_day=end, lifted_at=lifted or None)

    assert fr.activity_status(item, day) == status


@pytest.mark.parametrize(
    ("kind", "code", "title", "prohibited"),
    [
        ("restriction", "no_blt", "No bending, lifting or twisting at the waist", True),
        ("restriction", "no_driving", "Don't drive yet", True),
        ("restriction", "driving_not_on_opioids", "Never drive after taking opioids", True),
        # Softened or permissive wording of the same codes is not a prohibition.
        ("restriction", "no_blt", "Avoid heavy or repeated bending, lifting and twisting", False),
        ("restriction", "driving_not_on_opioids", "You may drive again, but never ...", False),
        # A limit is an instruction to follow, not an activity to avoid.
        ("restriction", "lifting_limit", "Don't lift more than 10 lb (4.5 kg)", False),
        ("task", "no_blt", "No bending", False),
    ],
)
def test_it_sets_do_not_perform_only_for_outright_prohibitions(
    kind, code, title, prohibited
) -> None:
    item = SimpleNamespace(kind=kind, code=code, title=title)

    assert fr.is_prohibition(item) is prohibited


def test_it_names_the_prohibited_activity_not_the_prohibition() -> None:
    item = SimpleNamespace(
        kind="restriction",
        code="no_driving",
        title="Don't drive",
        start_day=0,
        effective_end_day=42,
        lifted_at=None,
    )

    detail = fr.care_plan_activity(item, date(2026, 3, 10), 5)["detail"]

    assert detail["doNotPerform"] is True
    assert detail["code"]["text"] == "Driving"
    assert detail["description"] == "Don't drive"
    assert detail["scheduledPeriod"] == {"start": "2026-03-10", "end": "2026-04-21"}


@pytest.mark.parametrize(
    ("answers", "keys", "items"),
    [
        (
            [0, None, 5],
            ["pain_intensity", "personal_care", "lifting"],
            [
                {"linkId": "pain_intensity", "answer": [{"valueInteger": 0}]},
                {"linkId": "personal_care"},
                {"linkId": "lifting", "answer": [{"valueInteger": 5}]},
            ],
        ),
        (
            {"back": 6, "leg": 3},
            None,
            [
                {"linkId": "back", "answer": [{"valueInteger": 6}]},
                {"linkId": "leg", "answer": [{"valueInteger": 3}]},
            ],
        ),
        ([4], [], [{"linkId": "1", "answer": [{"valueInteger": 4}]}]),
        ("unexpected", None, []),
    ],
)
def test_it_turns_stored_answers_into_response_items(answers, keys, items) -> None:
    assert fr.questionnaire_items(answers, keys) == items


def test_it_names_local_code_systems_under_the_configured_base(settings) -> None:
    settings.FHIR_SYSTEM_BASE = "https://fhir.example.org/"

    assert codes.local_system("spinal-level") == "https://fhir.example.org/CodeSystem/spinal-level"
