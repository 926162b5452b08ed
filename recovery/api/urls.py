from django.urls import path

from recovery.api import access_log, auth, careteam, checkins, flags, patient

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
    # Check-ins (patient) and flags (care team): issue 4
    path("me/check-ins/", checkins.CheckInListCreateApi.as_view(), name="me-checkins"),
    path("me/check-ins/batch/", checkins.CheckInBatchApi.as_view(), name="me-checkins-batch"),
    path("care/flags/", flags.FlagListApi.as_view(), name="care-flags"),
    path("care/flags/<uuid:flag_id>/", flags.FlagDetailApi.as_view(), name="care-flag-detail"),
    path(
        "care/flags/<uuid:flag_id>/acknowledge/",
        flags.FlagAcknowledgeApi.as_view(),
        name="care-flag-acknowledge",
    ),
    path(
        "care/flags/<uuid:flag_id>/resolve/",
        flags.FlagResolveApi.as_view(),
        name="care-flag-resolve",
    ),
    path(
        "care/flags/<uuid:flag_id>/dismiss/",
        flags.FlagDismissApi.as_view(),
        name="care-flag-dismiss",
    ),
]
