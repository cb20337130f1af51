"""Rate limits of our own views: join codes, the progress API, device tokens.

Counted as the verification limits are (certificates/partners.py): with
django-ratelimit's ``get_usage`` on the project cache (Redis in production),
in fixed windows, per user or per client address (IPv6 per /64, behind
PAMOJA_TRUSTED_PROXY_COUNT proxies the address the outermost one saw). With
the cache unreachable the limits are not applied (RATELIMIT_FAIL_OPEN): a
learner's progress must still be recorded while Redis is down.

The log-in, sign-up and password limits are allauth's (ACCOUNT_RATE_LIMITS).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage


def _usage(request, *, group: str, rate: str, key, increment: bool) -> dict | None:
    return get_usage(
        request,
        group=group,
        key="ip" if key is None else (lambda _group, _request: str(key)),
        rate=rate,
        increment=increment,
    )


def wait_seconds(request, *, group: str, rate: str, key=None) -> int | None:
    """Count this request; the seconds to wait if it is over the limit, else
    None. Counted per ``key`` (e.g. a user's id) if given, else per address."""
    usage = _usage(request, group=group, rate=rate, key=key, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    return max(1, usage["time_left"])


def exhausted_seconds(request, *, group: str, rate: str, key=None) -> int | None:
    """Without counting: the seconds to wait if the budget is spent, else None.

    For limits on failures only (wrong join codes): the request is checked
    with this first and counted with ``wait_seconds`` once it has failed."""
    usage = _usage(request, group=group, rate=rate, key=key, increment=False)
    if usage is None or usage["count"] < usage["limit"]:
        return None
    return max(1, usage["time_left"])


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def period_seconds(rate: str) -> int:
    """The window of a rate, allauth's "5/5m/key" or django-ratelimit's "10/h"."""
    period = rate.strip().split("/")[1]
    return int(float(period[:-1] or 1) * _UNITS[period[-1]])


def minutes(seconds: int) -> int:
    """A wait as a learner reads it: whole minutes, rounded up, at least 1."""
    return max(1, -(-seconds // 60))


def api_limited_message(seconds: int) -> str:
    return _("Too many requests in a short time. Try again in %(seconds)s seconds.") % {
        "seconds": seconds
    }
