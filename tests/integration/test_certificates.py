"""Certificates under real concurrency and failure: PostgreSQL, Redis, live
Celery workers."""

import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils.datastructures import MultiValueDict

from certificates import api, tasks
from certificates.models import Certificate
from progress import api as progress_api
from progress.models import Enrolment
from tests.integration.conftest import ROOT, wait_for, worker_env
from tests.progress.helpers import answers, lessons, module


def _all_but_the_last_lesson(user, course):
    *first, last = lessons(course)
    for lesson in first:
        progress_api.record_lesson_completed(user=user, lesson=lesson)
    quiz = module(course)
    progress_api.record_quiz_submission(
        user=user, module=quiz, data=MultiValueDict(answers(quiz))
    )
    return last


def _in_parallel(count, work):
    barrier = threading.Barrier(count)
    errors = []

    def run():
        try:
            barrier.wait(timeout=30)
            work()
        except Exception as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def _queued(task_name):
    """The queued Celery messages for ``task_name``: their positional args."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    found = []
    for raw in client.lrange("celery", 0, -1):
        message = json.loads(raw)
        if message["headers"]["task"] == task_name:
            body = json.loads(base64.b64decode(message["body"]))
            found.append(body[0])
    return found


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_parallel_completions_give_exactly_one_certificate(learner, tiny_course):
    from config.celery import app

    app.control.purge()
    last = _all_but_the_last_lesson(learner, tiny_course)

    errors = _in_parallel(
        20, lambda: progress_api.record_lesson_completed(user=learner, lesson=last)
    )

    assert errors == []
    enrolment = Enrolment.objects.get(user=learner)
    assert enrolment.is_completed
    queued = _queued("certificates.tasks.issue_certificate")
    assert queued == [[str(enrolment.pk)]]
    # Run what a worker would, twice over (as after a redelivery).
    for args in queued * 2:
        tasks.issue_certificate(*args)
    assert Certificate.objects.filter(user=learner).count() == 1
    app.control.purge()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_parallel_issues_for_one_enrolment_give_one_certificate(
    learner, tiny_course
):
    last = _all_but_the_last_lesson(learner, tiny_course)
    progress_api.record_lesson_completed(user=learner, lesson=last)
    Certificate.objects.all().delete()  # as if the completion request had failed
    enrolment = Enrolment.objects.get(user=learner)
    issued = []

    errors = _in_parallel(
        20, lambda: issued.append(api.issue_certificate(enrolment=enrolment).pk)
    )

    assert errors == []
    assert len(set(issued)) == 1
    assert Certificate.objects.filter(user=learner).count() == 1


def _start_worker(database_name, log_path, name):
    log = open(log_path, "a")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(  # noqa: S603 - our own worker command
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"{name}-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=worker_env(database_name, PAMOJA_BROKER_VISIBILITY_TIMEOUT="5"),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, log


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_render_is_redelivered_and_renders_once(
    learner, tiny_course, tmp_path, settings
):
    """The worker is caught mid-task deterministically: another connection
    holds the certificate's row lock, so the render has written its file but
    cannot record it when the worker is killed."""
    from config.celery import app

    app.control.purge()
    database_name = connection.settings_dict["NAME"]
    last = _all_but_the_last_lesson(learner, tiny_course)
    progress_api.record_lesson_completed(user=learner, lesson=last)
    certificate = api.issue_certificate(enrolment=Enrolment.objects.get(user=learner))
    folder = settings.MEDIA_ROOT / "certificates" / str(certificate.pk)
    log_path = tmp_path / "workers.log"

    blocker = psycopg.connect(
        os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + database_name
    )
    blocker.execute(
        "SELECT 1 FROM certificates_certificate WHERE id = %s FOR UPDATE",
        [certificate.pk],
    )
    first, log = _start_worker(database_name, log_path, "doomed")
    try:
        written = wait_for(lambda: folder.exists() and any(folder.iterdir()), 120)
        assert written, log_path.read_text()
        time.sleep(0.5)  # the worker is now waiting on the row lock
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
        # PostgreSQL notices a vanished client only when it next talks to it:
        # the dead worker's UPDATE, queued behind our lock, would still run.
        # End its session as a power cut (or client_connection_check_interval)
        # would, so that the render truly never got recorded.
        blocker.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()"
            " AND wait_event_type = 'Lock'",
            [database_name],
        )
    finally:
        blocker.rollback()
        blocker.close()
        log.close()
    certificate.refresh_from_db()
    assert not certificate.is_rendered
    assert len(list(folder.iterdir())) == 1  # the killed worker's unrecorded file

    second, log = _start_worker(database_name, log_path, "heir")
    try:
        rendered = wait_for(
            lambda: Certificate.objects.get(pk=certificate.pk).is_rendered,
            timeout=120,
        )
        assert rendered, log_path.read_text()
        time.sleep(8)  # past the visibility timeout: nothing is delivered again
    finally:
        second.terminate()
        second.wait(timeout=30)
        log.close()

    certificate.refresh_from_db()
    files = list(folder.iterdir())
    assert [f.name for f in files] == [certificate.pdf.name.rsplit("/", 1)[1]]
    assert hashlib.sha256(files[0].read_bytes()).hexdigest() == certificate.pdf_sha256
    assert Certificate.objects.filter(user=learner).count() == 1
    assert log_path.read_text().count("render_certificate") >= 2
