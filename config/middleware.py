import hashlib
import re

from django.conf import settings
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's LocaleMiddleware, with two changes for Pamoja.

    - A URL without a language prefix goes to the learner's saved language
      first, then the cookie and Accept-Language (Django's order).
    - A 404 outside the learner pages (API, admin, health, verification) stays
      a 404: Django would redirect it to /<language>/…, which the page tree's
      catch-all route always "matches".
    """

    def process_request(self, request):
        super().process_request(request)
        user = getattr(request, "user", None)
        preferred = getattr(user, "preferred_language", "") if user else ""
        if (
            preferred
            and preferred in dict(settings.LANGUAGES)
            and not translation.get_language_from_path(request.path_info)
        ):
            translation.activate(preferred)
            request.LANGUAGE_CODE = preferred

    def process_response(self, request, response):
        if response.status_code == 404 and request.path_info.startswith(
            settings.PAMOJA_UNPREFIXED_PATHS
        ):
            return response
        return super().process_response(request, response)


CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')


class StableETagMiddleware:
    """An ETag that survives Django's per-response CSRF masking.

    Django masks the CSRF token differently in every response, so a page with
    a form (every lesson a learner is logged in to) never matched its last
    ETag and was downloaded whole on every visit. Any masking of the same
    secret is accepted on submit, so the ETag is taken over the page with the
    token values left out, plus a digest of the secret: a browser that gets a
    304 keeps a page whose token is still good, and a new secret (after
    logging in) changes the ETag. Sits just inside ConditionalGetMiddleware,
    which compares it with If-None-Match.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.method in ("GET", "HEAD")
            and response.status_code == 200
            and not response.streaming
            and not response.has_header("ETag")
            and response.get("Content-Type", "").startswith("text/html")
            and b'name="csrfmiddlewaretoken"' in response.content
        ):
            secret = request.META.get("CSRF_COOKIE", "").encode()
            body = CSRF_INPUT.sub(rb"\1\2", response.content)
            digest = hashlib.sha256(body + b"\0" + secret).hexdigest()[:32]
            response["ETag"] = f'"{digest}"'
        return response
