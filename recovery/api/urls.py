from django.urls import path

from recovery.api import access_log, auth, careteam, fhir, patient

urlpatterns = [
    # Authentication
    path("auth/token/", auth.TokenObtainApi.as_view(), name="auth-token"),
    path("auth/token/refresh/", auth.TokenRefreshApi.as_view(), name="auth-token-refresh"),
    path("auth/logout/", auth.LogoutApi.as_view(), name="auth-logout"),
    path("auth/activate/", auth.ActivateApi.as_view(), name="auth-activate"),
    # Patient (mobile)
    path("me/", patient.MeApi.as_view(), name="me"),
    path("me/access-log/", access_log.MyAccessLogApi.as_view(), name="me-access-log"),
    # Care team
    path("care/patients/", careteam.PatientListCreateApi.as_view(), name="care-patients"),
    path(
        "care/patients/<uuid:patient_id>/",
        careteam.PatientDetailApi.as_view(),
        name="care-patient-detail",
    ),
    path(
        "care/patients/<uuid:patient_id>/access-log/",
        access_log.PatientAccessLogApi.as_view(),
        name="care-patient-access-log",
    ),
]

# FHIR R4 export (issue 10)
urlpatterns += [
    path("me/fhir/", fhir.MeFhirExportApi.as_view(), name="me-fhir"),
    path(
        "care/patients/<uuid:patient_id>/fhir/",
        fhir.CarePatientFhirExportApi.as_view(),
        name="care-patient-fhir",
    ),
]
