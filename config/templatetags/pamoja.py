from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils import translation
from django.utils.translation import get_language_info, gettext
from wagtail.models import Page

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context) -> list[dict]:
    """The current page in every interface language, as plain links.

    Links rather than a POST form: no CSRF token in the page (so unchanged
    HTML can be answered 304) and nothing to submit on a 2G phone.

    On a Wagtail page each language links to the page's translation; where
    there is none yet, to the source-language page, and the link says so
    (in that language). Computed once per request: the footer and the
    ``hreflang`` links in the head share it.
    """
    request = context["request"]
    page = context.get("page")
    if not isinstance(page, Page) or page.pk is None:
        page = None
    cached = getattr(request, "_pamoja_language_links", None)
    if cached and cached[0] == (page and page.pk):
        return cached[1]
    links = _page_links(request, page) if page else _view_links(request)
    request._pamoja_language_links = (page and page.pk, links)
    return links


@register.simple_tag(takes_context=True)
def alternate_links(context) -> list[dict]:
    """``<link rel="alternate" hreflang>`` targets: the translations that exist."""
    request = context["request"]
    links = [link for link in language_links(context) if link["is_translated"]]
    default = next((x for x in links if x["code"] == settings.LANGUAGE_CODE), None)
    alternates = [{"hreflang": x["code"], "href": x["url"]} for x in links]
    if default:
        alternates.append({"hreflang": "x-default", "href": default["url"]})
    for alternate in alternates:
        alternate["href"] = request.build_absolute_uri(alternate["href"])
    return alternates


def _view_links(request) -> list[dict]:
    """A page outside the page tree exists in every interface language."""
    path = request.get_full_path()
    return [_link(code, translate_url(path, code), code) for code in _codes()]


def _page_links(request, page: Page) -> list[dict]:
    translations = {
        p.locale.language_code: p
        for p in Page.objects.filter(translation_key=page.translation_key)
        .live()
        .select_related("locale")
    }
    # The same page with its locale loaded (no query for its URL), unless it
    # is a draft seen in preview.
    here = next((p for p in translations.values() if p.pk == page.pk), None)
    if here is None:
        here = translations.setdefault(page.locale.language_code, page)
    source = translations.get(settings.LANGUAGE_CODE, here)
    rest = _sub_path(request, here)
    query = request.META.get("QUERY_STRING", "")
    links = []
    for code in _codes():
        target = translations.get(code)
        # A route below the page (a module's quiz) is made of the page's
        # children: it counts as translated only when they all are.
        if rest and target is not None and target.numchild < here.numchild:
            target = None
        # None for a page outside every site (a second tree): stay here.
        url = ((target or source).get_url(request) or request.path) + rest
        if query:
            url += f"?{query}"
        if target is not None:
            links.append(_link(code, url, code))
        else:
            hreflang = source.locale.language_code
            links.append(_link(code, url, hreflang, is_translated=False))
    return links


def _sub_path(request, page: Page) -> str:
    """What follows the page's own URL: a route of a routable page ("quiz/")."""
    url = page.get_url(request) or ""
    return request.path[len(url) :] if url and request.path.startswith(url) else ""


def _codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _link(code: str, url: str, hreflang: str, *, is_translated=True) -> dict:
    info = get_language_info(code)
    label = info["name_local"]
    if not is_translated:
        # In the language the learner is looking for, not the current one.
        with translation.override(code):
            label = gettext("%(language)s (not yet translated)") % {"language": label}
    return {
        "code": code,
        "name_local": info["name_local"],
        "label": label,
        "bidi": info["bidi"],
        "url": url,
        "hreflang": hreflang,
        "is_translated": is_translated,
    }
