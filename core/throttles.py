"""DRF throttles for sign-in and token requests, per real client address (core.client_ip)."""

import hashlib
import uuid
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


# issue 23 (performance): the check-in throttle in one Redis round trip ---------------------

# DRF's sliding log (SimpleRateThrottle) as a sorted set of request times, kept by one script:
# drop the times that left the window, refuse at the limit, otherwise record this request.
# DRF itself reads the whole log, then writes it back (two round trips, and a race between them).
_SLIDING_LOG = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local allowed = 0
if count < limit then
    redis.call('ZADD', key, now, ARGV[4])
    redis.call('EXPIRE', key, math.ceil(window))
    count = count + 1
    allowed = 1
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {allowed, count, oldest[2] or ARGV[1]}
"""
_SLIDING_LOG_SHA = hashlib.sha1(_SLIDING_LOG.encode()).hexdigest()  # noqa: S324  # Redis names scripts by SHA-1


def _sliding_log(client: Any, key: str, *args: object) -> Any:
    """Run the script by its hash (one round trip); send it whole only if Redis lacks it."""
    from redis.exceptions import NoScriptError

    try:
        return client.evalsha(_SLIDING_LOG_SHA, 1, key, *args)
    except NoScriptError:  # a restarted or flushed Redis: EVAL loads it again
        return client.eval(_SLIDING_LOG, 1, key, *args)


def _redis_cache() -> Any:
    """The default cache when it is Redis (throttle.cache is a proxy to it), else None."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]
    return cache if isinstance(cache, RedisCache) else None


class RedisScopedRateThrottle(ScopedRateThrottle):
    """DRF's ScopedRateThrottle (same rates, same sliding window, same Retry-After), counted
    by one script call on the Redis cache; any other cache falls back to DRF's get and set."""

    # Its own keys: a sorted set where DRF keeps a pickled list would be a WRONGTYPE error.
    cache_format = "throttle_log_%(scope)s_%(ident)s"
    count = 0
    oldest = 0.0
    _redis = False

    def allow_request(self, request: Request, view: Any) -> bool:
        cache = _redis_cache()
        if cache is None:
            return super().allow_request(request, view)
        # As ScopedRateThrottle.allow_request: the rate comes from the view's scope.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = self.get_cache_key(request, view)
        if self.rate is None or self.key is None:
            return True
        self._redis = True
        self.now = self.timer()
        key = cache.make_and_validate_key(self.key)
        member = f"{self.now:.6f}:{uuid.uuid4().hex[:8]}"  # two requests in one microsecond
        client = cache._cache.get_client(key, write=True)
        allowed, count, oldest = _sliding_log(
            client, key, repr(self.now), self.duration, self.num_requests, member
        )
        self.count, self.oldest = int(count), float(oldest)
        return bool(allowed)

    def wait(self) -> float | None:
        if not self._redis:
            return super().wait()
        # SimpleRateThrottle.wait's formula, from the count and the oldest time in the window.
        duration, limit = float(self.duration or 0), int(self.num_requests or 0)
        remaining = duration - (self.now - self.oldest) if self.count else duration
        available = limit - self.count + 1
        return None if available <= 0 else remaining / float(available)
