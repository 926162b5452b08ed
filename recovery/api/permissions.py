from typing import Any, cast

from django.contrib.auth.models import User
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from recovery.selectors import is_clinician, patient_for_user


class IsPatient(BasePermission):
    """The caller is a patient; `/me/` clinical endpoints resolve request.user.patient."""

    message = "This endpoint is for patients."

    def has_permission(self, request: Request, view: Any) -> bool:
        return patient_for_user(request.user) is not None


class IsClinician(BasePermission):
    """The caller belongs to at least one care team; objects are scoped in selectors."""

    message = "This endpoint is for care-team members."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_clinician(request.user)


def caller(request: Request) -> User:
    """request.user as the signed-in User (for the type checker).

    Every API view requires authentication (DEFAULT_PERMISSION_CLASSES, or IsPatient /
    IsClinician), so view code never sees the AnonymousUser half of request.user's type.
    """
    return cast(User, request.user)
