"""The site's URLs plus the floors the HTTP benchmark compares against."""

import os

from django.http import HttpResponse, JsonResponse
from django.urls import path

from certificates.models import Certificate
from config.urls import urlpatterns as site

# A page the size of the lesson being measured, made once per process.
_HEAD = "<!DOCTYPE html><html><head><title>floor</title></head><body><p>"
_TAIL = "</p></body></html>"
PAGE = (
    _HEAD
    + "x"
    * max(0, int(os.environ.get("BENCH_PAGE_BYTES", "10000")) - len(_HEAD + _TAIL))
    + _TAIL
)


def bare_page(request):
    """The floor for a page: a same-size HTML string, no template, no query."""
    return HttpResponse(PAGE)


def bare_lookup(request, code):
    """The floor for verification: one indexed lookup, a few columns, JSON."""
    row = (
        Certificate.objects.filter(code=code)
        .values("id", "name", "course_title", "issued_at", "status")
        .first()
    )
    return JsonResponse({**row, "id": str(row["id"])})


urlpatterns = [
    path("bench/page/", bare_page),
    path("bench/lookup/<str:code>/", bare_lookup),
    *site,
]
