"""The Celery application. Tasks live in each app's tasks.py.

With no REDIS_URL the settings make every task run eagerly in the calling
process, so the embedded default needs no broker and no worker.
"""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("pamoja")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["config", "accounts", "courses", "progress", "certificates"])


@signals.worker_init.connect
def _warm_up(**kwargs):
    """Load WeasyPrint, its fonts and the signing keys in the worker parent,
    once, so each forked child starts with them instead of paying per task."""
    import django

    django.setup()
    from certificates import keys, rendering

    rendering.warm_up()
    keys.get_keyset()
