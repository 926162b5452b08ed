"""Project-level views: health, and JSON error pages for API paths outside DRF views."""

import logging
import sys

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found, server_error

from core.exceptions import DB_UNAVAILABLE_RETRY_AFTER, error_body

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # any failure means "not reachable" for a probe
        logger.warning("healthz: database unreachable", exc_info=True)
        return False


def _broker_ok() -> bool:
    from django.conf import settings
    from kombu import Connection

    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            connect_timeout=2,
        ) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        logger.warning("healthz: broker unreachable", exc_info=True)
        return False


def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    healthy = all(checks.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        **{name: "ok" if ok else "unreachable" for name, ok in checks.items()},
    }
    return JsonResponse(body, status=200 if healthy else 503)


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("Not found.", "not_found"), status=404)
    return page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    # Django calls this inside its `except` block, so the exception is still at hand. An
    # unreachable database raised outside a DRF view (session or user loaded in middleware, a
    # dashboard page) is a 503 to retry, as DRF's handler makes it for the API.
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        response: HttpResponse
        message = "Service temporarily unavailable, please retry."
        if request.path.startswith("/api/"):
            response = JsonResponse(error_body(message, "unavailable"), status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain")
        response["Retry-After"] = str(DB_UNAVAILABLE_RETRY_AFTER)
        return response
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("Internal server error.", "server_error"), status=500)
    return server_error(request)
