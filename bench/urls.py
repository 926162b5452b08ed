"""The project's URLs plus the floor: a bare Django view returning a small JSON body."""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def floor(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True, "server": "bench-floor"})


urlpatterns = [
    path("bench/floor/", floor),
    path("", include("backend.urls")),
]
