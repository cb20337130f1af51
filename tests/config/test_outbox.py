"""The transactional outbox and the Redis cache that tolerates an outage.

Their behaviour against real services is in tests/integration/test_faults.py.
"""

import logging
import socket
from unittest import mock

import pytest
from allauth.core import ratelimit as allauth_ratelimit
from django.db import transaction
from django.test import RequestFactory
from django_ratelimit.core import get_usage
from kombu.exceptions import OperationalError

from config import outbox
from config.cache import TolerantRedisCache
from config.celery import app
from config.models import OutboxMessage


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dead_redis_url():
    return f"redis://127.0.0.1:{_closed_port()}/0"


def test_an_unreachable_redis_answers_as_an_empty_cache(dead_redis_url, caplog):
    cache = TolerantRedisCache(dead_redis_url, {"OPTIONS": {"socket_timeout": 0.25}})
    caplog.set_level(logging.WARNING, logger="config.cache")

    assert cache.get("key", "default") == "default"
    assert cache.get("key") is None
    assert cache.get_or_set("key", 5) == 5
    assert cache.add("key", 1) is True  # so that locks on it do not wait
    assert cache.set("key", 1) is None
    assert cache.incr("key") is None
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.delete("key") is False
    assert caplog.text.count("Redis cache unreachable") == 1


def test_rate_limits_are_not_applied_while_redis_is_down(dead_redis_url, settings):
    """SECURITY.md, "When Redis is down": RATELIMIT_FAIL_OPEN."""
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.TolerantRedisCache",
            "LOCATION": dead_redis_url,
        }
    }
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1")

    for _attempt in range(20):
        usage = get_usage(request, group="t", key="ip", rate="5/m", increment=True)
        assert usage is None or not usage["should_limit"]
    # allauth's log-in, sign-up and password limits: allowed, at once.
    for _attempt in range(20):
        assert allauth_ratelimit.consume(request, action="login_failed", key="asha")


@pytest.fixture
def broker():
    """A broker (in memory) instead of in-process tasks."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = eager


@pytest.mark.django_db(transaction=True)
def test_a_task_waits_in_the_outbox_until_the_broker_takes_it(broker):
    down = OperationalError("Connection refused")
    with mock.patch.object(app, "send_task", side_effect=down) as send:
        with transaction.atomic():
            outbox.enqueue("config.tasks.deliver_email", {"to": ["a@example.org"]})
            assert send.call_count == 0  # nothing leaves before commit
    assert send.call_count == 1
    assert list(OutboxMessage.objects.values_list("task", "args")) == [
        ("config.tasks.deliver_email", [{"to": ["a@example.org"]}])
    ]

    with mock.patch.object(app, "send_task") as send:
        assert outbox.drain() == 1
        assert outbox.drain() == 0
    assert send.call_args.args == ("config.tasks.deliver_email",)
    assert send.call_args.kwargs["args"] == [{"to": ["a@example.org"]}]
    assert send.call_args.kwargs["retry"] is False
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_leaves_no_task(broker):
    with mock.patch.object(app, "send_task") as send:
        with pytest.raises(RuntimeError), transaction.atomic():
            outbox.enqueue("config.tasks.deliver_email", {})
            raise RuntimeError

    assert send.call_count == 0
    assert not OutboxMessage.objects.exists()
