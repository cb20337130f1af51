from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language_info

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context) -> list[dict]:
    """The current page in every interface language, as plain links.

    Links rather than a POST form: no CSRF token in the page (so unchanged
    HTML can be answered 304) and nothing to submit on a 2G phone.
    """
    request = context["request"]
    links = []
    for code, _name in settings.LANGUAGES:
        info = get_language_info(code)
        links.append(
            {
                "code": code,
                "name_local": info["name_local"],
                "bidi": info["bidi"],
                "url": translate_url(request.get_full_path(), code),
            }
        )
    return links
