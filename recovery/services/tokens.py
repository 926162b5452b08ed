"""JWT sessions: sign-in ids and times, an absolute refresh lifetime, and instant revocation.

Every sign-in gets a session id (`sid`) and its time (`auth_time`), carried by its refresh token
and copied by simplejwt into every access token made from it, through every rotation.

- A refresh token never outlives `auth_time + JWT_REFRESH_ABSOLUTE_DAYS`: rotation slides the
  14-day window, but `exp` is clamped to that limit.
- Revocation: refresh tokens are blacklisted in the database (simplejwt); live access tokens are
  refused at once through a deny-list in Redis (the Django cache), keyed by the access token's
  `jti` or by the `sid` of its sign-in, checked by backend.auth.DenyListJWTAuthentication.
  Entries live as long as an access token can, so the list stays small.
- Reuse detection: rotation hands out a new refresh token and blacklists the old one. If the old
  one comes back, two parties hold the same token family (one of them a thief): every session
  of that user is revoked, refresh and access tokens alike, so both must sign in again.
"""

import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

logger = logging.getLogger(__name__)

SID_CLAIM = "sid"
AUTH_TIME_CLAIM = "auth_time"


class SessionRefreshToken(RefreshToken):
    """A refresh token that knows its sign-in (session id and time) and its absolute limit."""

    @classmethod
    def for_user(cls, user: Any) -> "SessionRefreshToken":
        # Builds cls(); simplejwt types the result by BlacklistMixin's fixed parameter instead.
        token = cast("SessionRefreshToken", super().for_user(user))
        token[SID_CLAIM] = uuid.uuid4().hex
        token[AUTH_TIME_CLAIM] = int(token.current_time.timestamp())
        token.set_exp()
        # simplejwt stored the token before these claims existed: store the final text, which
        # user_tokens_revoke reads the session id from.
        OutstandingToken.objects.filter(jti=token[api_settings.JTI_CLAIM]).update(
            token=str(token), expires_at=datetime_from_epoch(token["exp"])
        )
        return token

    def set_exp(self, claim: str = "exp", from_time: Any = None, lifetime: Any = None) -> None:
        super().set_exp(claim, from_time, lifetime)
        auth_time = self.payload.get(AUTH_TIME_CLAIM)
        if claim == "exp" and auth_time is not None:
            absolute = timedelta(days=settings.JWT_REFRESH_ABSOLUTE_DAYS)
            limit = auth_time + int(absolute.total_seconds())
            self.payload["exp"] = min(self.payload["exp"], limit)


def _deny_key(kind: str, value: str) -> str:
    return f"auth:deny:{kind}:{value}"


def _deny_seconds() -> int:
    # An access token cannot be valid longer than its lifetime (plus clock leeway).
    return int(api_settings.ACCESS_TOKEN_LIFETIME.total_seconds()) + 60


def tokens_deny(*, jtis: Iterable[str] = (), sids: Iterable[str] = ()) -> None:
    entries = {_deny_key("jti", jti): 1 for jti in jtis if jti}
    entries |= {_deny_key("sid", sid): 1 for sid in sids if sid}
    if entries:
        cache.set_many(entries, timeout=_deny_seconds())


def token_is_denied(payload: dict[str, Any]) -> bool:
    keys = [_deny_key("jti", str(payload.get(api_settings.JTI_CLAIM, "")))]
    if sid := payload.get(SID_CLAIM):
        keys.append(_deny_key("sid", str(sid)))
    return bool(cache.get_many(keys))


def _claims(raw_token: str) -> dict[str, Any]:
    """Claims of a token we issued and stored ourselves (OutstandingToken): no need to verify."""
    try:
        # simplejwt annotates `token` as its Token class, but decodes the encoded str it gets.
        return token_backend.decode(raw_token, verify=False)  # type: ignore[arg-type]
    except TokenBackendError:
        return {}


def session_logout(*, refresh: str, access_payload: dict[str, Any] | None = None) -> None:
    """Blacklist the refresh token and deny its sign-in's access tokens (raises TokenError)."""
    token = RefreshToken(refresh)  # type: ignore[arg-type]  # simplejwt: Token, but takes the str
    token.blacklist()
    sids = [token.payload.get(SID_CLAIM, "")]
    jtis = []
    if access_payload:
        jtis.append(str(access_payload.get(api_settings.JTI_CLAIM, "")))
        sids.append(access_payload.get(SID_CLAIM, ""))
    tokens_deny(jtis=jtis, sids=sids)


def user_tokens_revoke(*, user_id: int | str, keep_sid: str | None = None) -> int:
    """Revoke every live JWT session of a user except `keep_sid`; returns how many."""
    now = timezone.now()
    outstanding = list(OutstandingToken.objects.filter(user_id=user_id, expires_at__gt=now))
    revoked = [
        token
        for token in outstanding
        if not keep_sid or _claims(token.token).get(SID_CLAIM) != keep_sid
    ]
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in revoked], ignore_conflicts=True
    )
    sids = {_claims(t.token).get(SID_CLAIM, "") for t in revoked} - {keep_sid or ""}
    tokens_deny(sids=sids)
    return len(sids)


def refresh_token_reuse_detect(raw_token: str) -> bool:
    """Returns True (and revokes the user's tokens) when a rotated-out token is replayed."""
    try:
        # simplejwt annotates `token` as its Token class, but decodes the encoded str it gets.
        payload = token_backend.decode(raw_token, verify=True)  # type: ignore[arg-type]
    except TokenBackendError:
        return False  # forged, tampered or expired: refused elsewhere, nothing to revoke
    jti = payload.get(api_settings.JTI_CLAIM)
    user_id: Any = payload.get(api_settings.USER_ID_CLAIM)  # the user's pk, as the token holds it
    if not jti or not BlacklistedToken.objects.filter(token__jti=jti).exists():
        return False
    user_tokens_revoke(user_id=user_id)
    # Tokens issued before sign-in ids existed: at least deny this family's own session.
    tokens_deny(sids=[payload.get(SID_CLAIM, "")])
    logger.warning("refresh token reuse detected; revoked all tokens of user %s", user_id)
    return True


__all__ = [
    "SessionRefreshToken",
    "TokenError",
    "refresh_token_reuse_detect",
    "session_logout",
    "token_is_denied",
    "tokens_deny",
    "user_tokens_revoke",
]
