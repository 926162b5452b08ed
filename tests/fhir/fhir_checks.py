"""Checks every exported bundle must pass: schema validation, round trip, references, codes.

fhir.resources (test-only dependency) ships R4B (4.3.0) models for pydantic 2, no R4 (4.0.1)
ones; R4B is used as the R4 validator (docs/fhir.md explains why that is safe for the
resources exported). It validates structure and datatypes but not required code bindings,
so the status-like codes are checked here against the R4 value sets.
"""

import json
from collections.abc import Iterator
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from recovery.fhir import codes

# R4 required bindings of the coded elements we emit: (resourceType, path) -> allowed codes.
REQUIRED_CODES: dict[tuple[str, str], set[str]] = {
    ("Patient", "gender"): {"male", "female", "other", "unknown"},
    ("Encounter", "status"): {
        "planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled",
        "entered-in-error", "unknown",
    },
    ("Procedure", "status"): {
        "preparation", "in-progress", "not-done", "on-hold", "stopped", "completed",
        "entered-in-error", "unknown",
    },
    ("Device", "status"): {"active", "inactive", "entered-in-error", "unknown"},
    ("CareTeam", "status"): {"proposed", "active", "suspended", "inactive", "entered-in-error"},
    ("CarePlan", "status"): {
        "draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown",
    },
    ("CarePlan", "intent"): {"proposal", "plan", "order", "option"},
    ("CarePlan", "activity.detail.status"): {
        "not-started", "scheduled", "in-progress", "on-hold", "completed", "cancelled",
        "stopped", "unknown", "entered-in-error",
    },
    ("Goal", "lifecycleStatus"): {
        "proposed", "planned", "accepted", "active", "on-hold", "completed", "cancelled",
        "entered-in-error", "rejected",
    },
    ("Observation", "status"): {
        "registered", "preliminary", "final", "amended", "corrected", "cancelled",
        "entered-in-error", "unknown",
    },
    ("QuestionnaireResponse", "status"): {
        "in-progress", "completed", "amended", "entered-in-error", "stopped",
    },
    ("Flag", "status"): {"active", "inactive", "entered-in-error"},
    ("DetectedIssue", "status"): {
        "registered", "preliminary", "final", "amended", "corrected", "cancelled",
        "entered-in-error", "unknown",
    },
    ("DetectedIssue", "severity"): {"high", "moderate", "low"},
    ("Media", "status"): {
        "preparation", "in-progress", "not-done", "on-hold", "stopped", "completed",
        "entered-in-error", "unknown",
    },
}  # fmt: skip


def resources_of(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"]]


def by_type(bundle: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [r for r in resources_of(bundle) if r["resourceType"] == resource_type]


def _values_at(node: Any, path: list[str]) -> Iterator[Any]:
    if isinstance(node, list):
        for item in node:
            yield from _values_at(item, path)
    elif not path:
        yield node
    elif isinstance(node, dict) and path[0] in node:
        yield from _values_at(node[path[0]], path[1:])


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def references(bundle: dict[str, Any]) -> list[str]:
    return [n["reference"] for n in _walk(bundle["entry"]) if isinstance(n.get("reference"), str)]


def assert_valid_r4(bundle: dict[str, Any]) -> None:
    """Validates, round-trips unchanged, resolves every reference, uses only R4 codes."""
    model = Bundle.model_validate(bundle)
    assert json.loads(model.model_dump_json()) == bundle, "round trip changed the bundle"

    assert bundle["type"] == "collection"
    full_urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(full_urls) == len(set(full_urls)), "duplicate fullUrl"
    for e in bundle["entry"]:
        assert e["fullUrl"] == f"urn:uuid:{e['resource']['id']}"
    dangling = [r for r in references(bundle) if r not in set(full_urls)]
    assert not dangling, f"references to entries not in the bundle: {dangling}"

    for resource in resources_of(bundle):
        for (resource_type, path), allowed in REQUIRED_CODES.items():
            if resource["resourceType"] != resource_type:
                continue
            for value in _values_at(resource, path.split(".")):
                assert value in allowed, (resource_type, path, value)

    unverified = {(c.system, c.code) for c in codes.TO_VERIFY.values()}
    used = {(n.get("system"), n.get("code")) for n in _walk(bundle["entry"]) if "system" in n}
    assert not used & unverified, f"unverified codes emitted: {used & unverified}"


def read_stream(chunks: Any) -> dict[str, Any]:
    return json.loads("".join(c.decode() if isinstance(c, bytes) else c for c in chunks))
