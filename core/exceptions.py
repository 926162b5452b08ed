"""One error shape for every API error, through DRF's EXCEPTION_HANDLER.

    {"message": "Invalid input.", "code": "invalid",
     "extra": {"fields": {"temperature_c": ["Ensure this value is less than or equal to 43."]}}}

Services raise ApplicationError (or Django's ValidationError); views never build error bodies.
"""

import logging
import traceback
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)

DB_UNAVAILABLE_RETRY_AFTER = 5


class ApplicationError(Exception):
    """A business rule refused the request; becomes a 4xx with the common shape."""

    status_code: int = status.HTTP_400_BAD_REQUEST

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        fields: dict[str, list[str]] | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.fields = fields or {}
        if status_code is not None:
            self.status_code = status_code


def error_body(message: str, code: str, fields: Any = None) -> dict[str, Any]:
    return {"message": message, "code": code, "extra": {"fields": fields or {}}}


def application_error_body(exc: ApplicationError) -> dict[str, Any]:
    """The body of an ApplicationError, for a response that carries one inside (a batch item)."""
    return error_body(exc.message, exc.code, exc.fields)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(application_error_body(exc), status=exc.status_code)
    if isinstance(exc, RequestDataTooBig):
        # Django's own body limit (request.body / request.POST), reached outside our parser.
        return Response(
            error_body(gettext("Request body too large."), "too_large"),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(
        exc, (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)
    ):
        # The database or Redis (token deny-list, throttles) is unreachable (restart, failover):
        # tell the client to retry rather than crash; the transaction rolled back, so nothing
        # was half-written, and no request is authorised without the deny-list (fail closed).
        logger.warning("database or cache unavailable: %s", type(exc).__name__)
        unavailable = Response(
            error_body(gettext("Service temporarily unavailable, please retry."), "unavailable"),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
        unavailable["Retry-After"] = str(DB_UNAVAILABLE_RETRY_AFTER)
        return unavailable

    response = exception_handler(exc, context)
    if response is None:
        if isinstance(exc, DatabaseError):
            # PostgreSQL's message can quote the failing row (names, symptoms): log the type
            # and the traceback, never the message.
            logger.error(
                "database error in API view: %s (sqlstate %s)\n%s",
                type(exc).__name__,
                getattr(getattr(exc, "__cause__", None), "sqlstate", None),
                "".join(traceback.format_tb(exc.__traceback__)).rstrip(),
            )
        else:
            logger.exception("unhandled error in API view")
        return Response(
            error_body(gettext("Internal server error."), "server_error"),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    assert isinstance(exc, exceptions.APIException)
    detail = exc.detail
    if isinstance(exc, exceptions.ValidationError):
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        response.data = error_body(gettext("Invalid input."), "invalid", fields)
    else:
        codes = exc.get_codes()
        response.data = error_body(
            str(detail) if not isinstance(detail, (dict, list)) else gettext("Request failed."),
            codes if isinstance(codes, str) else "error",
        )
    return response
