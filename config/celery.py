"""The Celery application. Tasks live in each app's tasks.py.

With no REDIS_URL the settings make every task run eagerly in the calling
process, so the embedded default needs no broker and no worker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("pamoja")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["config", "accounts", "courses", "progress", "certificates"])
