"""System checks for configuration that would otherwise fail late.

The database check runs with ``check --database default`` and before every
``migrate``; the broker/cache and font checks with ``check --deploy``.
"""

import shutil
import subprocess

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import connections


@register(Tags.database)
def check_database_reachable(app_configs, databases=None, **kwargs):
    errors = []
    for alias in databases or []:
        conn = connections[alias]
        try:
            conn.ensure_connection()
        except Exception as exc:  # noqa: BLE001 - report whatever the driver raised
            where = conn.settings_dict.get("HOST") or conn.settings_dict.get("NAME")
            errors.append(
                Error(
                    f"Cannot connect to the {conn.vendor} database '{alias}' at "
                    f"{where}: {exc}".strip(),
                    hint="Check DATABASE_URL and that the database server is running.",
                    id="pamoja.E001",
                )
            )
    return errors


@register(Tags.caches, deploy=True)
def check_redis_reachable(app_configs, **kwargs):
    if not settings.REDIS_URL:
        return []
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return [
            Error(
                f"Cannot reach Redis at REDIS_URL: {exc}",
                hint="Celery and the cache need it; check REDIS_URL and the server.",
                id="pamoja.E002",
            )
        ]
    return []


# Scripts a certificate may print, and a font family that covers each.
CERTIFICATE_FONTS = {
    "Latin": "Noto Sans",
    "Arabic": "Noto Naskh Arabic",
    "Devanagari": "Noto Sans Devanagari",
    "Bengali": "Noto Sans Bengali",
    "Ethiopic": "Noto Sans Ethiopic",
    "CJK": "Noto Sans CJK SC",
}


def missing_fonts() -> list[str]:
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return list(CERTIFICATE_FONTS.values())
    installed = subprocess.run(  # noqa: S603 - fixed arguments
        [fc_list, ":", "family"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return [family for family in CERTIFICATE_FONTS.values() if family not in installed]


@register(deploy=True)
def check_certificate_fonts(app_configs, **kwargs):
    missing = missing_fonts()
    if not missing:
        return []
    return [
        Warning(
            "Fonts missing for certificates: " + ", ".join(missing),
            hint="Install Debian's fonts-noto-core and fonts-noto-cjk.",
            id="pamoja.W001",
        )
    ]


@register(Tags.database)
def check_signing_keys_present(app_configs, databases=None, **kwargs):
    """Issued certificates, but no keys: the key directory was lost or the
    setting points elsewhere. Caught before a worker would make new keys."""
    if not databases:
        return []
    from pathlib import Path

    from certificates import keys

    key_dir = Path(settings.PAMOJA_KEY_DIR)
    if (key_dir / keys.MANIFEST).exists():
        return []
    try:
        keys.refuse_to_replace_lost_keys(key_dir)
    except keys.KeysMissing as exc:
        return [Error(str(exc), id="pamoja.E010")]
    except Exception:  # noqa: BLE001 - no table yet: migrate has not run
        return []
    return []
