"""Settings for the HTTP benchmark's gunicorn processes: production settings
(DEBUG off, cached templates, manifest static files) plus the two floor views
(benchmarks/support/http_urls.py)."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "benchmarks.support.http_urls"
