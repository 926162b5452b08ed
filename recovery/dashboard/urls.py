from django.urls import path

from recovery.dashboard import account, break_glass_views, views, wound_photos

app_name = "dashboard"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("worklist/live/", views.worklist_live, name="worklist-live"),
    path("login/", views.DashboardLoginView.as_view(), name="login"),
    path("logout/", views.DashboardLogoutView.as_view(), name="logout"),
    # Second factor and passwords (issue 17)
    path("login/code/", account.login_otp, name="login-otp"),
    path("account/two-factor/", account.mfa_setup, name="mfa-setup"),
    path("account/recovery-codes/", account.mfa_recovery_codes, name="mfa-recovery-codes"),
    path(
        "account/password/",
        views.clinician_required(account.password_change_view),
        name="password-change",
    ),
    path("team/", views.clinician_required(account.team_security), name="team-security"),
    path(
        "team/<int:user_id>/unlock/",
        views.clinician_required(account.team_member_unlock),
        name="team-member-unlock",
    ),
    path(
        "team/<int:user_id>/mfa-reset/",
        views.clinician_required(account.team_member_mfa_reset),
        name="team-member-mfa-reset",
    ),
    path("password/reset/", account.password_reset_view, name="password-reset"),
    path(
        "password/reset/<uidb64>/<token>/",
        account.password_reset_confirm_view,
        name="password-reset-confirm",
    ),
    path("time-zone/", views.time_zone, name="time-zone"),
    path("patients/<uuid:patient_id>/", views.patient_detail, name="patient"),
    path(  # issue 17: emergency access
        "patients/<uuid:patient_id>/break-glass/", break_glass_views.break_glass, name="break-glass"
    ),
    path(  # issue 16: the team records a milestone
        "patients/<uuid:patient_id>/milestones/<uuid:milestone_id>/",
        views.milestone_record_view,
        name="milestone-record",
    ),
    path("outcomes/", views.outcomes, name="outcomes"),
    path("outcomes/export.csv", views.outcomes_csv, name="outcomes-csv"),
    path("flags/<uuid:flag_id>/", views.flag_detail, name="flag"),
    path("flags/<uuid:flag_id>/acknowledge/", views.flag_acknowledge_view, name="flag-acknowledge"),
    path("flags/<uuid:flag_id>/resolve/", views.flag_resolve_view, name="flag-resolve"),
    # issue 16: flag ownership
    path("flags/<uuid:flag_id>/assign/", views.flag_assign_view, name="flag-assign"),
    path("flags/<uuid:flag_id>/unassign/", views.flag_unassign_view, name="flag-unassign"),
    # Wound photos (issue 21)
    path(
        "wound-photos/<uuid:photo_id>/review/",
        wound_photos.wound_photo_review_view,
        name="wound-photo-review",
    ),
]
