"""Password change and reset, for patients (API) and clinicians (dashboard).

- Change: the current password is checked again; every other session ends (Django sessions
  carry a hash of the password, JWT sessions are revoked through the deny-list).
- Reset: the emailed link holds Django's reset token, which covers the password hash and the
  last sign-in, so it works once, and expires after PASSWORD_RESET_TIMEOUT (1 hour). The request
  answers the same whether or not an account matches; the email is sent by a worker, so the
  response time does not tell either. The email names no condition, clinic or health data.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.exceptions import ApplicationError
from core.queue import enqueue_on_commit
from recovery.services.tokens import user_tokens_revoke

User = get_user_model()

INVALID_LINK = _("This reset link is invalid, already used or expired. Ask for a new one.")

RESET_SUBJECT = "Password reset"
RESET_BODY = """Hello,

Someone asked to reset the password of your account. To choose a new password, open this link
within {minutes} minutes:

{link}

The link works once. If you did not ask for this, ignore this email: your password stays as it is.
"""


def _validated(password: str, user: Any, field: str) -> str:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ApplicationError(
            gettext("The password is too weak."), fields={field: list(exc.messages)}
        ) from exc
    return password


@transaction.atomic
def password_change(
    *, user: Any, old_password: str, new_password: str, keep_sid: str | None = None
) -> None:
    """Change a signed-in user's password; every other session and token stops working."""
    if not user.check_password(old_password):
        raise ApplicationError(
            gettext("The current password is not right."),
            code="invalid_password",
            fields={"old_password": [gettext("The current password is not right.")]},
        )
    user.set_password(_validated(new_password, user, "new_password"))
    user.save(update_fields=["password"])
    user_tokens_revoke(user_id=user.pk, keep_sid=keep_sid)


def password_reset_link(*, user: Any) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    if user.care_memberships.exists() or user.is_staff:
        path = reverse("dashboard:password-reset-confirm", kwargs={"uidb64": uid, "token": token})
        return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{path}"
    return settings.PATIENT_PASSWORD_RESET_URL.format(uid=uid, token=token)


def password_reset_email_body(*, user: Any) -> str:
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    return RESET_BODY.format(minutes=minutes, link=password_reset_link(user=user))


@transaction.atomic
def password_reset_request(*, email: str) -> None:
    """Queue a reset email for each active account with this address; silent otherwise."""
    from recovery.tasks import send_password_reset_email

    users = User.objects.filter(email__iexact=email.strip(), is_active=True)
    for user in users:
        if user.has_usable_password():
            enqueue_on_commit(send_password_reset_email, user_id=user.pk)


def _user_for(uidb64: str) -> Any:
    try:
        return User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)), is_active=True)
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        return None


def password_reset_user(*, uidb64: str, token: str) -> Any:
    """The user a link belongs to, or None when the link is invalid, used or expired."""
    user = _user_for(uidb64)
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


@transaction.atomic
def password_reset_confirm(*, uidb64: str, token: str, new_password: str) -> Any:
    user = password_reset_user(uidb64=uidb64, token=token)
    if user is None:
        raise ApplicationError(
            str(INVALID_LINK), code="invalid_reset_link", fields={"token": [str(INVALID_LINK)]}
        )
    user.set_password(_validated(new_password, user, "new_password"))
    user.save(update_fields=["password"])
    user_tokens_revoke(user_id=user.pk)
    return user
