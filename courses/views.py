"""The service worker, served from the root so that one worker covers the
pages of every language (/en/…, /ar/…): a worker only controls pages under
the path it is served from, and a learner may switch language mid-course."""

from functools import cache

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.views.decorators.http import require_GET


@cache
def _source() -> bytes:
    with open(finders.find("js/sw.js"), "rb") as file:
        return file.read()


@require_GET
def service_worker(request):
    response = HttpResponse(_source(), content_type="text/javascript; charset=utf-8")
    # Browsers look for a new worker at most daily anyway; never later than that.
    response["Cache-Control"] = "no-cache"
    return response
