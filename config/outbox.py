"""The transactional outbox: no task is lost while the broker is down.

``enqueue`` writes the task as a row in the caller's transaction; once that
commits, it is published at once, with a short timeout and no retries, and
its row deleted. Outside a transaction there is nothing to be atomic with:
the task is published at once and a row written only if the broker is down.
If the broker is down the row stays, and ``drain`` (every minute from beat,
and when a worker starts) publishes it later. A row is
locked while it is published and deleted in the same transaction, so two
publishers never send one row twice; a crash between the two sends it again,
which the tasks tolerate (they are idempotent).

With no broker (the embedded default) tasks run in-process after commit, as
before, and no row is written.
"""

import logging
import os
import threading
from functools import partial

from django.db import transaction
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from config.celery import app

from .models import OutboxMessage

log = logging.getLogger(__name__)

# The request that wrote the row must not wait for a dead broker.
PUBLISH_OPTIONS = {
    "connect_timeout": 1,
    "transport_options": {"max_retries": 0, "socket_connect_timeout": 1},
}
# What a dead or restarted broker raises: kombu's wrapper when connecting,
# OS errors, and the Redis client's own errors on a connection kept from
# before the outage.
UNAVAILABLE = (OperationalError, OSError, RedisError)


def enqueue(task: str, *args) -> None:
    """Publish ``task(*args)`` once the current transaction commits; kept in
    the outbox until the broker takes it. Arguments must be JSON-serialisable."""
    if app.conf.task_always_eager:
        transaction.on_commit(partial(_run_in_process, task, args))
        return
    if not transaction.get_connection().in_atomic_block:
        # No transaction to be part of (e.g. a receiver of course_completed,
        # sent after commit): publish straight away, and keep a row only if
        # the broker cannot take it. Saves a completion four round trips.
        try:
            app.send_task(task, args=list(args), connection=_connection(), retry=False)
            return
        except UNAVAILABLE as error:
            _forget_connection()
            log.warning("broker unavailable, the task waits in the outbox: %s", error)
            OutboxMessage.objects.create(task=task, args=list(args))
            return
    row = OutboxMessage.objects.create(task=task, args=list(args))
    transaction.on_commit(partial(publish, [row.pk]), robust=True)


def publish(ids) -> int:
    """Publish the given outbox rows; the count published. Stops at the
    first broker failure: the rest wait for the next drain."""
    published = 0
    connection = _connection()
    for pk in ids:
        try:
            published += _publish_one(pk, connection)
        except UNAVAILABLE as error:
            _forget_connection()
            log.warning(
                "broker unavailable, %s task(s) wait in the outbox: %s",
                len(ids) - published,
                error,
            )
            break
    return published


# One broker connection per process and thread, kept between publishes:
# connecting costs more than publishing, and a learner's completion should
# not pay it. Dropped after a failure, so the next publish connects afresh.
_local = threading.local()


def _connection():
    """The kept connection, made afresh in a forked child or when the broker
    setting changed."""
    owner = (os.getpid(), app.conf.broker_write_url or app.conf.broker_url)
    connection = getattr(_local, "connection", None)
    if connection is None or getattr(_local, "owner", None) != owner:
        if connection is not None:
            _forget_connection()
        connection = _local.connection = app.connection_for_write(**PUBLISH_OPTIONS)
        _local.owner = owner
    return connection


def _forget_connection() -> None:
    connection = getattr(_local, "connection", None)
    _local.connection = None
    if connection is not None:
        try:
            connection.release()
        except Exception:  # noqa: BLE001, S110 - already broken; only let it go
            pass


def drain(batch: int = 500) -> int:
    """Publish whatever the outbox holds, oldest first (idempotent)."""
    ids = list(OutboxMessage.objects.values_list("pk", flat=True)[:batch])
    return publish(ids) if ids else 0


def _run_in_process(task: str, args) -> None:
    # By its dotted name (every task is named after its function): loading
    # all task modules through Celery's loader would run django.setup() again
    # in the middle of a request, reconfiguring logging.
    import_string(task).apply_async(args)


def _publish_one(pk, connection) -> int:
    with transaction.atomic():
        row = OutboxMessage.objects.select_for_update(skip_locked=True)
        row = row.filter(pk=pk).first()
        if row is None:  # published already, or being published elsewhere
            return 0
        app.send_task(row.task, args=row.args, connection=connection, retry=False)
        row.delete()
    return 1
