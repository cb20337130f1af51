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
