"""The embedded default: SQLite, tasks in-process, files on disk, no services."""

from .base import *  # noqa: F403

DEBUG = True
# A fixed key is fine here: dev settings never serve the public.
SECRET_KEY = "django-insecure-pamoja-dev-only"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
PAMOJA_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.console.EmailBackend"
