"""OpenAPI generation: every operation documents the common error shape and its status codes.

The mobile team codes against the schema, and the fuzz tests check responses against it, so
the errors an operation can return are part of the contract, not a surprise.
"""

from typing import Any

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
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


# Security review (issue 17): the project's authentication classes are simplejwt's bearer and
# Django's session authentication with extra refusals; they document as those schemes.
class DenyListJWTScheme(SimpleJWTScheme):
    target_class = "backend.auth.DenyListJWTAuthentication"


class VerifiedSessionScheme(SessionScheme):
    target_class = "backend.auth.VerifiedSessionAuthentication"
