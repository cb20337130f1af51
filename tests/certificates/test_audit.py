"""The verification log: what is written, what is not, how long it is kept,
and what trainers see of it."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from certificates import audit, codes, tasks
from certificates.models import VerificationLog
from progress import api as progress_api
from tests.certificates import verifying
from tests.certificates.verifying import bearer

pytestmark = pytest.mark.django_db
issued = verifying.issued  # a fixture
partner_key = verifying.partner_key  # a fixture
PASSWORD = "a-long-Pass-phrase-42"


def logged():
    return list(VerificationLog.objects.order_by("pk"))


def test_a_page_verification_writes_one_row(client, issued):
    client.get(f"/verify/{issued.code}/")
    (row,) = logged()
    assert (row.channel, row.kind, row.outcome) == ("page", "code", "valid")
    assert row.certificate_id == issued.pk
    assert row.partner_key_id is None


def test_an_api_verification_names_the_partner_key(client, issued, partner_key):
    key, token = partner_key
    client.post(
        "/api/v1/verify",
        json.dumps({"qr_url": f"{issued.verify_url}#{issued.qr_token}"}),
        content_type="application/json",
        **bearer(token),
    )
    (row,) = logged()
    assert (row.channel, row.kind, row.outcome) == ("api", "qr", "valid")
    assert row.partner_key == key


def test_unknown_and_malformed_codes_are_logged_without_the_code(client, db):
    client.get(f"/verify/{codes.new_code()}/")
    client.get("/verify/not-a-code/")
    rows = logged()
    assert [(r.outcome, r.certificate_id) for r in rows] == [
        ("unknown", None),
        ("invalid", None),
    ]


def test_no_personal_data_is_stored(client, issued, partner_key):
    _key, token = partner_key
    client.get(f"/verify/{issued.code}/", REMOTE_ADDR="203.0.113.77")
    client.post(
        "/api/v1/verify/bulk",
        json.dumps({"codes": [issued.code, "PMJ-0000"]}),
        content_type="application/json",
        **bearer(token),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM certificates_verificationlog")
        stored = json.dumps(cursor.fetchall(), default=str)
    for personal in (issued.name, "Asha", issued.code, "203.0.113.77", "PMJ-0000"):
        assert personal not in stored


def test_bulk_writes_a_row_per_certificate_and_one_for_the_batch(
    client, issued, partner_key
):
    key, token = partner_key
    body = {"codes": [issued.code, issued.code, codes.new_code(), "bad"]}
    client.post(
        "/api/v1/verify/bulk",
        json.dumps(body),
        content_type="application/json",
        **bearer(token),
    )
    found, batch = logged()
    assert (found.kind, found.certificate_id, found.outcome) == (
        "code",
        issued.pk,
        "valid",
    )
    assert (batch.kind, batch.items, batch.certificate_id) == ("batch", 4, None)
    assert {found.channel, batch.channel} == {"bulk"}
    assert {found.partner_key, batch.partner_key} == {key}


def test_retention_deletes_old_rows_only(db, settings):
    settings.PAMOJA_VERIFY_LOG_RETENTION_DAYS = 30
    now = timezone.now()
    for days in (31, 29, 0):
        VerificationLog.objects.create(
            at=now - timedelta(days=days), channel="page", kind="code", outcome="valid"
        )
    assert tasks.verification_log_retention.delay().get() == 1
    kept = sorted((now - r.at).days for r in VerificationLog.objects.all())
    assert kept == [0, 29]


def test_retention_runs_daily_in_beat(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["verification-log-retention"]
    assert schedule["task"] == "certificates.tasks.verification_log_retention"


def test_counts_by_certificate_in_one_query(issued, django_assert_num_queries):
    now = timezone.now()
    for days in (3, 1):
        VerificationLog.objects.create(
            at=now - timedelta(days=days),
            channel="page",
            kind="code",
            outcome="valid",
            certificate=issued,
        )
    with django_assert_num_queries(1):
        counts = audit.counts_by_certificate([issued.pk])
    assert counts == {issued.pk: (2, now - timedelta(days=1))}


def test_the_trainer_sees_how_often_each_certificate_was_verified(
    client,
    cohort,
    trainer,
    issued,
    django_user_model,
    django_capture_on_commit_callbacks,
):
    progress_api.join_cohort(user=issued.user, code=cohort.join_code)
    for _ in range(3):
        client.get(f"/verify/{issued.code}/")
    client.login(username=trainer.username, password=PASSWORD)
    url = reverse("certificates:cohort", args=[cohort.pk])
    page = client.get(url).content.decode()
    today = timezone.now().strftime("%b. %-d, %Y").replace("May.", "May")
    assert "Verified" in page
    assert f"3 times, last on {today}" in page

    # More certificates, no more queries (an aggregate, not a query per row).
    with django_capture_on_commit_callbacks(execute=False):
        for i in range(3):
            other = django_user_model.objects.create_user(f"l{i}", name=f"L {i}")
            progress_api.join_cohort(user=other, code=cohort.join_code)
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    from certificates import api
    from progress.models import Enrolment

    with django_capture_on_commit_callbacks(execute=False):
        for user in django_user_model.objects.filter(username__startswith="l"):
            enrolment = Enrolment.objects.get_or_create(
                user=user, course_key=issued.course_key
            )[0]
            api.issue_certificate(enrolment=enrolment, issued_by=trainer)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert page.count("Not yet") == 3
    log_queries = [q for q in many.captured_queries if "verificationlog" in q["sql"]]
    assert len(log_queries) == 1
    assert len(many.captured_queries) == len(few.captured_queries)
