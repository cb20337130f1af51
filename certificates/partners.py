"""What partner institutions use: API keys, rate limits, bulk CSV files.

A key is ``pmj_<prefix>_<secret>``: the prefix finds the row, the secret is
compared with the SHA-256 hash kept in its place. A request that carries a
key that is wrong or revoked is refused (401), never served as anonymous:
the partner would otherwise not notice and hit the anonymous limit.

Rate limits (django-ratelimit, on the project cache: Redis in production)
are counted per client address for anonymous use and per key for partners.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import secrets
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

from .models import PartnerKey

TOKEN_PREFIX = "pmj_"  # noqa: S105 - a public prefix, not a secret
PREFIX_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
PREFIX_LENGTH = 8
# A key is used many times a minute; recording every use is a write per request.
LAST_USED_RESOLUTION = 60


class InvalidKey(ValueError):
    """The Authorization header does not carry a usable partner key."""


# --- Keys --------------------------------------------------------------------


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def assign_secret(key: PartnerKey) -> str:
    """Give an unsaved key its prefix and secret hash; return the full token,
    which is shown once and never stored."""
    key.prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
    secret = secrets.token_urlsafe(32)
    key.secret_sha256 = _sha256(secret)
    return f"{TOKEN_PREFIX}{key.prefix}_{secret}"


def create_key(
    *, organisation: str, rate_per_minute: int = 60
) -> tuple[PartnerKey, str]:
    """A new key for ``organisation`` and its token (the only time it is seen)."""
    key = PartnerKey(organisation=organisation, rate_per_minute=rate_per_minute)
    token = assign_secret(key)
    key.save()
    return key, token


def revoke_keys(keys) -> int:
    return keys.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def key_for_token(token: str) -> PartnerKey:
    """The live key a token stands for; raises InvalidKey saying what is wrong."""
    body = token.strip().removeprefix(TOKEN_PREFIX)
    prefix, _sep, secret = body.partition("_")
    if not token.strip().startswith(TOKEN_PREFIX) or not prefix or not secret:
        raise InvalidKey(_("This is not a Pamoja partner key (pmj_…)."))
    key = PartnerKey.objects.filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.secret_sha256, _sha256(secret)):
        raise InvalidKey(_("This partner key is not valid. Check it was copied whole."))
    if key.is_revoked:
        raise InvalidKey(_("This partner key was revoked. Ask Pamoja for a new one."))
    now = timezone.now()
    if key.last_used_at is None or (
        (now - key.last_used_at).total_seconds() > LAST_USED_RESOLUTION
    ):
        PartnerKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


def key_from_header(value: str | None) -> PartnerKey | None:
    """The key in an ``Authorization`` header value; None if there is none."""
    if not value:
        return None
    scheme, _sep, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidKey(_("Send the partner key as: Authorization: Bearer pmj_…"))
    return key_for_token(token)


# --- Rate limits -------------------------------------------------------------


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or, behind PAMOJA_TRUSTED_PROXY_COUNT
    proxies, the address the outermost of them saw (X-Forwarded-For)."""
    proxies = settings.PAMOJA_TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 - a key, not a bind


def wait_seconds(
    request,
    *,
    group: str,
    rate: str,
    partner: PartnerKey | None = None,
    key: str | None = None,
):
    """Count this request; the seconds to wait if it is over the limit, else None.

    A partner is counted per key at its own rate; otherwise per ``key`` if
    given (e.g. a user), else per address (IPv6 per /64, django-ratelimit's
    default) at ``rate``.
    """
    if partner is not None:
        group, rate, key = (
            f"{group}:partner",
            f"{partner.rate_per_minute}/m",
            partner.pk,
        )
    usage = get_usage(
        request,
        group=group,
        key="ip" if key is None else (lambda _group, _request: str(key)),
        rate=rate,
        increment=True,
    )
    if usage is None or not usage["should_limit"]:
        return None
    return max(1, usage["time_left"])


def limited_message(seconds: int) -> str:
    return _(
        "Too many verifications from here in a short time. Try again in "
        "%(seconds)s seconds."
    ) % {"seconds": seconds}


# --- Bulk CSV ----------------------------------------------------------------

MAX_BULK = 10_000


class CsvError(ValueError):
    """The upload is not a CSV of codes; ``status`` is the HTTP answer."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def too_many_message() -> str:
    return _("Too many codes: at most %(limit)s in one request. Split the file.") % {
        "limit": f"{MAX_BULK:,}"
    }


def read_codes_csv(upload) -> list[tuple[int, str]]:
    """``(row number, first cell)`` for each non-empty row of an uploaded CSV.

    UTF-8 with or without a byte-order mark, comma, semicolon or tab
    separated (sniffed), with or without a ``code`` header. Rows are counted
    while reading, so a file with too many is refused without reading it all.
    """
    upload.seek(0)
    head = upload.read(8192)
    if b"\x00" in head:
        raise CsvError(_("Upload a CSV text file, one code per row."), 415)
    upload.seek(0)
    text = io.TextIOWrapper(upload, encoding="utf-8-sig", newline="")
    try:
        sample = text.read(8192)
        text.seek(0)
        reader = csv.reader(text, dialect=_dialect(sample))
        return _codes_from_rows(reader)
    except UnicodeDecodeError as error:
        raise CsvError(
            _("The file is not UTF-8 text. Save it as CSV UTF-8."), 415
        ) from error
    except csv.Error as error:
        raise CsvError(
            _("The file could not be read as CSV: %(error)s") % {"error": error}
        ) from error
    finally:
        text.detach()


def _dialect(sample: str):
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel  # one column: no delimiter to find


def _codes_from_rows(reader) -> list[tuple[int, str]]:
    codes = []
    for number, row in enumerate(reader, start=1):
        first = row[0].strip() if row else ""
        if number == 1 and first.lower() == "code":
            continue
        if not first and not any(cell.strip() for cell in row):
            continue  # blank lines, common at the end of exported files
        if len(codes) == MAX_BULK:
            raise CsvError(too_many_message(), 413)
        codes.append((number, first))
    if not codes:
        raise CsvError(_("The file has no codes: put one code per row."))
    return codes


# Spreadsheets run a cell starting with these as a formula (OWASP, CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell) -> str:
    """The cell as text; text that a spreadsheet would run as a formula gets a
    leading ``'`` (which spreadsheets show as plain text). Numbers stay
    numbers: ``-3`` is not a formula, and a reader gets the number back."""
    if cell is None:
        return ""
    if isinstance(cell, int):  # row numbers, counts
        return str(cell)
    text = str(cell)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def write_results_csv(rows: Iterable[Iterable]) -> Iterator[str]:
    """CSV lines (with a byte-order mark first, for spreadsheets), every cell
    neutralised against formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
