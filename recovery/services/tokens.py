"""Refresh-token reuse detection on top of simplejwt's rotation and blacklist.

Rotation hands out a new refresh token and blacklists the old one. If the old one comes back,
two parties hold the same token family (one of them a thief): revoke every outstanding refresh
token of that user, so both must sign in again.
"""

import logging
from typing import Any

from rest_framework_simplejwt.exceptions import TokenBackendError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

logger = logging.getLogger(__name__)


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
    outstanding = OutstandingToken.objects.filter(user_id=user_id).exclude(
        blacklistedtoken__isnull=False
    )
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )
    logger.warning("refresh token reuse detected; revoked all tokens of user %s", user_id)
    return True
