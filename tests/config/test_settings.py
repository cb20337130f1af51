"""Bad configuration fails fast, with a message that names the problem."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k3Y-" + "x7Qz9pLm2Rv8Ws4Tn6Yb1Hc5Jd0Fg3Ka7Se9Ud2Wi4Oq6Pr8" * 2


def manage(*args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))
    }
    clean.update(env)
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": GOOD_KEY,
    "DJANGO_ALLOWED_HOSTS": "learn.example.org",
    "DATABASE_URL": "postgres://pamoja@127.0.0.1:5432/pamoja",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def test_production_without_a_secret_key_refuses_to_start_and_says_why():
    env = {**PRODUCTION, "DJANGO_SECRET_KEY": ""}
    result = manage("check", **env)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_with_a_weak_secret_key_refuses_to_start():
    result = manage("check", **{**PRODUCTION, "DJANGO_SECRET_KEY": "secret"})

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is too weak" in result.stderr


def test_production_without_allowed_hosts_refuses_to_start():
    result = manage("check", **{**PRODUCTION, "DJANGO_ALLOWED_HOSTS": ""})

    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS is not set" in result.stderr


def test_production_refuses_sqlite():
    result = manage("check", **{**PRODUCTION, "DATABASE_URL": "sqlite:///x.db"})

    assert result.returncode != 0
    assert "DATABASE_URL must be a postgres:// URL" in result.stderr


def test_an_unreachable_database_is_reported_before_migrating():
    # Port 1 on loopback: nothing listens there, so the connection is refused.
    env = {**PRODUCTION, "DATABASE_URL": "postgres://pamoja@127.0.0.1:1/pamoja"}
    result = manage("migrate", "--check", **env)

    assert result.returncode != 0
    assert (
        "Cannot connect to the postgresql database 'default' at 127.0.0.1"
        in result.stderr
    )
    assert "Check DATABASE_URL" in result.stderr


def test_check_deploy_with_production_settings_gives_no_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
