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
    # Above the page cache, whose hits skip everything below: a cached page,
    # or a 304 for one, gets the policy as a fresh one does
    # (config/security_headers.py).
    "config.security_headers.ContentSecurityPolicyMiddleware",
    "config.security_headers.PermissionsPolicyMiddleware",
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

# Security headers (config/security_headers.py; SECURITY.md). Learner pages
# load nothing but the site's own files, and run no inline script or style:
# no nonce either, since the anonymous page cache and the ETags serve the
# same bytes to everyone.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "media-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# The Wagtail and Django admins run inline scripts and styles of their own;
# API answers are data that nothing should render or frame.
PAMOJA_CSP_ADMIN_PREFIXES = ("/admin/", "/django-admin/")
PAMOJA_CSP_ADMIN_DIRECTIVES = {
    **CONTENT_SECURITY_POLICY["DIRECTIVES"],
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "frame-src": ["'self'"],
}
PAMOJA_CSP_API_PREFIXES = ("/api/",)
PAMOJA_CSP_API_DIRECTIVES = {
    "default-src": ["'none'"],
    "frame-ancestors": ["'none'"],
}
# Powerful browser features no page of Pamoja uses.
PAMOJA_PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), "
    "geolocation=(), gyroscope=(), hid=(), magnetometer=(), microphone=(), "
    "midi=(), payment=(), publickey-credentials-get=(), serial=(), usb=(), "
    "xr-spatial-tracking=(), browsing-topics=()"
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Wagtail would show admins' avatars from gravatar.com, telling it who uses
# the admin: initials instead.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Nor may the admin ask releases.wagtail.org for news (the policy would block
# it anyway): upgrades are the operator's business.
WAGTAIL_ENABLE_UPDATE_CHECK = False

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
            # Redis down is a cache miss, not an error (config/cache.py);
            # short timeouts so a dead Redis does not stall every request.
            "BACKEND": "config.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "pamoja",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
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
    # Tasks the broker could not take when they were queued (config/outbox.py).
    "drain-outbox": {"task": "config.tasks.drain_outbox", "schedule": 60},
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
# Abuse limits of the account pages, allauth's "<n>/<period>/<ip|key|user>"
# (a key is the email address or username typed). A school or a mobile
# carrier's NAT puts a whole class behind one address: the per-address
# limits leave room for a class; the per-account ones are the tight ones.
# A refusal is a 429 page (site/templates/429.html), except a failed log-in,
# which the log-in form explains (accounts.adapter).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    # Per account whether typed as an email address or as the username.
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip,200/h/ip",
    # Per address, and per email address so that nobody is sent a flood of
    # reset emails.
    "reset_password": "10/m/ip,3/h/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user,20/h/user",
    "manage_email": "10/m/user",
}

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
    # Written under a temporary name and renamed into place: a full disk
    # leaves no half-written file (config/storage.py).
    "default": {"BACKEND": "config.storage.AtomicFileSystemStorage"},
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
# Uploads. Every one is checked by its content, never its name: documents
# (config/uploads.py), images (Wagtail opens each with Willow), class lists
# (progress/uploads.py), verification PDFs (certificates/verify). nginx's
# client_max_body_size (deploy/nginx/pamoja.conf) is 12m for /admin/, 6m
# elsewhere: raise it with these.
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILDOCS_DOCUMENT_FORM_BASE = "config.uploads.DocumentForm"
# Served as downloads, except PDFs and plain text, which browsers show
# safely (Wagtail adds nosniff and a "default-src 'none'" policy).
WAGTAILDOCS_INLINE_CONTENT_TYPES = ["application/pdf", "text/plain"]
WAGTAILIMAGES_EXTENSIONS = ["avif", "gif", "jpg", "jpeg", "png", "webp"]  # no SVG
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000  # a 40-megapixel photo; no bombs
# Request bodies held in memory (forms, JSON) and the size above which an
# uploaded file goes to a temporary file instead: Django's defaults, stated.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# A trainer's class list (CSV of learners), uploaded or pasted.
PAMOJA_CLASS_LIST_MAX_BYTES = int(
    os.environ.get("PAMOJA_CLASS_LIST_MAX_BYTES", str(1024 * 1024))
)
WAGTAILIMAGES_FORMAT_CONVERSIONS = {"bmp": "png", "gif": "png"}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "filters": {"task_arguments": {"()": "config.logfilters.HideTaskArguments"}},
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
        # Logs carry no personal data (SECURITY.md), even at DJANGO_LOG_LEVEL=
        # DEBUG: at DEBUG these log a failed template lookup with the whole
        # context (the user, an e-mail confirmation key) and every SQL query
        # with its parameters (names, password hashes).
        "django.template": {"level": "INFO"},
        "django.db.backends": {"level": "INFO"},
        # A task's arguments (a whole e-mail with its reset link) stay out.
        "celery.app.trace": {"filters": ["task_arguments"]},
        "celery.worker.strategy": {"filters": ["task_arguments"]},
        "celery.worker.request": {"filters": ["task_arguments"]},
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
# With the cache unreachable no limit is applied rather than every request
# refused: lessons and progress must work while Redis is down.
RATELIMIT_FAIL_OPEN = True
# Our own limits (config/limits.py), django-ratelimit's "<n>/<s|m|h|d>".
# Wrong join codes, per account and per address (a class behind one NAT
# shares the address's budget); once spent, every code is refused until
# the window ends.
PAMOJA_JOIN_FAILURES_PER_USER = os.environ.get("PAMOJA_JOIN_FAILURES_PER_USER", "10/h")
PAMOJA_JOIN_FAILURES_PER_IP = os.environ.get("PAMOJA_JOIN_FAILURES_PER_IP", "30/h")
# The progress and xAPI endpoints, per learner (token or session). The
# offline client sends at most 5 batches of 100 events when it syncs.
PAMOJA_API_RATE_USER = os.environ.get("PAMOJA_API_RATE_USER", "120/m")
# New device tokens, per learner: one per phone or browser.
PAMOJA_API_TOKEN_RATE = os.environ.get("PAMOJA_API_TOKEN_RATE", "10/h")
