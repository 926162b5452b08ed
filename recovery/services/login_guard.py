"""Failed sign-ins, limited so that an attacker cannot turn the limit against the account owner.

Three layers, all in the shared cache (Redis), all keyed by the real client address
(core.client_ip):

- django-axes locks a (username, address) pair after AXES_FAILURE_LIMIT failures: the guesser's
  address is shut out, the owner signing in from anywhere else is not.
- Per username, from any address: once more than LOGIN_DELAY_AFTER_FAILURES (5) failures are
  counted, each further attempt must wait a doubling delay (1 s, 2 s, 4 s, ... capped at
  LOGIN_DELAY_MAX_SECONDS) after the last failure. That slows a guesser spread over many
  addresses to a crawl, while the owner is held up for seconds, never locked out.
- Per address, for any usernames: LOGIN_ADDRESS_FAILURE_LIMIT failures within the axes cool-off
  end in 429 (password spraying: one password tried against many usernames).

A successful sign-in (session or JWT) clears the username's failures; axes clears the pair's.
"""

import hashlib
import time
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.utils import reset as axes_reset
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext

from core.exceptions import ApplicationError
from recovery.models import AccessEvent
from recovery.services.audit import access_event_record
from recovery.services.mfa import coordinator_check


class LoginRefused(ApplicationError):
    status_code = 429

    def __init__(self, message: str, *, code: str, retry_after: int) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


def _window() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def _user_key(username: str) -> str:
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return f"login:user:{digest}"


def _address_key(address: str | None) -> str:
    return f"login:addr:{address or 'unknown'}"


def _delay_for(failures: int) -> int:
    over = failures - settings.LOGIN_DELAY_AFTER_FAILURES
    if over <= 0:
        return 0
    return min(2 ** (over - 1), settings.LOGIN_DELAY_MAX_SECONDS)


def login_attempt_check(
    *, request: HttpRequest, username: str, address: str | None, now: float | None = None
) -> None:
    """Raise LoginRefused (429) when this attempt must not reach the password check."""
    now = time.time() if now is None else now
    if AxesProxyHandler.is_locked(request, {"username": username}):
        raise LoginRefused(
            gettext("Too many failed sign-in attempts. Try again later."),
            code="locked_out",
            retry_after=_window(),
        )
    if (cache.get(_address_key(address)) or 0) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
        raise LoginRefused(
            "Too many failed sign-in attempts from this network. Try again later.",
            code="too_many_attempts",
            retry_after=_window(),
        )
    state = cache.get(_user_key(username))
    if state:
        wait = state["last"] + _delay_for(state["failures"]) - now
        if wait > 0:
            raise LoginRefused(
                "Please wait a few seconds before trying again.",
                code="login_delayed",
                retry_after=max(1, int(wait + 0.999)),
            )


def login_failure_record(*, username: str, address: str | None, now: float | None = None) -> None:
    now = time.time() if now is None else now
    key = _user_key(username)
    state = cache.get(key) or {"failures": 0, "last": now}
    cache.set(key, {"failures": state["failures"] + 1, "last": now}, timeout=_window())
    address_key = _address_key(address)
    if not cache.add(address_key, 1, timeout=_window()):
        try:
            cache.incr(address_key)
        except ValueError:  # expired between add() and incr()
            cache.set(address_key, 1, timeout=_window())


def login_success_record(*, username: str) -> None:
    cache.delete(_user_key(username))


@transaction.atomic
def clinician_unlock(*, actor: Any, user: Any, request: HttpRequest | None = None) -> int:
    """A coordinator clears a team member's failed sign-ins (every address); audited."""
    coordinator_check(actor=actor, user=user)
    removed = axes_reset(username=user.get_username())
    login_success_record(username=user.get_username())
    access_event_record(
        actor=actor,
        action=AccessEvent.Action.UPDATE,
        object_type="clinician_unlock",
        object_id=str(user.pk),
        request=request,
    )
    return removed
