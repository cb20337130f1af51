"""Verification counted and logged through Redis (certificates/verifylog.py):
one round trip per request, rows reach the log table in batches, nothing is
lost or counted twice, and a dead Redis neither blocks nor loses a row."""

import threading

import pytest
import redis
from django.db import connection

from certificates import audit, verifylog
from certificates.models import VerificationLog
from tests.certificates.verifying import bearer, issued, partner_key  # noqa: F401

URL = "/api/v1/verify"
PAGE = "/verify/{code}/"


@pytest.fixture(autouse=True)
def clean_queue(settings):
    client = redis.Redis.from_url(settings.REDIS_URL)

    def clean():
        keys = list(client.scan_iter(verifylog._COUNTER + "*"))
        client.delete(verifylog.QUEUE, verifylog._DRAIN_LOCK, *keys)

    clean()
    yield client
    clean()


def post_code(client, code, **extra):
    return client.post(URL, {"code": code}, content_type="application/json", **extra)


def test_a_verification_is_queued_then_drained_by_whoever_reads_the_log(
    client,
    issued,  # noqa: F811
):
    assert post_code(client, issued.code).status_code == 200
    assert client.get(PAGE.format(code=issued.code)).status_code == 200
    assert verifylog.queued() == 2
    assert VerificationLog.objects.count() == 0  # not on the request's path
    counts = audit.counts_by_certificate([issued.pk])
    assert counts[issued.pk][0] == 2
    assert verifylog.queued() == 0
    rows = VerificationLog.objects.order_by("channel")
    assert [(r.channel, r.kind, r.outcome) for r in rows] == [
        ("api", "code", "valid"),
        ("page", "code", "valid"),
    ]
    assert all(r.certificate_id == issued.pk for r in rows)


def test_one_round_trip_to_redis_and_one_query_per_verification_by_code(
    client,
    issued,  # noqa: F811
    monkeypatch,
):
    post_code(client, issued.code)  # warm: the script is loaded, keys exist
    commands = []
    original = redis.Redis.execute_command

    def counting(self, *args, **options):
        commands.append(args[0])
        return original(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", counting)
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert post_code(client, issued.code).status_code == 200
    assert commands == ["EVALSHA"]
    assert len(queries) == 1  # the lookup; no INSERT on the request's path


def test_the_limit_counts_per_address_and_refused_requests_are_not_logged(
    client,
    issued,  # noqa: F811
    settings,
):
    settings.PAMOJA_VERIFY_RATE_ANON = "3/m"
    statuses = [post_code(client, issued.code).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    refused = post_code(client, issued.code)
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "Too many" in refused.json()["detail"]
    assert post_code(client, issued.code, REMOTE_ADDR="198.51.100.7").status_code == 200
    assert verifylog.drain() == 4  # three from here, one from elsewhere


def test_a_partner_key_has_its_own_window(
    client,
    issued,  # noqa: F811
    partner_key,  # noqa: F811
    settings,
):
    settings.PAMOJA_VERIFY_RATE_ANON = "1/m"
    key, token = partner_key
    key.rate_per_minute = 2
    key.save()
    keyed = [post_code(client, issued.code, **bearer(token)).status_code for _ in "abc"]
    assert keyed == [200, 200, 429]
    assert post_code(client, issued.code).status_code == 200
    verifylog.drain()
    assert VerificationLog.objects.filter(partner_key=key).count() == 2


def test_the_queue_is_drained_when_it_reaches_the_batch_size(
    client,
    issued,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
):
    settings.PAMOJA_VERIFY_LOG_BATCH = 3
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            post_code(client, issued.code)
    assert verifylog.queued() == 0
    assert VerificationLog.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_drains_store_each_row_once(django_db_blocker):
    # Rows for codes that found nothing: other connections cannot see this
    # test's uncommitted certificates.
    unknown = type("Result", (), {"outcome": "unknown", "certificate_id": None})()
    for _ in range(2_000):
        verifylog.queue(verifylog.row(channel="api", kind="code", result=unknown))
    moved, errors = [], []

    def drain():
        try:
            with django_db_blocker.unblock():
                moved.append(verifylog.drain())
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=drain) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(moved) == 2_000  # whichever thread held the lock moved them all
    assert verifylog.queued() == 0
    with django_db_blocker.unblock():
        stored = VerificationLog.objects.filter(outcome="unknown").count()
    assert stored == 2_000


def test_rows_of_a_certificate_deleted_while_queued_keep_no_reference(
    client,
    issued,  # noqa: F811
):
    post_code(client, issued.code)
    post_code(client, "PMJ-0000-0000-0000-0")  # unknown: no certificate at all
    issued.delete()
    assert verifylog.drain() == 2
    assert VerificationLog.objects.filter(certificate=None).count() == 2


def test_with_redis_down_verification_answers_and_logs_straight_to_the_database(
    client,
    issued,  # noqa: F811
    settings,
):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = post_code(client, issued.code)
    assert response.status_code == 200
    assert response.json()["outcome"] == "valid"
    assert VerificationLog.objects.filter(certificate=issued).count() == 1
    assert verifylog.drain() == 0  # nothing to drain, and no error either


def test_the_beat_job_drains(
    client,
    issued,  # noqa: F811
):
    from certificates import tasks

    post_code(client, issued.code)
    assert tasks.drain_verification_log() == 1
    assert tasks.drain_verification_log() == 0
    assert VerificationLog.objects.count() == 1
