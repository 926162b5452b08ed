"""Reads, already scoped to the caller. Views never filter authorisation-relevant data."""

from datetime import datetime
from uuid import UUID

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import OuterRef, Prefetch, QuerySet
from django.http import Http404

from recovery.models import PATIENT_ZONE_PATH, CareTeam, Patient, Surgery
from recovery.selectors.break_glass import patient_get_under_break_glass

# The default user model (AUTH_USER_MODEL is not swapped); the type DRF's request.user has.
AnyUser = User | AnonymousUser


def is_clinician(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.care_memberships.exists())


def patient_for_user(user: AnyUser) -> Patient | None:
    if not user.is_authenticated:
        return None
    if not _PATIENT_OF_USER.is_cached(user):
        _patient_with_preferences_cache(user)
    try:
        return user.patient
    except Patient.DoesNotExist:
        return None


# issue 19: a patient's request reads their language (IsPatient) and often their zone, both on
# the notification preferences; fetching the patient with that row joined keeps it one query.
_PATIENT_OF_USER = User.patient.related  # the relation behind user.patient
_PREFERENCE_OF_USER = User.notification_preference.related  # user.notification_preference


def _patient_with_preferences_cache(user: User) -> None:
    """Cache user.patient (None for a clinician) and the user's preference row on `user`."""
    patient = Patient.objects.select_related(PATIENT_ZONE_PATH).filter(user_id=user.pk).first()
    if patient is None:
        _PATIENT_OF_USER.set_cached_value(user, None)
        return
    joined = patient.user
    if not _PREFERENCE_OF_USER.is_cached(user):
        _PREFERENCE_OF_USER.set_cached_value(user, _PREFERENCE_OF_USER.get_cached_value(joined))
    patient.user = user  # also caches user.patient: the request's User is the patient's


def care_teams_for_clinician(*, clinician: AnyUser) -> QuerySet[CareTeam]:
    if not clinician.is_authenticated:
        return CareTeam.objects.none()  # anonymous: no team (views let clinicians only)
    return CareTeam.objects.filter(memberships__user=clinician).distinct()


def with_surgeries(queryset: QuerySet[Patient]) -> QuerySet[Patient]:
    # Surgeries newest first, fetched in one query for the whole page (no N+1); the zone
    # (postoperative day on the patient's calendar) is joined in.
    return queryset.select_related("care_team", "user", PATIENT_ZONE_PATH).prefetch_related(
        Prefetch("surgeries", queryset=Surgery.objects.order_by("-date", "-created_at"))
    )


def patient_list_for_clinician(*, clinician: AnyUser) -> QuerySet[Patient]:
    team_ids = care_teams_for_clinician(clinician=clinician).values("id")
    return with_surgeries(Patient.objects.filter(care_team_id__in=team_ids))


def patient_get_for_clinician(*, clinician: AnyUser, patient_id: UUID | str) -> Patient:
    """Another team's patient is indistinguishable from a missing one (404, not 403)."""
    try:
        return patient_list_for_clinician(clinician=clinician).get(id=patient_id)
    except (Patient.DoesNotExist, ValueError) as exc:
        # Break-glass (issue 17): an unexpired emergency grant opens this one patient.
        granted = patient_get_under_break_glass(
            clinician=clinician,
            patient_id=patient_id,
            queryset=with_surgeries(Patient.objects.all()),
        )
        if granted is not None:
            return granted
        raise Http404("No such patient.") from exc


def current_surgery(patient: Patient) -> Surgery | None:
    """The most recent surgery; uses the prefetch cache when present."""
    return patient.latest_surgery()


def current_surgery_subquery(patient_ref: str) -> QuerySet[Surgery]:
    """current_surgery() in SQL: the outer row's patient's surgeries, most recent first.

    `patient_ref` names the outer query's patient id (`"pk"` on Patient, `"patient"` or
    `"patient_id"` elsewhere); slice a `.values(...)` of it with `[:1]` inside `Subquery`.
    """
    return Surgery.objects.filter(patient=OuterRef(patient_ref)).order_by("-date", "-created_at")


def postop_day(*, patient: Patient, surgery: Surgery, at: datetime) -> int:
    """Days since surgery on the patient's own calendar (the surgery day is day 0)."""
    return surgery.day_of(patient.local_date(at))
