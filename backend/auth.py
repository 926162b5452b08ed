from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from core.exceptions import error_body


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """django-axes lockout: the common error shape for the API, a plain page for the browser."""
    message = "Too many failed sign-in attempts. Try again later."
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(message, "locked_out"), status=429)
    return HttpResponse(message, status=429, content_type="text/plain")
