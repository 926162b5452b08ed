from django.urls import path

from recovery.api import (
    access_log,
    auth,
    caregivers,
    careteam,
    checkins,
    fhir,
    flags,
    outcomes,
    patient,
    plans,
    questionnaires,
    worklist,  # issue 16: grouped worklist
    wound_photos,
)

urlpatterns = [
    # Authentication
    path("auth/token/", auth.TokenObtainApi.as_view(), name="auth-token"),
    path("auth/token/refresh/", auth.TokenRefreshApi.as_view(), name="auth-token-refresh"),
    path("auth/logout/", auth.LogoutApi.as_view(), name="auth-logout"),
    path("auth/activate/", auth.ActivateApi.as_view(), name="auth-activate"),
    # Passwords and team members' sign-in security (issue 17)
    path("auth/password/change/", auth.PasswordChangeApi.as_view(), name="auth-password-change"),
    path("auth/password/reset/", auth.PasswordResetApi.as_view(), name="auth-password-reset"),
    path(
        "auth/password/reset/confirm/",
        auth.PasswordResetConfirmApi.as_view(),
        name="auth-password-reset-confirm",
    ),
    path(
        "care/members/<int:user_id>/unlock/",
        auth.TeamMemberUnlockApi.as_view(),
        name="care-member-unlock",
    ),
    path(
        "care/members/<int:user_id>/mfa-reset/",
        auth.TeamMemberMfaResetApi.as_view(),
        name="care-member-mfa-reset",
    ),
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
    # Recovery plans (issue 3)
    path("me/plan/", plans.MePlanApi.as_view(), name="me-plan"),
    path("me/checklist/", plans.MeChecklistApi.as_view(), name="me-checklist"),
    path("me/milestones/", plans.MeMilestoneListApi.as_view(), name="me-milestones"),
    # issue 16: the patient records a self-reportable milestone
    path(
        "me/milestones/<uuid:milestone_id>/",
        plans.MeMilestoneApi.as_view(),
        name="me-milestone",
    ),
    path("me/adherence/", plans.MeAdherenceApi.as_view(), name="me-adherence"),
    path(
        "care/patients/<uuid:patient_id>/plan/",
        plans.CarePlanApi.as_view(),
        name="care-patient-plan",
    ),
    path(
        "care/patients/<uuid:patient_id>/plan/items/<uuid:item_id>/adjust/",
        plans.PlanItemAdjustApi.as_view(),
        name="care-patient-plan-item-adjust",
    ),
    path(
        "care/patients/<uuid:patient_id>/checklist/",
        plans.CareChecklistApi.as_view(),
        name="care-patient-checklist",
    ),
    path(
        "care/patients/<uuid:patient_id>/milestones/",
        plans.CareMilestoneListApi.as_view(),
        name="care-patient-milestones",
    ),
    path(
        "care/patients/<uuid:patient_id>/milestones/<uuid:milestone_id>/",
        plans.MilestoneStatusApi.as_view(),
        name="care-patient-milestone-status",
    ),
    path(
        "care/patients/<uuid:patient_id>/adherence/",
        plans.CareAdherenceApi.as_view(),
        name="care-patient-adherence",
    ),
    path(
        "care/patients/<uuid:patient_id>/imaging/",
        plans.ImagingResultCreateApi.as_view(),
        name="care-patient-imaging",
    ),
    path(
        "care/patients/<uuid:patient_id>/adjustments/",
        plans.CareAdjustmentListApi.as_view(),
        name="care-patient-adjustments",
    ),
    path(
        "care/patients/<uuid:patient_id>/surgery/",
        plans.SurgeryUpdateApi.as_view(),
        name="care-patient-surgery",
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
    # Flag ownership: "Assign to me" and give it back (issue 16)
    path(
        "care/flags/<uuid:flag_id>/assign/",
        flags.FlagAssignApi.as_view(),
        name="care-flag-assign",
    ),
    path(
        "care/flags/<uuid:flag_id>/unassign/",
        flags.FlagUnassignApi.as_view(),
        name="care-flag-unassign",
    ),
    # Grouped worklist: one entry per patient (issue 16)
    path("care/worklist/", worklist.WorklistApi.as_view(), name="care-worklist"),
    # Questionnaires and outcomes (issue 6)
    path(
        "me/questionnaires/",
        outcomes.MyQuestionnaireListCreateApi.as_view(),
        name="me-questionnaires",
    ),
    path(
        "me/questionnaires/due/",
        outcomes.MyQuestionnairesDueApi.as_view(),
        name="me-questionnaires-due",
    ),
    # API contract (issue 18): the form an app renders for one instrument.
    path(
        "me/questionnaires/<str:instrument>/",
        questionnaires.MyQuestionnaireFormApi.as_view(),
        name="me-questionnaire-form",
    ),
    path("me/outcomes/", outcomes.MyOutcomesApi.as_view(), name="me-outcomes"),
    path(
        "care/patients/<uuid:patient_id>/questionnaires/",
        outcomes.PatientQuestionnaireListApi.as_view(),
        name="care-patient-questionnaires",
    ),
    path(
        "care/patients/<uuid:patient_id>/outcomes/",
        outcomes.PatientOutcomesApi.as_view(),
        name="care-patient-outcomes",
    ),
    path("care/outcomes/", outcomes.CohortOutcomesApi.as_view(), name="care-outcomes"),
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

# Break-glass emergency access (issue 17)
from recovery.api import break_glass  # noqa: E402

urlpatterns += [
    path(
        "care/patients/<uuid:patient_id>/break-glass/",
        break_glass.BreakGlassApi.as_view(),
        name="care-patient-break-glass",
    ),
]

# Wound photos (issue 21)
urlpatterns += [
    path(
        "me/wound-photos/",
        wound_photos.MyWoundPhotoListCreateApi.as_view(),
        name="me-wound-photos",
    ),
    path(
        "me/wound-photos/prompt/",
        wound_photos.MyWoundPhotoPromptApi.as_view(),
        name="me-wound-photo-prompt",
    ),
    path(
        "me/wound-photos/<uuid:photo_id>/image/",
        wound_photos.MyWoundPhotoImageApi.for_variant("image"),
        name="me-wound-photo-image",
    ),
    path(
        "me/wound-photos/<uuid:photo_id>/thumbnail/",
        wound_photos.MyWoundPhotoImageApi.for_variant("thumbnail"),
        name="me-wound-photo-thumbnail",
    ),
    path(
        "care/patients/<uuid:patient_id>/wound-photos/",
        wound_photos.CarePatientWoundPhotoListApi.as_view(),
        name="care-patient-wound-photos",
    ),
    path(
        "care/wound-photos/<uuid:photo_id>/review/",
        wound_photos.CareWoundPhotoReviewApi.as_view(),
        name="care-wound-photo-review",
    ),
    path(
        "care/wound-photos/<uuid:photo_id>/image/",
        wound_photos.CareWoundPhotoImageApi.for_variant("image"),
        name="care-wound-photo-image",
    ),
    path(
        "care/wound-photos/<uuid:photo_id>/thumbnail/",
        wound_photos.CareWoundPhotoImageApi.for_variant("thumbnail"),
        name="care-wound-photo-thumbnail",
    ),
]

# Caregivers with their own identity (issue 22)
urlpatterns += [
    path(
        "me/caregivers/",
        caregivers.MyCaregiverListCreateApi.as_view(),
        name="me-caregivers",
    ),
    path(
        "me/caregivers/<uuid:caregiver_id>/",
        caregivers.MyCaregiverDetailApi.as_view(),
        name="me-caregiver-detail",
    ),
    path(
        "care/patients/<uuid:patient_id>/caregivers/",
        caregivers.CarePatientCaregiverListCreateApi.as_view(),
        name="care-patient-caregivers",
    ),
    path(
        "care/patients/<uuid:patient_id>/caregivers/<uuid:caregiver_id>/",
        caregivers.CarePatientCaregiverDetailApi.as_view(),
        name="care-patient-caregiver-detail",
    ),
    path("caregiving/", caregivers.CaregivingListApi.as_view(), name="caregiving"),
    path("caregiving/accept/", caregivers.CaregivingAcceptApi.as_view(), name="caregiving-accept"),
    path(
        "caregiving/<uuid:patient_id>/plan/",
        caregivers.CaregivingPlanApi.as_view(),
        name="caregiving-plan",
    ),
    path(
        "caregiving/<uuid:patient_id>/checklist/",
        caregivers.CaregivingChecklistApi.as_view(),
        name="caregiving-checklist",
    ),
    path(
        "caregiving/<uuid:patient_id>/milestones/",
        caregivers.CaregivingMilestoneListApi.as_view(),
        name="caregiving-milestones",
    ),
    path(
        "caregiving/<uuid:patient_id>/check-ins/",
        caregivers.CaregivingCheckInApi.as_view(),
        name="caregiving-checkins",
    ),
    path(
        "caregiving/<uuid:patient_id>/advice/",
        caregivers.CaregivingAdviceApi.as_view(),
        name="caregiving-advice",
    ),
]

# The patient app (issue 20)
from recovery.api import patient_app  # noqa: E402

urlpatterns += [
    path(
        "triage/emergency-answers/",
        patient_app.EmergencyAnswersApi.as_view(),
        name="triage-emergency-answers",
    ),
    path(
        "me/milestones/<uuid:milestone_id>/achieved/",
        patient_app.MeMilestoneAchievedApi.as_view(),
        name="me-milestone-achieved",
    ),
]
