from django.urls import path

from recovery.dashboard import views, wound_photos

app_name = "dashboard"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("worklist/live/", views.worklist_live, name="worklist-live"),
    path("login/", views.DashboardLoginView.as_view(), name="login"),
    path("logout/", views.DashboardLogoutView.as_view(), name="logout"),
    path("time-zone/", views.time_zone, name="time-zone"),
    path("patients/<uuid:patient_id>/", views.patient_detail, name="patient"),
    path("outcomes/", views.outcomes, name="outcomes"),
    path("outcomes/export.csv", views.outcomes_csv, name="outcomes-csv"),
    path("flags/<uuid:flag_id>/", views.flag_detail, name="flag"),
    path("flags/<uuid:flag_id>/acknowledge/", views.flag_acknowledge_view, name="flag-acknowledge"),
    path("flags/<uuid:flag_id>/resolve/", views.flag_resolve_view, name="flag-resolve"),
    # Wound photos (issue 21)
    path(
        "wound-photos/<uuid:photo_id>/review/",
        wound_photos.wound_photo_review_view,
        name="wound-photo-review",
    ),
]
