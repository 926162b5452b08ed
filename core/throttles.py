"""DRF throttles for sign-in and token requests, per real client address (core.client_ip)."""

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from core.client_ip import client_ip


class ClientAddressMixin:
    def get_ident(self, request: Request) -> str:
        return client_ip(request._request) or "unknown"


class AuthAddressThrottle(ClientAddressMixin, SimpleRateThrottle):
    """Sign-in and refresh requests per client address, signed in or not."""

    scope = "auth_address"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AuthGlobalThrottle(SimpleRateThrottle):
    """Sign-in and refresh requests for the whole site: a ceiling for distributed attacks."""

    scope = "auth_global"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": "all"}


class ClientAddressScopedThrottle(ClientAddressMixin, ScopedRateThrottle):
    """A view's `throttle_scope`, counted per client address (never a raw X-Forwarded-For)."""
