"""Counting a verification against its rate limit and logging it, in one
round trip to Redis.

A verification by code is the busiest thing partners call, and most of its
cost was not the lookup: the log's INSERT (a commit) and the limiter's two
or three cache round trips (django-ratelimit's add-then-incr over Django's
Redis cache) cost more than the query itself. Here one Lua script, atomic in
Redis, increments the caller's counter and, when the caller is within its
limit, queues the log row. Queued rows reach PostgreSQL by COPY, in batches:
when the queue holds ``PAMOJA_VERIFY_LOG_BATCH`` rows, every minute (a beat
job), and before anything reads the log (``audit.counts_by_certificate``,
retention), so counts are never stale to the people reading them.

The limits keep django-ratelimit's meaning: a fixed window per client address
(IPv6 per /64, via django-ratelimit's own address function) or per partner
key, every request counted, refused over the limit with the seconds left.

Durability: a queued row lives in Redis until drained, so it is as durable as
the broker's Redis (AOF in production, see deploy/). A drain that dies between
its COPY and trimming the queue counts those rows twice rather than losing
them. Without ``REDIS_URL`` (development, unit tests), or with Redis down,
rows are inserted directly and limits fall back to django-ratelimit on the
project cache; with Redis down, that cache answers nothing, so verification
is not limited until Redis returns (see SECURITY.md).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_ratelimit.core import _get_ip, _split_rate

log = logging.getLogger(__name__)

QUEUE = "pamoja:verification-log"
_DRAIN_LOCK = "pamoja:verification-log:drain"
_COUNTER = "pamoja:verify-limit:"
# Rows per COPY when draining.
_DRAIN_CHUNK = 5_000

# KEYS[1] the caller's counter, KEYS[2] the log queue.
# ARGV[1] the limit, ARGV[2] the window in seconds, ARGV[3] the row or "".
# Returns {count in this window, seconds left in it, queue length or 0}.
_ADMIT = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
local queued = 0
if count <= tonumber(ARGV[1]) and ARGV[3] ~= '' then
  queued = redis.call('RPUSH', KEYS[2], ARGV[3])
end
return {count, ttl, queued}
"""


@functools.cache
def _redis(url: str):
    import redis

    # Short timeouts: a dead Redis must not hold a verification for seconds.
    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)


@functools.cache
def _script(url: str):
    return _redis(url).register_script(_ADMIT)


def _url() -> str:
    return settings.REDIS_URL


def admit(request, *, group: str, rate: str, partner=None, row=None) -> int | None:
    """Count this request; the seconds to wait if it is over its limit, else
    None, having logged ``row`` (from :func:`row`) if one is given."""
    if not _url():
        return _fallback(request, group=group, rate=rate, partner=partner, row=row)
    if partner is not None:
        limit, window = partner.rate_per_minute, 60
        who, group = f"key:{partner.pk}", f"{group}:partner"
    else:
        limit, window = _split_rate(rate)
        who = f"ip:{_get_ip(request)}"
    # Hashed: the counter's name holds no address.
    key = _COUNTER + hashlib.sha256(f"{group}|{who}".encode()).hexdigest()[:32]
    payload = json.dumps(row, separators=(",", ":")) if row is not None else ""
    try:
        count, ttl, queued = _script(_url())(
            keys=[key, QUEUE], args=[limit, window, payload]
        )
    except Exception:  # noqa: BLE001 - any Redis failure: answer, log directly
        log.warning("verification limiter unavailable; logging to the database")
        if row is not None:
            _insert([row])
        return None
    if count > limit:
        return max(1, int(ttl))
    if queued >= settings.PAMOJA_VERIFY_LOG_BATCH:
        # After the request's own transaction, if it has one.
        transaction.on_commit(drain)
    return None


def queue(row) -> None:
    """Log ``row`` without counting it (the request was counted already)."""
    if _url():
        try:
            _redis(_url()).rpush(QUEUE, json.dumps(row, separators=(",", ":")))
            return
        except Exception:  # noqa: BLE001 - Redis down: straight to the database
            log.warning("verification log queue unavailable; logging directly")
    _insert([row])


def row(*, channel: str, kind: str, result, partner=None, items: int = 1) -> list:
    """A log row, in ``audit._COLUMNS`` order, as JSON-ready values."""
    certificate = result.certificate_id if result is not None else None
    return [
        timezone.now().isoformat(),
        str(channel),
        str(kind),
        str(result.outcome) if result is not None else "",
        items,
        str(certificate) if certificate else None,
        partner.pk if partner is not None else None,
    ]


def drain() -> int:
    """Move queued rows into PostgreSQL; how many moved. One drain at a time
    (a Redis lock); rows leave the queue only after their COPY committed."""
    if not _url():
        return 0
    try:
        client = _redis(_url())
        lock = client.lock(_DRAIN_LOCK, timeout=120, blocking=False)
        if not lock.acquire(blocking=False):
            return 0
    except Exception:  # noqa: BLE001 - Redis down: the rows wait there
        log.warning("verification log queue unavailable; not drained")
        return 0
    moved = 0
    try:
        while raw := client.lrange(QUEUE, 0, _DRAIN_CHUNK - 1):
            with transaction.atomic():
                _insert([json.loads(item) for item in raw])
            client.ltrim(QUEUE, len(raw), -1)
            moved += len(raw)
    finally:
        lock.release()
    return moved


def _insert(rows: list[list]) -> None:
    """Store rows; a certificate or partner key deleted while its rows were
    queued is dropped from them, as ``on_delete=SET_NULL`` does for stored
    rows (otherwise one such row would fail its whole batch forever)."""
    from . import audit
    from .models import Certificate, PartnerKey

    certificates = {r[5] for r in rows if r[5]}
    keys = {r[6] for r in rows if r[6]}
    if certificates:
        found = Certificate.objects.filter(pk__in=certificates).values_list("pk")
        certificates = {str(pk) for (pk,) in found}
    if keys:
        keys = set(PartnerKey.objects.filter(pk__in=keys).values_list("pk", flat=True))
    audit.insert_rows(
        [
            (
                datetime.fromisoformat(at),
                channel,
                kind,
                outcome,
                items,
                certificate if certificate in certificates else None,
                key if key in keys else None,
            )
            for at, channel, kind, outcome, items, certificate, key in rows
        ]
    )


def _fallback(request, *, group, rate, partner, row) -> int | None:
    from . import partners

    wait = partners.wait_seconds(request, group=group, rate=rate, partner=partner)
    if wait is None and row is not None:
        _insert([row])
    return wait


def queued() -> int:
    """Rows waiting in the queue (0 without Redis)."""
    if not _url():
        return 0
    return _redis(_url()).llen(QUEUE)
