"""Test settings: the embedded default, unless the integration suite passes
DATABASE_URL / REDIS_URL (see tests/integration/)."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "pamoja-tests-only"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The integration suite's worker delivers to files it can read back.
PAMOJA_EMAIL_DELIVERY_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"
)
EMAIL_FILE_PATH = os.environ.get("DJANGO_EMAIL_FILE_PATH", "")
# Tests read what collectstatic would produce without running it.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Wagtail logs every page it creates; tests create many.
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
# One key directory per test run, never the developer's own keys.
PAMOJA_KEY_DIR = Path(
    os.environ.get("PAMOJA_KEY_DIR", "") or tempfile.mkdtemp(prefix="pamoja-test-keys-")
)
