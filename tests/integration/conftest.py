"""The integration suite: real PostgreSQL, Redis and a live Celery worker.

scripts/test.sh runs it with DATABASE_URL and REDIS_URL pointing at the
machine's services. Under CI=true a missing service is a failure, never a skip.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(config, items):
    for item in items:
        item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session", autouse=True)
def _real_services():
    """Refuse to run the integration suite on the embedded default."""
    problems = []
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        problems.append("DATABASE_URL is not a PostgreSQL URL")
    if not settings.REDIS_URL:
        problems.append("REDIS_URL is not set")
    if problems:
        message = "integration suite needs real services: " + "; ".join(problems)
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message + " (run it with scripts/test.sh)")


def worker_env(database_name: str, **extra) -> dict:
    env = dict(os.environ)
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        # The worker must see what the tests commit: pytest-django's test DB.
        DATABASE_URL=f"{url}/{database_name}",
        # The same signing keys as the tests (scripts/test.sh shares one dir).
        PAMOJA_KEY_DIR=str(settings.PAMOJA_KEY_DIR),
        **extra,
    )
    return env


@pytest.fixture(scope="session")
def mail_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("mail")


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, mail_dir):
    """A real `celery worker` process consuming from Redis, for the session."""
    with django_db_blocker.unblock():
        database_name = connection.settings_dict["NAME"]
    from config.celery import app

    app.control.purge()
    log = open(mail_dir.parent / "worker.log", "w")  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603 - our own worker command
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"integration-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=worker_env(
            database_name,
            DJANGO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            DJANGO_EMAIL_FILE_PATH=str(mail_dir),
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"celery worker exited with {process.returncode}; see {log.name}"
            )
        if app.control.ping(timeout=1):
            break
    else:
        process.kill()
        pytest.fail("celery worker did not answer a ping within 60 s")
    yield process
    process.terminate()
    process.wait(timeout=30)
    log.close()


def wait_for(predicate, timeout=30.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return predicate()
