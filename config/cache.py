"""A Redis cache that treats an unreachable Redis as an empty cache.

Every anonymous request consults the page cache and many views read small
cached values: with Redis down they would all fail. Here a connection error
or a timeout is logged once per outage and the call answers as a miss would:
``get`` gives the default, writes store nothing, ``incr`` gives None
(django-ratelimit then applies RATELIMIT_FAIL_OPEN). ``add`` reports success:
allauth's rate limits lock with it, and a refused lock would make every log-in
wait a second and then be refused (the rate limits fail open; SECURITY.md,
"When Redis is down"). Short socket timeouts in the settings keep a dead or
hung Redis from stalling each request.
"""

import logging
import threading
from functools import wraps

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)

# Set while Redis is unreachable, so the outage is logged once per process.
_outage = threading.Event()


def _tolerant(method, when_down):
    """``method``, answering ``when_down(args, kwargs)`` while Redis is down."""

    @wraps(method)
    def call(self, *args, **kwargs):
        try:
            result = method(self, *args, **kwargs)
        except UNREACHABLE as error:
            if not _outage.is_set():
                _outage.set()
                log.error(
                    "Redis cache unreachable (%s): serving without a cache", error
                )
            return when_down(args, kwargs)
        if _outage.is_set():
            _outage.clear()
            log.warning("Redis cache reachable again")
        return result

    return call


def _default(args, kwargs):
    return kwargs.get("default", args[1] if len(args) > 1 else None)


def _constant(value):
    return lambda args, kwargs: value


def _every_key(args, kwargs):
    # set_many returns the keys it failed to store: all of them.
    return list(args[0] if args else kwargs["data"])


class TolerantRedisCache(RedisCache):
    """Django's RedisCache, answering as an empty cache while Redis is down."""

    get = _tolerant(RedisCache.get, _default)
    get_many = _tolerant(RedisCache.get_many, lambda args, kwargs: {})
    has_key = _tolerant(RedisCache.has_key, _constant(False))
    add = _tolerant(RedisCache.add, _constant(True))
    set = _tolerant(RedisCache.set, _constant(None))
    set_many = _tolerant(RedisCache.set_many, _every_key)
    touch = _tolerant(RedisCache.touch, _constant(False))
    incr = _tolerant(RedisCache.incr, _constant(None))
    delete = _tolerant(RedisCache.delete, _constant(False))
    delete_many = _tolerant(RedisCache.delete_many, _constant(None))
    clear = _tolerant(RedisCache.clear, _constant(False))
