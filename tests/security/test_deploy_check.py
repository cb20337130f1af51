"""Production settings pass Django's deployment checklist and send HTTPS-only
headers and cookies. Production settings refuse to load without their
environment, so each test runs them in a process of its own."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "k3Y-"
    + "x7Qz9pLm2Rv8Ws4Tn6Yb1Hc5Jd0Fg3Ka7Se9Ud2Wi4Oq6Pr8" * 2,
    "DJANGO_ALLOWED_HOSTS": "learn.example.org",
    # This machine's services (config/checks.py pings Redis); nothing is
    # written to either.
    "DATABASE_URL": "postgres://pamoja@127.0.0.1:5432/pamoja",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
}
# A request through the whole middleware stack, as the TLS-terminating proxy
# forwards it; prints its headers and the cookie settings as JSON.
PROBE = """
import json
import django
from django.conf import settings
from django.test import Client

django.setup()
response = Client().get(
    "/api/v1/openapi.json", HTTP_HOST="learn.example.org",
    HTTP_X_FORWARDED_PROTO="https",
)
names = [
    "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE", "CSRF_COOKIE_SAMESITE", "LANGUAGE_COOKIE_SECURE",
    "LANGUAGE_COOKIE_HTTPONLY", "LANGUAGE_COOKIE_SAMESITE",
]
print(json.dumps({
    "status": response.status_code,
    "headers": dict(response.headers),
    "settings": {name: getattr(settings, name) for name in names},
}))
"""


def run(*args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "PAMOJA_MEDIA_S3"))
    }
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, **PRODUCTION, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_finds_nothing_to_warn_about():
    result = run("manage.py", "check", "--deploy", "--fail-level", "DEBUG")

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stderr + result.stdout


def test_production_responses_carry_hsts_and_cookies_are_https_only():
    result = run("-c", PROBE)

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 200
    headers = answer["headers"]
    assert (
        headers["Strict-Transport-Security"]
        == "max-age=31536000; includeSubDomains; preload"
    )
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] in (
        "default-src 'none'; frame-ancestors 'none'",
        "frame-ancestors 'none'; default-src 'none'",
    )
    assert answer["settings"] == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_SAMESITE": "Lax",
        "LANGUAGE_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_HTTPONLY": True,
        "LANGUAGE_COOKIE_SAMESITE": "Lax",
    }


def test_with_media_on_a_bucket_images_may_come_from_it_and_nowhere_else():
    probe = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps([settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'],"
        " settings.PAMOJA_CSP_ADMIN_DIRECTIVES['img-src']]))"
    )
    result = run(
        "-c",
        probe,
        PAMOJA_MEDIA_S3_BUCKET="pamoja-media",
        PAMOJA_MEDIA_S3_ENDPOINT_URL="https://s3.example.net/",
    )

    assert result.returncode == 0, result.stderr
    learner, admin = json.loads(result.stdout)
    assert learner == ["'self'", "data:", "https://s3.example.net"]
    assert admin == ["'self'", "data:", "blob:", "https://s3.example.net"]
