"""The shell page, web app manifest and service worker of the patient app.

The service worker is served from /app/ (not /static/) so that its scope covers the app. Its
cache name carries a digest of the app's files, so a new release replaces the cached shell.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_safe

# The app shell: every file the app needs to start offline (the service worker caches them).
SHELL_FILES = (
    "patient_app/app.css",
    "patient_app/app.js",
    "patient_app/api.js",
    "patient_app/db.js",
    "patient_app/dom.js",
    "patient_app/i18n.js",
    "patient_app/questions.js",
    "patient_app/queue.js",
    "patient_app/screens.js",
    "patient_app/push.js",
    "patient_app/units.js",
    "patient_app/icons/icon.svg",
    "patient_app/icons/icon-192.png",
    "patient_app/icons/icon-512.png",
)
# The API answers cached for offline use (the set of emergency answers above all).
SHELL_API = ("/api/v1/triage/emergency-answers/",)


def _unhashed(path: str) -> str:
    """The file's plain static URL: ES modules import each other by plain relative names."""
    return f"{settings.STATIC_URL}{path}"


@cache
def shell_version() -> str:
    digest = hashlib.sha256()
    for path in SHELL_FILES:
        found = finders.find(path)
        if isinstance(found, str):
            with open(found, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()[:16]


@require_safe
def shell(request: HttpRequest) -> HttpResponse:
    response = render(
        request,
        "patient_app/shell.html",
        {
            "app_js": _unhashed("patient_app/app.js"),
            "app_css": _unhashed("patient_app/app.css"),
            "icon": _unhashed("patient_app/icons/icon-192.png"),
            "emergency_number": settings.EMERGENCY_NUMBER,
            "vapid_public_key": getattr(settings, "WEBPUSH_VAPID_PUBLIC_KEY", "") or "",
        },
    )
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def manifest(request: HttpRequest) -> HttpResponse:
    body = {
        "name": "Spine recovery",
        "short_name": "Recovery",
        "description": "Daily check-ins and your recovery plan after lumbar fusion.",
        "start_url": "/app/",
        "scope": "/app/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b5cad",
        "icons": [
            {
                "src": static("patient_app/icons/icon-192.png"),
                "sizes": "192x192",
                "type": "image/png",
            },
            {
                "src": static("patient_app/icons/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
            },
            {
                "src": static("patient_app/icons/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": static("patient_app/icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return HttpResponse(json.dumps(body), content_type="application/manifest+json")


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    response = render(
        request,
        "patient_app/sw.js",
        {
            "version": shell_version(),
            "urls": json.dumps(["/app/", *(_unhashed(p) for p in SHELL_FILES), *SHELL_API]),
        },
        content_type="text/javascript",
    )
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/app/"
    return response
