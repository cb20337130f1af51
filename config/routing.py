"""Page routing in two queries, whatever the depth of the page.

Wagtail finds a page by walking the tree from the site's root, one query per
level plus one for each page's specific type: nine for a lesson at
``/<language>/<course>/<module>/<lesson>/``, before the view-restriction check
adds two more. Every published page already stores its full ``url_path``, so
one query can ask for all the pages along the requested path at once and keep
the deepest; a second loads it as its own type. That page then routes the rest
of the path itself (a module's quiz, a course's download), exactly as under
Wagtail's walk, so routable pages, ``live`` and 404s behave as before.

What the walk starts from (the request's site, the root page of the active
language, and whether any page has a view restriction at all) is kept in the
cache under the page-cache version (config/pagecache.py), which any publish,
move or deletion changes, as do changes to sites and view restrictions.
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.utils import translation
from wagtail import views as wagtail_views
from wagtail.models import Locale, Page, PageViewRestriction, Site

from config import pagecache


@dataclass(frozen=True)
class Start:
    site: Site
    root_pk: int
    root_path: str
    root_url_path: str
    root_depth: int
    any_view_restriction: bool


def serve(request, path):
    """Wagtail's serve view, with the route found by ``route``."""
    request._wagtail_route_for_request = route(request, path)
    return wagtail_views.serve(request, path)


def route(request, path: str):
    """The page (and its routable view's arguments) ``path`` names, or None."""
    start = _start(request)
    if start is None:
        return None
    request._wagtail_site = start.site
    components = [component for component in path.split("/") if component]
    url_paths = [
        start.root_url_path + "".join(f"{c}/" for c in components[:depth])
        for depth in range(len(components) + 1)
    ]
    found = (
        Page.objects.filter(path__startswith=start.root_path, url_path__in=url_paths)
        .order_by("-depth")
        .values_list("pk", "content_type_id", "depth")
        .first()
    )
    if found is None:
        return None
    pk, content_type_id, depth = found
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    if model is None:  # a page type whose app was removed
        return None
    page = model.objects.get(pk=pk)
    if not start.any_view_restriction:
        page._pamoja_no_view_restrictions = True
    try:
        return page.route(request, components[depth - start.root_depth :])
    except Http404:
        return None


def site_for(request) -> Site | None:
    """The request's site from the cache, remembered on the request where
    Wagtail looks (``Site.find_for_request``), so page URLs cost no query."""
    start = _start(request)
    if start is not None:
        request._wagtail_site = start.site
    return start.site if start else None


def active_locale() -> Locale:
    """``Locale.get_active()``, kept in the cache."""
    language = translation.get_language()
    return pagecache.remembered(f"locale:{language}", Locale.get_active)


def _start(request) -> Start | None:
    def build():
        site = Site.find_for_request(request)
        if site is None:
            return None
        root = site.root_page.localized
        return Start(
            site=site,
            root_pk=root.pk,
            root_path=root.path,
            root_url_path=root.url_path,
            root_depth=root.depth,
            any_view_restriction=PageViewRestriction.objects.exists(),
        )

    language = translation.get_language()
    return pagecache.remembered(f"routing:{request.get_host()}:{language}", build)
