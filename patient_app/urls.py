from django.urls import path

from patient_app import views

app_name = "patient_app"

urlpatterns = [
    path("", views.shell, name="shell"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
]
