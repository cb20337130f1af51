"""A course to take away: saved for offline reading, or as one HTML file.

Two downloads, each with its size shown before it starts:

- **Offline use** (``sw.js`` and ``download.js``, where the browser has service
  workers): the pages of a course or of one module, and the static files they
  need, fetched into the browser's cache. Its size is the sum of the pages'
  gzip-compressed HTML, the bytes a learner pays for.
- **One file** (any browser, no JavaScript): the whole course in order, quiz
  questions without their answers, images as their alternative text, inline
  CSS; to print, or to share over Bluetooth or USB. Its size is the file's.

Both are measured by rendering the pages as an anonymous visitor would see them,
once per published version of the course and language (the cache key names
every page's publication time), so a course page costs one query afterwards.
"""

from __future__ import annotations

import copy
import gzip
import hashlib
from functools import cache as memoize

from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.http import QueryDict
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import resolve
from django.utils import timezone
from django.utils.translation import get_language
from wagtail.models import Page

from . import images

# Sent by download.js with every page it saves: the page is being stored, not
# read, so the progress engine records no view (courses.models.LessonPage).
OFFLINE_HEADER = "X-Pamoja-Offline"
# What every saved page needs besides its HTML.
STATIC_FILES = ("css/pamoja.css", "js/offline.js", "js/download.js")
CACHE_SECONDS = 7 * 24 * 3600


def is_offline_copy(request) -> bool:
    return request.headers.get(OFFLINE_HEADER) == "1"


def kib(size: int) -> int:
    return images.kib(size)


# --- What a download holds -----------------------------------------------------


def page_paths(page, request, *, outline=None) -> list[str]:
    """The pages to save for ``page`` (a course or a module), course page first."""
    from .models import CoursePage, ModulePage

    course = page if isinstance(page, CoursePage) else page.course
    outline = outline or course.outline()
    paths = [course.get_url(request)]
    for module in outline.modules:
        if isinstance(page, ModulePage) and module.page.pk != page.pk:
            continue
        paths.append(module.page.get_url(request))
        paths += [lesson.get_url(request) for lesson in module.lessons]
        if module.page.quiz_questions():
            paths.append(module.page.get_url(request) + "quiz/")
    return paths


def static_urls() -> list[str]:
    return [static(name) for name in STATIC_FILES]


def manifest(page, request) -> dict:
    """What download.js fetches for ``page``, and how many bytes that is."""
    sizes = measured_sizes(getattr(page, "course", None) or page, request)
    paths = page_paths(page, request)
    return {
        "urls": paths + static_urls(),
        "bytes": sum(sizes.get(p, 0) for p in paths) + static_bytes(),
    }


# --- Sizes ----------------------------------------------------------------------


def content_version(course) -> str:
    """Changes whenever a page of the course is published or unpublished."""
    rows = (
        Page.objects.live()
        .descendant_of(course, inclusive=True)
        .order_by("path")
        .values_list("pk", "last_published_at")
    )
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()[:16]


def _cache_key(kind: str, course, version: str) -> str:
    return f"courses.offline:{kind}:{course.pk}:{get_language()}:{version}"


def measured_sizes(course, request, *, version=None) -> dict[str, int]:
    """Compressed HTML bytes of every page of ``course``, by path."""
    key = _cache_key("sizes", course, version or content_version(course))
    sizes = cache.get(key)
    if sizes is None:
        sizes = {
            path: len(gzip.compress(render_anonymously(path, request)))
            for path in page_paths(course, request)
        }
        cache.set(key, sizes, CACHE_SECONDS)
    return sizes


@memoize
def static_bytes() -> int:
    """The static files' compressed size (whitenoise serves them compressed)."""
    total = 0
    for name in STATIC_FILES:
        path = finders.find(name)
        if path:
            with open(path, "rb") as file:
                total += len(gzip.compress(file.read()))
    return total


def course_downloads(course, request, *, outline) -> dict | None:
    """The sizes a course page shows, in KiB: offline use and the file.

    Each of ``outline``'s modules gets its own offline size, ``download_kib``.
    None while the course page itself is being measured.
    """
    if getattr(request, "is_measuring", False):
        return None
    version = content_version(course)
    sizes = measured_sizes(course, request, version=version)
    course_pages = page_paths(course, request, outline=outline)
    for entry in outline.modules:
        paths = page_paths(entry.page, request, outline=outline)
        entry.download_kib = kib(sum(sizes.get(p, 0) for p in paths) + static_bytes())
    return {
        "course_kib": kib(sum(sizes.get(p, 0) for p in course_pages) + static_bytes()),
        "file_kib": kib(course_file_size(course, request, version=version)),
    }


def render_anonymously(path: str, request) -> bytes:
    """The HTML of ``path`` as a visitor who is not logged in gets it.

    Resolved and served like a real request, without the middleware (the
    language is already active); nothing is recorded for anyone.
    """
    fake = copy.copy(request)
    fake.__dict__.pop("headers", None)  # a cached_property of the original
    fake.META = {
        key: value
        for key, value in request.META.items()
        if key not in ("HTTP_SAVE_DATA", "HTTP_X_PAMOJA_OFFLINE", "HTTP_COOKIE")
    }
    fake.META.update(PATH_INFO=path, REQUEST_METHOD="GET", QUERY_STRING="")
    fake.path = fake.path_info = path
    fake.method = "GET"
    fake.GET, fake.POST, fake.COOKIES = QueryDict(), QueryDict(), {}
    fake.user = AnonymousUser()
    fake.is_measuring = True
    fake._messages = []  # the visitor's own messages stay theirs
    match = resolve(path)
    response = match.func(fake, *match.args, **match.kwargs)
    if hasattr(response, "render"):
        response.render()
    return response.content


# --- The single file ----------------------------------------------------------


def course_file(course, request, *, version=None) -> bytes:
    """The whole course as one self-contained HTML file, in the active language."""
    version = version or content_version(course)
    content = cache.get(_cache_key("file", course, version))
    if content is None:
        content = _render_course_file(course, request).encode()
        cache.set_many(
            {
                _cache_key("file", course, version): content,
                _cache_key("file-size", course, version): len(content),
            },
            CACHE_SECONDS,
        )
    return content


def course_file_size(course, request, *, version=None) -> int:
    """The file's size in bytes, without fetching the file from the cache."""
    version = version or content_version(course)
    size = cache.get(_cache_key("file-size", course, version))
    if size is None:
        size = len(course_file(course, request, version=version))
    return size


def _render_course_file(course, request) -> str:
    outline = course.outline()
    modules = [
        {"entry": entry, "questions": entry.page.quiz_questions()}
        for entry in outline.modules
    ]
    return render_to_string(
        "courses/course_file.html",
        {
            "page": course,
            "modules": modules,
            "completion_rule": course.completion_rule(module_count=len(modules)),
            "course_url": request.build_absolute_uri(course.get_url(request)),
            "made_at": timezone.now(),
            "lesson_images": images.LessonImages(images.Mode.TEXT),
        },
    )
