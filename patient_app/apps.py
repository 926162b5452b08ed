from django.apps import AppConfig


class PatientAppConfig(AppConfig):
    name = "patient_app"
    verbose_name = "Patient app"
