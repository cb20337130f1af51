"""Production: every secret and address comes from the environment, and a
missing one stops the process at start-up with a message naming it."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403


def required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set. Production settings need it; see README, "
            "'Configuration'."
        )
    return value


DEBUG = False
SECRET_KEY = required("DJANGO_SECRET_KEY")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is too weak: use at least 50 random characters, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'."
    )
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS") or required("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS") or [
    f"https://{host.lstrip('.')}" for host in ALLOWED_HOSTS if host != "*"
]
if not required("DATABASE_URL").startswith(("postgres://", "postgresql://")):
    raise ImproperlyConfigured("DATABASE_URL must be a postgres:// URL in production.")
required("REDIS_URL")

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = os.environ.get("DJANGO_SECURE_SSL_REDIRECT", "true") == "true"
SECURE_HSTS_SECONDS = int(
    os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365))
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# The other security headers and the cookies' HttpOnly and SameSite are set
# in base.py, for every environment; here, cookies go over HTTPS only. The
# CSRF cookie stays readable by script: the offline queue (offline.js) sends it.
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
PAMOJA_EMAIL_DELIVERY_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)

# Media on an S3-compatible bucket (README, "Scaling out"), so that every web
# and worker machine sees the same files. Unset: files on disk in
# DJANGO_MEDIA_ROOT. The bucket stays private: certificate PDFs are served
# through Django to their owner only, other media by signed, expiring URLs.
PAMOJA_MEDIA_S3_BUCKET = os.environ.get("PAMOJA_MEDIA_S3_BUCKET", "").strip()
if PAMOJA_MEDIA_S3_BUCKET:
    STORAGES = {
        **STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": PAMOJA_MEDIA_S3_BUCKET,
                # Empty means AWS itself; set it for MinIO, Ceph, Garage, etc.
                "endpoint_url": os.environ.get("PAMOJA_MEDIA_S3_ENDPOINT_URL") or None,
                "region_name": os.environ.get("PAMOJA_MEDIA_S3_REGION") or None,
                # Empty: boto3 finds credentials itself (instance role, ~/.aws).
                "access_key": os.environ.get("PAMOJA_MEDIA_S3_ACCESS_KEY_ID") or None,
                "secret_key": os.environ.get("PAMOJA_MEDIA_S3_SECRET_ACCESS_KEY")
                or None,
                "location": os.environ.get("PAMOJA_MEDIA_S3_PREFIX", "media"),
                "default_acl": None,
                "querystring_auth": True,
                "querystring_expire": 24 * 3600,
                # Two workers rendering one certificate each write their own
                # file and the loser deletes its own: never the same name.
                "file_overwrite": False,
            },
        },
    }
    # Lesson images then come from the bucket's origin (path-style on a
    # custom endpoint, the bucket's own host on AWS), or from
    # DJANGO_CSP_MEDIA_ORIGINS when a CDN or another addressing style serves them.
    _endpoint = os.environ.get("PAMOJA_MEDIA_S3_ENDPOINT_URL", "").rstrip("/")
    _region = os.environ.get("PAMOJA_MEDIA_S3_REGION", "").strip()
    _aws = f"https://{PAMOJA_MEDIA_S3_BUCKET}.s3"
    _media_origins = env_list("DJANGO_CSP_MEDIA_ORIGINS") or (
        [_endpoint]
        if _endpoint
        else [f"{_aws}.amazonaws.com"]
        + [f"{_aws}.{_region}.amazonaws.com"] * bool(_region)
    )
    for _directives in (
        CONTENT_SECURITY_POLICY["DIRECTIVES"],  # noqa: F405
        PAMOJA_CSP_ADMIN_DIRECTIVES,  # noqa: F405
    ):
        _directives["img-src"] = [*_directives["img-src"], *_media_origins]
        _directives["media-src"] = [*_directives["media-src"], *_media_origins]
