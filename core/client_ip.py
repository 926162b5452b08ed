"""The client's real address, behind a known number of trusted reverse proxies.

One function for every consumer (django-axes, the DRF throttles, the audit trail), so a lockout,
a throttle and an audit row always name the same address.

Each proxy appends the address it received the connection from to X-Forwarded-For. With
TRUSTED_PROXY_COUNT = n, the entry written by the outermost trusted proxy is the n-th from the
right: that is the client. Entries further left were sent by the client and are never trusted.
With n = 0 (no proxy) the header is ignored and REMOTE_ADDR is the client. This is the rule
DRF applies with NUM_PROXIES, which the settings set to the same number.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    remote = _valid(request.META.get("REMOTE_ADDR", "") or "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part]
    if not forwarded:
        return remote  # a request that bypassed the proxy: its own socket address
    # Fewer entries than proxies: the leftmost was still written by a trusted proxy.
    candidate = forwarded[-min(count, len(forwarded))]
    return _valid(candidate) or remote
