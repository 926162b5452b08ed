"""What a client generator reads in the schema (issue 18): required outputs, named enums, typed
properties, per-instrument answers, required request bodies."""

import keyword
from collections.abc import Iterator
from typing import Any

import pytest

from core.schema import enum_varnames

# Patient-facing responses may hold a free-form object only with a reason written here.
FREE_FORM_ALLOWED = {
    # DRF nests the messages of nested inputs ({"surgery": {"date": [...]}}, a list per item).
    "ErrorExtra.fields": "per-field messages, nested like the input they describe",
    # Scoring diagnostics differ by scoring method (missing items, raw sum, band, reason);
    # apps show `score`, `scores` and `reason`, all typed.
    "NrsPainQuestionnaireResponseOutput.details": "scoring diagnostics, by scoring method",
    "OdiQuestionnaireResponseOutput.details": "scoring diagnostics, by scoring method",
    "PromisPfQuestionnaireResponseOutput.details": "scoring diagnostics, by scoring method",
}
# Response properties a client may find absent: DRF leaves them out when there is no value.
ABSENT_WHEN_EMPTY = {
    "CheckInBatchItemOutput": {"check_in", "error"},  # exactly one of the two
    "CohortMeasureOutput": {"mcid", "scb", "pain_reduction"},
    "CohortTimepointOutput": {"fusion"},
}
PATIENT_PREFIXES = ("/api/v1/me/", "/api/v1/auth/")


def _component(schema: dict[str, Any], ref: str) -> tuple[str, dict[str, Any]]:
    name = ref.rsplit("/", 1)[-1]
    return name, schema["components"]["schemas"][name]


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def _response_schemas(operation: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for response in operation.get("responses", {}).values():
        content = response.get("content", {}).get("application/json")
        if content:
            yield content["schema"]


def _components_under(schema: dict[str, Any], root: dict[str, Any]) -> set[str]:
    """Names of the components a schema uses, directly or through other components."""
    found: set[str] = set()
    pending: list[Any] = [root]
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
        elif isinstance(node, dict):
            if "$ref" in node:
                name, component = _component(schema, node["$ref"])
                if name not in found:
                    found.add(name)
                    pending.append(component)
            pending.extend(v for k, v in node.items() if k != "$ref")
    return found


def _response_components(schema: dict[str, Any], prefixes: tuple[str, ...] = ("",)) -> set[str]:
    names: set[str] = set()
    for path, _, operation in _operations(schema):
        if path.startswith(prefixes):
            for response in _response_schemas(operation):
                names |= _components_under(schema, response)
    return names


def _untyped(node: dict[str, Any]) -> bool:
    if any(key in node for key in ("$ref", "oneOf", "anyOf", "allOf", "enum")):
        return False
    kind = node.get("type")
    if kind is None:
        return True
    if kind == "array":
        return _untyped(node.get("items", {}))
    if kind == "object" and not node.get("properties"):
        values = node.get("additionalProperties")
        return not isinstance(values, dict) or not values or _untyped(values)
    return False


def test_it_has_no_untyped_property_in_patient_facing_responses(schema) -> None:
    untyped = {
        f"{name}.{prop}"
        for name in _response_components(schema, PATIENT_PREFIXES)
        for prop, node in schema["components"]["schemas"][name].get("properties", {}).items()
        if _untyped(node)
    }
    assert untyped <= set(FREE_FORM_ALLOWED), sorted(untyped - set(FREE_FORM_ALLOWED))


def test_it_requires_every_response_property_that_is_always_there(schema) -> None:
    optional = {}
    for name in _response_components(schema):
        component = schema["components"]["schemas"][name]
        missing = set(component.get("properties", {})) - set(component.get("required", []))
        if missing:
            optional[name] = missing
    assert optional == ABSENT_WHEN_EMPTY


def test_it_requires_every_check_in_output_property(schema) -> None:
    check_in = schema["components"]["schemas"]["CheckInOutput"]
    assert set(check_in["required"]) == set(check_in["properties"])
    assert check_in["properties"]["wound_drainage"] == {
        "allOf": [{"$ref": "#/components/schemas/WoundDrainageEnum"}],
        "nullable": True,
    }


def test_it_has_no_blank_or_null_enum_components(schema) -> None:
    assert not {"BlankEnum", "NullEnum"} & set(schema["components"]["schemas"])


def _enums(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, component in schema["components"]["schemas"].items():
        if "enum" in component:
            yield name, component
    for path, method, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            if "enum" in parameter.get("schema", {}):
                yield f"{method} {path} ?{parameter['name']}", parameter["schema"]


def test_it_names_every_enum_member_as_a_distinct_identifier(schema) -> None:
    for where, enum in _enums(schema):
        names = enum["x-enum-varnames"]
        assert len(names) == len(enum["enum"]) == len(set(names)), where
        assert all(n.isidentifier() and not keyword.iskeyword(n) for n in names), where
        assert not any(n.startswith("VALUE_") for n in names), where


def test_it_names_members_after_the_django_choices() -> None:
    known = [(["baseline", "6w"], ["BASELINE", "WEEK_6"])]
    assert enum_varnames(["6w", "baseline"], known) == ["WEEK_6", "BASELINE"]


@pytest.mark.parametrize(
    ("values", "prefix", "names"),
    [
        (["open", "mis_tlif", "6w"], None, ["OPEN", "MIS_TLIF", "V_6W"]),
        (["<50", "50-64", "75+"], "AGE", ["AGE_UNDER_50", "AGE_50_64", "AGE_75_PLUS"]),
    ],
)
def test_it_spells_other_values_as_identifiers(values, prefix, names) -> None:
    assert enum_varnames(values, [], prefix=prefix) == names


@pytest.mark.parametrize(
    ("component", "prop", "enum"),
    [
        ("CheckInFlagOutput", "category", "FlagCategory"),
        ("CheckInFlagOutput", "severity", "Severity"),
        ("FlagOutput", "category", "FlagCategory"),
        ("FlagOutput", "severity", "Severity"),
        ("FlagFindingOutput", "severity", "Severity"),
    ],
)
def test_it_shares_one_enum_per_vocabulary(schema, component, prop, enum) -> None:
    node = schema["components"]["schemas"][component]["properties"][prop]
    assert node == {"$ref": f"#/components/schemas/{enum}"}


def test_it_types_batch_items_as_check_ins_and_errors(schema) -> None:
    components = schema["components"]["schemas"]
    items = components["CheckInBatchInputRequest"]["properties"]["check_ins"]["items"]
    result = components["CheckInBatchItemOutput"]["properties"]
    assert items == {"$ref": "#/components/schemas/CheckInInputRequest"}
    assert result["check_in"]["allOf"] == [{"$ref": "#/components/schemas/CheckInOutput"}]
    assert result["error"]["allOf"] == [{"$ref": "#/components/schemas/Error"}]


@pytest.mark.parametrize(
    "component", ["QuestionnaireSubmitInputRequest", "QuestionnaireResponseOutput"]
)
def test_it_discriminates_questionnaire_answers_by_instrument(schema, component) -> None:
    union = schema["components"]["schemas"][component]
    assert union["discriminator"]["propertyName"] == "instrument"
    assert {"odi", "nrs_pain"} <= set(union["discriminator"]["mapping"])
    variants = {
        code: _component(schema, ref)[1]["properties"]["answers"]
        for code, ref in union["discriminator"]["mapping"].items()
    }
    assert variants["odi"]["minItems"] == variants["odi"]["maxItems"] == 10
    assert variants["odi"]["items"] == {
        "type": "integer",
        "minimum": 0,
        "maximum": 5,
        "nullable": True,
    }
    assert variants["nrs_pain"]["required"] == ["back", "leg"]


def test_it_sends_clinical_measurements_as_numbers(schema) -> None:
    patient = schema["components"]["schemas"]["PatientOutput"]["properties"]
    assert {patient[name]["type"] for name in ("hba1c", "bmi", "t_score")} == {"number"}


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/v1/me/checklist/", "post"),
        ("/api/v1/me/check-ins/", "post"),
        ("/api/v1/me/check-ins/batch/", "post"),
        ("/api/v1/me/questionnaires/", "post"),
    ],
)
def test_it_marks_request_bodies_required(schema, path, method) -> None:
    assert schema["paths"][path][method]["requestBody"]["required"] is True


def test_it_documents_that_odi_wording_may_be_missing(schema) -> None:
    item = schema["components"]["schemas"]["QuestionnaireItemOutput"]["properties"]["prompt"]
    assert item["nullable"] is True
    assert "not installed" in item["description"]
