"""The anonymous page cache: published Wagtail pages, per language, in Redis.

Most learners read before they log in, and every anonymous reader of a lesson
in one language gets the same bytes. This middleware keeps those bytes and
answers the next anonymous request for the same URL without routing, templates
or a database query.

What may be stored is decided by the page, not by the URL: the ``on_serve_page``
hook below marks a response cacheable only when a live page was served to an
anonymous visitor outside a preview, and the page has no view restriction.
The middleware then stores it only when it is a plain 200 that sets no cookie
and used no CSRF token (a token belongs to one browser). Requests that carry a
session or a pending message, or a query string, are never answered from the
cache.

The key holds the URL (which holds the language: learner pages are under
``/<language>/``), the ``Save-Data`` preference (lessons show images
differently) and a digest of the deployed templates, translations and static
manifest. Publishing, unpublishing,
moving or deleting any page changes a site-wide version, after the transaction
commits, so a lesson's course outline never goes stale; entries also expire
after ``PAMOJA_PAGE_CACHE_SECONDS``.
"""

import hashlib
import uuid
from functools import cache as memoize
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse

VERSION_KEY = "pagecache:version"
STORED = "_pamoja_page_cacheable"


@memoize
def _release() -> str:
    """A digest of what renders a page besides the database: templates,
    compiled translations and the static manifest (pages link to hashed file
    names). A deploy that changes any of them starts from an empty cache,
    on every machine alike, since only contents count."""
    digest = hashlib.sha256()
    manifest = getattr(staticfiles_storage, "hashed_files", None) or {}
    digest.update(repr(sorted(manifest.items())).encode())
    roots = [Path(d) for backend in settings.TEMPLATES for d in backend["DIRS"]]
    roots += [
        Path(config.path) / "templates"
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(settings.BASE_DIR)
        and ".venv" not in Path(config.path).parts
    ]
    roots += [Path(p) for p in settings.LOCALE_PATHS]
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in {".html", ".txt", ".mo"} and path.is_file():
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def bump_version(**_kwargs) -> None:
    """Forget every cached page now, and again once the current transaction
    commits: a reader that filled the cache from the old rows in between is
    forgotten too."""
    _new_version()
    transaction.on_commit(_new_version)


def _new_version() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def ensure_version(found: str | None) -> str:
    """The site-wide version, as just read from the cache, made if missing."""
    if found is not None:
        return found
    version = uuid.uuid4().hex
    if not cache.add(VERSION_KEY, version, timeout=None):
        version = cache.get(VERSION_KEY, version)
    return version


def remembered(key: str, build, timeout: int = 3600):
    """``build()``, kept in the cache until any page changes (one round trip
    when it is there). ``build`` may return None, which is not kept."""
    found = cache.get_many([VERSION_KEY, key])
    version = ensure_version(found.get(VERSION_KEY))
    entry = found.get(key)
    if entry is not None and entry[0] == version:
        return entry[1]
    value = build()
    if value is not None:
        cache.set(key, (version, value), timeout=timeout)
    return value


def mark_cacheable(request) -> None:
    setattr(request, STORED, True)


class AnonymousPageCacheMiddleware:
    """Sits below GZip and ConditionalGet, so hits are compressed and answer
    304 like any other response, and above sessions, so a hit costs nothing
    else."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.seconds = settings.PAMOJA_PAGE_CACHE_SECONDS
        self.prefixes = tuple(f"/{code}/" for code, _name in settings.LANGUAGES)

    def __call__(self, request):
        key = self._key(request)
        if key is None:
            return self.get_response(request)
        found = cache.get_many([VERSION_KEY, key])
        version = ensure_version(found.get(VERSION_KEY))
        entry = found.get(key)
        if entry is not None and entry[0] == version:
            _version, content, headers = entry
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            response["X-Page-Cache"] = "hit"
            return response

        response = self.get_response(request)
        if self._storable(request, response):
            headers = [
                (name, value)
                for name, value in response.items()
                if name.lower() not in {"content-length", "date"}
            ]
            cache.set(key, (version, response.content, headers), self.seconds)
            response["X-Page-Cache"] = "miss"
        return response

    def _key(self, request) -> str | None:
        if (
            not self.seconds
            or request.method != "GET"
            or request.META.get("QUERY_STRING")
            or not request.path.startswith(self.prefixes)
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or "messages" in request.COOKIES
        ):
            return None
        save_data = request.headers.get("Save-Data", "").strip().lower() == "on"
        digest = hashlib.sha256(
            f"{request.get_host()}|{request.path}".encode()
        ).hexdigest()
        return f"pagecache:{_release()}:{int(save_data)}:{digest}"

    @staticmethod
    def _storable(request, response) -> bool:
        cache_control = response.get("Cache-Control", "")
        return (
            getattr(request, STORED, False)
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and b"csrfmiddlewaretoken" not in response.content
            and "private" not in cache_control
            and "no-store" not in cache_control
        )
