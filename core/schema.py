"""OpenAPI generation: every operation documents the common error shape and its status codes.

The mobile team codes against the schema, and the fuzz tests check responses against it, so
the errors an operation can return are part of the contract, not a surprise.
"""

import re
from typing import Any

from django.db import models
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.permissions import AllowAny


class ErrorExtraSerializer(serializers.Serializer):
    # The error shape's `fields` key shadows Serializer.fields in the stubs; DRF reads declared
    # fields, and the key is public contract.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.JSONField(), help_text="Per-field messages, keyed by field path."
    )


class ErrorSerializer(serializers.Serializer):
    message = serializers.CharField()
    code = serializers.CharField()
    extra = ErrorExtraSerializer()


_ERRORS = {
    "400": "Invalid input: see extra.fields.",
    "401": "Not signed in, or the token is invalid or expired.",
    "403": "Signed in, but this endpoint is for another audience.",
    "404": "No such object, or it belongs to someone else.",
    "429": "Too many requests (throttled or locked out).",
    "503": "Temporarily unavailable (database restarting); retry after Retry-After seconds.",
}


# API contract (issue 18): what a generated client may rely on.
#
# A response always carries every field its serializer renders: DRF leaves a key out only when
# a declared field is `required=False` without a default or `allow_null` and its source is
# missing (CohortTimepointOutput.fusion, a batch item's `check_in` or `error`). A ModelSerializer
# field built from the model always has its attribute. Every other property of a response
# component is required, so a client gets a value or null, never "unset".
def _absent_when_missing(serializer: serializers.Serializer, field: serializers.Field) -> bool:
    declared = field.field_name in getattr(serializer, "_declared_fields", {})
    if isinstance(serializer, serializers.ModelSerializer) and not declared:
        return False
    return (
        not field.required
        and not field.read_only
        and field.default is empty
        and not field.allow_null
    )


class ProjectAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        bodies = super()._get_response_bodies(direction)
        if direction != "response":
            return bodies
        public = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        for code, description in _ERRORS.items():
            if code in bodies or (code == "403" and public):
                continue
            if code == "404" and "{" not in self.path and self.method != "GET":
                continue
            body = self._get_response_for_code(ErrorSerializer, code, direction=direction)
            body["description"] = description
            bodies[code] = body
        return bodies

    def _map_basic_serializer(self, serializer: Any, direction: Any) -> dict[str, Any]:
        schema = super()._map_basic_serializer(serializer, direction)
        if direction != "response":
            return schema
        serializer = force_instance(serializer)
        required = [
            field.field_name
            for field in serializer.fields.values()
            if field.field_name in schema.get("properties", {})
            and not _absent_when_missing(serializer, field)
        ]
        if required:
            schema["required"] = required
        return schema

    def _get_request_for_media_type(self, serializer: Any, direction: Any = "request") -> Any:
        schema, required = super()._get_request_for_media_type(serializer, direction)
        # A body that is one of several shapes (an entry or a list of entries) cannot be empty.
        if isinstance(force_instance(serializer), PolymorphicProxySerializer):
            required = schema is not None
        return schema, required


# Security review (issue 17): the project's authentication classes are simplejwt's bearer and
# Django's session authentication with extra refusals; they document as those schemes.
class DenyListJWTScheme(SimpleJWTScheme):
    target_class = "backend.auth.DenyListJWTAuthentication"


class VerifiedSessionScheme(SessionScheme):
    target_class = "backend.auth.VerifiedSessionAuthentication"


def _identifier(value: Any, prefix: str | None) -> str:
    """`value` as an UPPER_CASE identifier; a parameter's name prefixes every name it gets."""
    text = str(value).replace("+", "_plus").replace("<", "under_").replace(">", "over_")
    name = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").upper()
    if prefix:
        return f"{prefix}_{name}"
    return name if name and not name[0].isdigit() else f"V_{name}"


def _choice_names() -> list[tuple[list[Any], list[str]]]:
    """(values, member names) of every Django choices enum: `WEEK_6` for "6w"."""
    found: list[tuple[list[Any], list[str]]] = []
    pending: list[type] = [models.Choices]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        members = list(cls)  # type: ignore[call-overload]
        if members:
            found.append(([m.value for m in members], [m.name for m in members]))
    return found


def enum_varnames(
    values: list[Any], known: list[tuple[list[Any], list[str]]], *, prefix: str | None = None
) -> list[str]:
    """Member names for an enum: the Django choices' names where one enum holds all its values,
    else the value spelled as an identifier. Generated clients name members after these."""
    present = [v for v in values if v is not None]
    for choice_values, names in known:
        if present and set(present) <= set(choice_values):
            by_value = dict(zip(choice_values, names, strict=True))
            return [by_value[v] if v is not None else "NULL" for v in values]
    return [_identifier(v, prefix) if v is not None else "NULL" for v in values]


_PAGE_KEYS = {"next", "previous", "results"}


def contract_postprocess(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Mark a cursor page's keys required, and add `x-enum-varnames` to every enum component
    (openapi-python-client, openapi-generator and others name members after them instead of
    VALUE_1, VALUE_2...)."""
    known = _choice_names()
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        # A page always has all three keys; next and previous are null at the ends.
        if name.startswith("Paginated") and set(schema.get("properties", {})) == _PAGE_KEYS:
            schema["required"] = sorted(_PAGE_KEYS)
        if "enum" in schema and "x-enum-varnames" not in schema:
            schema["x-enum-varnames"] = enum_varnames(schema["enum"], known)
    # Query parameters with a fixed set of values ("75+" is AGE_BAND_75_PLUS).
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if "enum" in schema and "x-enum-varnames" not in schema:
                    prefix = parameter["name"].upper()
                    schema["x-enum-varnames"] = enum_varnames(schema["enum"], known, prefix=prefix)
    return result
