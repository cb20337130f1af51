"""/healthz: is each component this process depends on reachable?

Load balancers and the operator read it; it answers 503 when any component is
down, and says which.
"""

import time
import uuid

from django.core.cache import caches
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def check_cache() -> str:
    cache = caches["default"]
    key, value = f"healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    if cache.get(key) != value:
        raise RuntimeError("value written was not read back")
    cache.delete(key)
    return cache.__class__.__name__


def check_broker() -> str:
    if celery_app.conf.task_always_eager:
        return "in-process (no broker configured)"
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        return f"connected ({conn.transport_cls})"


CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}


@never_cache
@require_GET
def healthz(request):
    report, healthy = {}, True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            detail = check()
            status = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means "down"
            detail, status, healthy = f"{type(exc).__name__}: {exc}", "down", False
        report[name] = {
            "status": status,
            "detail": detail,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
    return JsonResponse(
        {"status": "ok" if healthy else "down", "checks": report},
        status=200 if healthy else 503,
    )
