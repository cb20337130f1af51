from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from config import routing
from config.api import api
from config.health import healthz
from courses.views import service_worker

# Outside the language prefix: admin, health, API and verification, so
# a printed or scripted URL never breaks.
urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("verify/", include("certificates.verify_urls")),
    path("sw.js", service_worker, name="service_worker"),
    path("", include("certificates.public_urls")),
]

if settings.DEBUG:
    # Media from disk for `make run`, as nginx serves it in production: never
    # the certificate PDFs, which only their holder downloads (certificates.views).
    from django.views.static import serve as serve_media

    urlpatterns += [
        re_path(
            r"^media/(?!certificates/)(?P<path>.*)$",
            serve_media,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]

# Learner-facing pages, under /<language>/.
urlpatterns += i18n_patterns(
    path("accounts/", include("accounts.urls")),
    path("", include("progress.urls")),
    path("", include("certificates.urls")),
    # Wagtail's own URLs, with its page view swapped for config.routing's.
    *wagtail_urls.urlpatterns[:-1],
    re_path(wagtail_urls.serve_pattern, routing.serve, name="wagtail_serve"),
    prefix_default_language=True,
)

# allauth's rate limits answer through this: our page says how long to wait.
handler429 = "accounts.views.too_many_requests"
