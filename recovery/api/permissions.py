from typing import Any, cast

from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from core.i18n import activate_for
from recovery.selectors import is_clinician, patient_for_user


class IsPatient(BasePermission):
    """The caller is a patient; `/me/` clinical endpoints resolve request.user.patient."""

    message = _("This endpoint is for patients.")

    def has_permission(self, request: Request, view: Any) -> bool:
        patient = patient_for_user(request.user)
        if patient is None:
            return False
        # issue 19: from here on the response (errors, validation messages, clinical text) is
        # in the patient's own language, not the one the phone's Accept-Language asked for.
        activate_for(patient.language)
        return True


class IsClinician(BasePermission):
    """The caller belongs to at least one care team; objects are scoped in selectors."""

    message = _("This endpoint is for care-team members.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_clinician(request.user)


def caller(request: Request) -> User:
    """request.user as the signed-in User (for the type checker).

    Every API view requires authentication (DEFAULT_PERMISSION_CLASSES, or IsPatient /
    IsClinician), so view code never sees the AnonymousUser half of request.user's type.
    """
    return cast(User, request.user)
