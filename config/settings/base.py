"""Settings shared by every environment.

Everything an operator may change comes from the environment (see README,
"Configuration"); the embedded default needs no variable and no service.
"""

import os
from pathlib import Path

import dj_database_url
from django.conf import locale
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SITE_DIR = BASE_DIR / "site"


def env_list(name: str, default: str = "") -> list[str]:
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


INSTALLED_APPS = [
    "config.apps.PamojaConfig",
    "accounts",
    "courses",
    "progress",
    "certificates",
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "allauth",
    "allauth.account",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # GZip above ConditionalGet: the ETag is computed on the plain body, so a
    # 304 does not depend on the compression the client asked for.
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "config.middleware.StableETagMiddleware",
    # Anonymous readers of a published page: answered before sessions,
    # routing and templates (config/pagecache.py).
    "config.pagecache.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Before LocaleMiddleware, which reads the learner's saved language.
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SITE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# The embedded default is SQLite beside the code; DATABASE_URL switches to
# PostgreSQL (psycopg 3) without touching a file.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "pamoja",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pamoja",
        }
    }

# Celery: Redis when REDIS_URL is set; otherwise every task runs in-process, so
# the embedded default needs no broker and no worker.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task a killed worker had taken is redelivered after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(
        os.environ.get("PAMOJA_BROKER_VISIBILITY_TIMEOUT", "3600")
    )
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Periodic jobs (`make beat`), each idempotent.
CELERY_BEAT_SCHEDULE = {
    "issue-missing-certificates": {
        "task": "certificates.tasks.issue_missing_certificates",
        "schedule": 3600,
    },
    "republish-status-lists": {
        "task": "certificates.tasks.republish_status_lists",
        "schedule": 24 * 3600,
    },
    "drain-verification-log": {
        "task": "certificates.tasks.drain_verification_log",
        "schedule": 60,
    },
    "verification-log-retention": {
        "task": "certificates.tasks.verification_log_retention",
        "schedule": 24 * 3600,
    },
    "remind-stalled-learners": {
        "task": "progress.tasks.remind_stalled_learners",
        "schedule": 24 * 3600,
    },
}
# Days without activity before a learner who stopped part-way through a course
# is reminded by email (progress/reminders.py); 0 sends no reminders.
PAMOJA_REMINDER_AFTER_DAYS = int(os.environ.get("PAMOJA_REMINDER_AFTER_DAYS", "14"))

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
_VALIDATORS = "django.contrib.auth.password_validation."
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": _VALIDATORS + "UserAttributeSimilarityValidator"},
    {"NAME": _VALIDATORS + "MinimumLengthValidator"},
    {"NAME": _VALIDATORS + "CommonPasswordValidator"},
    {"NAME": _VALIDATORS + "NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "progress:dashboard"

# django-allauth: learners without an email address sign up with a username;
# everyone may log in with either.
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}

# Languages of the Global South audience (curriculum §4). Django ships no
# LANG_INFO for Amharic, so it is added here.
locale.LANG_INFO.setdefault(
    "am", {"bidi": False, "code": "am", "name": "Amharic", "name_local": "አማርኛ"}
)
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("ar", _("Arabic")),
    ("zh-hans", _("Simplified Chinese")),
    ("hi", _("Hindi")),
    ("bn", _("Bengali")),
    ("sw", _("Swahili")),
    ("fr", _("French")),
    ("am", _("Amharic")),
    ("es", _("Spanish")),
    ("pt", _("Portuguese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Languages whose interface translation must stay complete (checked in CI).
PAMOJA_COMPLETE_LANGUAGES = [code for code, _name in LANGUAGES if code != "en"]
# URLs outside i18n_patterns: a 404 there is never redirected to /<language>/.
PAMOJA_UNPREFIXED_PATHS = (
    "/api/",
    "/admin/",
    "/django-admin/",
    "/healthz",
    "/documents/",
    "/verify/",
    "/credentials/",
    "/.well-known/",
    "/static/",
    "/media/",
)
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [SITE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names, served with a year-long immutable Cache-Control, with
    # pre-compressed gzip and brotli copies.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# favicon.ico and robots.txt at the root, without a view.
WHITENOISE_ROOT = SITE_DIR / "root"

EMAIL_BACKEND = "config.mail.CeleryEmailBackend"
PAMOJA_EMAIL_DELIVERY_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get(
    "DJANGO_DEFAULT_FROM_EMAIL", "Pamoja <noreply@localhost>"
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("DJANGO_EMAIL_USE_TLS", "") == "true"

# Local state that is neither code nor database (demo log-ins); git-ignored.
PAMOJA_DEMO_CREDENTIALS_FILE = BASE_DIR / "var" / "demo-accounts.json"

WAGTAIL_SITE_NAME = "Pamoja"
WAGTAILADMIN_BASE_URL = os.environ.get("DJANGO_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
WAGTAILIMAGES_FORMAT_CONVERSIONS = {"bmp": "png", "gif": "png"}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
    },
    # A line for every page created or task run is noise at the console.
    "loggers": {
        "wagtail": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        # WeasyPrint logs each rendering step; fontTools each font it reads.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # The in-process (eager) default has no broker host to name.
        "kombu.connection": {"level": "ERROR"},
    },
}

# Certificates (README, "Certificates"). The public base URL names the issuer
# (did:web) and goes into every verify link and QR code: set it before the
# first certificate is issued and never change it.
PAMOJA_PUBLIC_URL = WAGTAILADMIN_BASE_URL.rstrip("/")
PAMOJA_ISSUER_NAME = os.environ.get("PAMOJA_ISSUER_NAME", "Pamoja")
# Signing keys: Ed25519 credential keys, the deployment's CA and the PDF
# signing certificate. Generated on first use; back this directory up with
# the database (README, "Back-up"): without it no new certificate can be signed.
PAMOJA_KEY_DIR = Path(os.environ.get("PAMOJA_KEY_DIR", BASE_DIR / "var" / "keys"))
PAMOJA_VERIFY_UPLOAD_MAX_BYTES = int(
    os.environ.get("PAMOJA_VERIFY_UPLOAD_MAX_BYTES", str(5 * 1024 * 1024))
)

# Verification limits (certificates/partners.py): per client address when
# anonymous, per partner key at the key's own rate (set in the admin), per
# account in the partner portal. Rates are django-ratelimit's "<n>/<s|m|h|d>".
PAMOJA_VERIFY_RATE_ANON = os.environ.get("PAMOJA_VERIFY_RATE_ANON", "30/m")
PAMOJA_VERIFY_RATE_PORTAL = os.environ.get("PAMOJA_VERIFY_RATE_PORTAL", "10/m")
# Verifications are logged through a queue in Redis (certificates/verifylog.py)
# and moved to the database when it holds this many rows, every minute, and
# before the log is read.
PAMOJA_VERIFY_LOG_BATCH = int(os.environ.get("PAMOJA_VERIFY_LOG_BATCH", "500"))
PAMOJA_VERIFY_LOG_RETENTION_DAYS = int(
    os.environ.get("PAMOJA_VERIFY_LOG_RETENTION_DAYS", "365")
)
# How long an anonymous page stays cached; publishing any page empties the
# cache sooner. 0 turns the cache off.
PAMOJA_PAGE_CACHE_SECONDS = int(os.environ.get("PAMOJA_PAGE_CACHE_SECONDS", "600"))
# Behind N reverse proxies the client address is the Nth from the end of
# X-Forwarded-For; with 0, REMOTE_ADDR (which would be the proxy's).
PAMOJA_TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))
RATELIMIT_IP_META_KEY = "certificates.partners.client_ip"
