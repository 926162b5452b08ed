from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from backend.session_idle import keepalive
from backend.views import healthz

handler404 = "backend.views.handler404"
handler500 = "backend.views.handler500"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its init script as a file, so the strict CSP holds on the docs too.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include("recovery.api.urls")),
    path("api/v1/", include("notifications.api.urls")),
    path("dashboard/session/keepalive/", keepalive, name="session-keepalive"),
    path("dashboard/", include("recovery.dashboard.urls")),
    # The patient app (issue 20)
    path("app/", include("patient_app.urls")),
]

# ADMIN_URL sets the admin's path; an empty value leaves the admin out of the URLconf.
if settings.ADMIN_URL:
    urlpatterns.append(path(settings.ADMIN_URL, admin.site.urls))
