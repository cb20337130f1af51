"""Faults: Redis down, a full media disk, PostgreSQL restarting.

Each test runs its own Redis or PostgreSQL (tests/integration/private_services.py)
so stopping it disturbs nobody else. A worker killed mid-render is covered by
test_certificates.py::test_a_worker_killed_mid_render_is_redelivered_and_renders_once.
"""

import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from certificates import api
from certificates.models import Certificate
from config.models import OutboxMessage
from progress.models import Enrolment, LessonProgress, QuizAttempt
from progress.tokens import issue_token
from tests.integration.conftest import ROOT, worker_env
from tests.integration.private_services import (
    PrivatePostgres,
    PrivateRedis,
    celery_broker,
    free_port,
    wait_until,
)
from tests.progress.helpers import answers, lessons, module


@pytest.fixture
def private_redis(tmp_path):
    redis = PrivateRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


def _tolerant_cache(url):
    return {
        "default": {
            "BACKEND": "config.cache.TolerantRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "faults",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }


def _complete_form(client, lesson):
    html = client.get(lesson.url).content.decode()
    form = re.search(
        r'<form method="post" action="([^"]+/complete/)"[^>]*>(.*?)</form>', html, re.S
    )
    return form[1], dict(re.findall(r'name="(\w+)" value="([^"]*)"', form[2]))


def _start_worker(database_name, mail_dir, redis_url, log_path):
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(  # noqa: S603 - our own worker command
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"faults-{uuid.uuid4().hex[:8]}@%h",
        ],
        cwd=ROOT,
        env=worker_env(
            database_name,
            REDIS_URL=redis_url,
            DJANGO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            DJANGO_EMAIL_FILE_PATH=str(mail_dir),
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return process, log


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_redis_down_lessons_render_progress_is_kept_and_nothing_is_dropped(
    private_redis, learner, tiny_course, settings, tmp_path, caplog
):
    learner.email = "asha@example.org"
    learner.save()
    settings.CACHES = _tolerant_cache(private_redis.url)
    first, second, third = lessons(tiny_course)
    quiz = module(tiny_course)
    anonymous, browser = Client(), Client()
    browser.force_login(learner)
    phone = Client(headers={"Authorization": f"Bearer {issue_token(user=learner)}"})

    with celery_broker(private_redis.url):
        assert anonymous.get(first.url).status_code == 200  # cached while up
        private_redis.stop()
        caplog.set_level(logging.WARNING)

        # Reading: from the database, anonymous or logged in.
        for client in (anonymous, browser):
            for page in (first, second, third, quiz):
                response = client.get(page.url)
                assert response.status_code == 200, page.url
                assert page.title in response.content.decode()
        # Writing: a plain form, the quiz form and the JSON progress API.
        action, fields = _complete_form(browser, first)
        assert browser.post(action, fields).status_code == 302
        page = browser.get(quiz.url + "quiz/").content.decode()
        attempt = re.search(r'name="attempt" value="([^"]+)"', page)[1]
        graded = browser.post(
            quiz.url + "quiz/",
            {**answers(quiz), "attempt": attempt, "event": str(uuid.uuid4())},
        )
        assert graded.status_code == 200
        synced = phone.post(
            "/api/v1/progress/events",
            {
                "events": [
                    {
                        "id": str(uuid.uuid4()),
                        "type": "lesson_completed",
                        "object": str(second.translation_key),
                        "occurred_at": (
                            timezone.now() - timedelta(minutes=1)
                        ).isoformat(),
                    }
                ]
            },
            content_type="application/json",
        )
        assert synced.status_code == 200
        assert synced.json()["recorded"] == 1
        action, fields = _complete_form(browser, third)
        assert browser.post(action, fields).status_code == 302

        # Everything sent is recorded; the certificate waits in the outbox.
        assert (
            LessonProgress.objects.filter(
                user=learner, completed_at__isnull=False
            ).count()
            == 3
        )
        assert QuizAttempt.objects.filter(user=learner).count() == 1
        assert Enrolment.objects.get(user=learner).is_completed
        assert not Certificate.objects.exists()
        waiting = list(OutboxMessage.objects.values_list("task", "args"))
        enrolment = Enrolment.objects.get(user=learner)
        assert waiting == [
            ("certificates.tasks.issue_certificate", [str(enrolment.pk)])
        ]
        assert "Redis cache unreachable" in caplog.text

        # Redis returns; a worker starts and drains the outbox on its own.
        private_redis.start()
        mail_dir = tmp_path / "mail"
        mail_dir.mkdir()
        worker, log = _start_worker(
            connection.settings_dict["NAME"],
            mail_dir,
            private_redis.url,
            tmp_path / "worker.log",
        )
        try:
            delivered = wait_until(lambda: any(mail_dir.iterdir()), timeout=180)
            assert delivered, (tmp_path / "worker.log").read_text()
            assert wait_until(lambda: not OutboxMessage.objects.exists(), 60)
        finally:
            worker.terminate()
            worker.wait(timeout=60)
            log.close()

    certificate = Certificate.objects.get(user=learner)
    assert certificate.is_rendered
    assert (settings.MEDIA_ROOT / certificate.pdf.name).read_bytes().startswith(b"%PDF")
    mails = [path.read_text() for path in mail_dir.iterdir()]
    assert len(mails) == 1
    assert "asha@example.org" in mails[0]
    assert certificate.code in mails[0] or certificate.course_title in mails[0]


# --- A full media disk -------------------------------------------------------


@pytest.fixture
def full_disk(tmp_path, settings):
    """A 256 KiB tmpfs as the media root, filled up; ``free()`` makes room."""
    media = tmp_path / "media"
    media.mkdir()
    subprocess.run(  # noqa: S603 - a tmpfs of our own
        [shutil.which("mount"), "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(media)],
        check=True,
    )
    try:
        settings.MEDIA_ROOT = media
        filler = media / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError:
            pass
        finally:
            os.close(fd)

        class Disk:
            root = media

            @staticmethod
            def free():
                filler.unlink()

        yield Disk
    finally:
        subprocess.run([shutil.which("umount"), str(media)], check=True)  # noqa: S603


@pytest.mark.django_db
def test_a_full_media_disk_leaves_no_half_written_certificate(
    full_disk, learner, tiny_course, caplog
):
    from certificates import tasks

    enrolment = Enrolment.objects.create(
        user=learner,
        course_key=tiny_course.translation_key,
        completed_at=timezone.now(),
    )
    certificate = api.issue_certificate(enrolment=enrolment)

    with pytest.raises(OSError, match="No space left on device"):
        api.render_pdf(certificate_id=certificate.pk)

    certificate.refresh_from_db()
    assert not certificate.is_rendered
    assert (certificate.pdf.name, certificate.pdf_sha256) == ("", "")
    files = [p for p in full_disk.root.rglob("*") if p.is_file()]
    assert files == [full_disk.root / "filler"]  # no partial PDF
    assert re.search(
        rf"media file certificates/{certificate.pk}/\S+\.pdf not stored: "
        r"\[Errno 28\] No space left on device",
        caplog.text,
    )
    # The worker retries this error with backoff until space returns.
    assert OSError in tasks.render_certificate.autoretry_for

    full_disk.free()
    api.render_pdf(certificate_id=certificate.pk)

    certificate.refresh_from_db()
    assert certificate.is_rendered
    stored = full_disk.root / certificate.pdf.name
    assert stored.read_bytes().startswith(b"%PDF")
    assert [p.name for p in stored.parent.iterdir()] == [stored.name]


# --- PostgreSQL restarting ---------------------------------------------------


def _fetch(url, **headers):
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def private_postgres():
    folder = Path(tempfile.mkdtemp(prefix="pamoja-faults-pg-"))
    postgres = PrivatePostgres(folder)
    try:
        postgres.init()
        postgres.start()
        yield postgres
    finally:
        postgres.destroy()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def server_on_private_postgres(private_postgres, tmp_path):
    """gunicorn (one worker, so one persistent connection) on that cluster."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": private_postgres.url,
        "REDIS_URL": "",
        "DJANGO_CONN_MAX_AGE": "600",
    }
    subprocess.run(  # noqa: S603 - our own management command
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
    )
    port = free_port()
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(  # noqa: S603 - our own server
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    up = wait_until(lambda: _answers(base), timeout=120)
    assert up, (tmp_path / "gunicorn.log").read_text()
    yield base, process
    process.terminate()
    process.wait(timeout=30)
    log.close()


def _answers(base):
    try:
        return _fetch(base + "/healthz")[0] == 200
    except OSError:
        return False


def test_postgresql_restarting_mid_request_gives_the_error_page_then_recovers(
    private_postgres, server_on_private_postgres
):
    base, server = server_on_private_postgres
    page = base + "/en/accounts/login/"
    # Any session cookie makes the request read django_session.
    cookie = {"Cookie": f"sessionid={uuid.uuid4().hex}"}
    assert _fetch(page, **cookie)[0] == 200

    # Catch a request mid-way deterministically: it waits on a lock we hold
    # when the server restarts (which ends every session, ours too).
    blocker = psycopg.connect(private_postgres.url)
    blocker.execute("LOCK TABLE django_session IN ACCESS EXCLUSIVE MODE")
    answers = []
    request = threading.Thread(target=lambda: answers.append(_fetch(page, **cookie)))
    request.start()
    waiting = wait_until(
        lambda: blocker.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        ).fetchone()[0],
        timeout=60,
    )
    assert waiting
    private_postgres.restart()
    request.join(timeout=120)
    blocker.close()

    [(status, body)] = answers
    assert status == 500
    assert "Something went wrong" in body  # site/templates/500.html
    assert "Traceback" not in body
    # The same process answers the next request.
    assert _fetch(page, **cookie)[0] == 200
    assert _fetch(base + "/healthz")[0] == 200

    # A restart between requests leaves the kept connection stale; the health
    # check on reuse (CONN_HEALTH_CHECKS) replaces it instead of failing.
    private_postgres.restart()
    assert _fetch(page, **cookie)[0] == 200
    assert server.poll() is None
