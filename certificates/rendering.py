"""The printed certificate: HTML in the learner's language, a PDF from it with
WeasyPrint, the signed credential attached, and the whole file signed.

Importing this module is cheap; WeasyPrint (Pango, fontconfig, the font list)
loads on the first render, or in :func:`warm_up`, which a Celery worker's
parent process calls before it forks so each child starts warm.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import mimetypes
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

logger = logging.getLogger(__name__)

PRINT_DIR = Path(__file__).resolve().parent / "print"
STYLESHEET = PRINT_DIR / "certificate.css"
LOGO = "icons/favicon.svg"

# The QR code holds the verify URL and a compact JWS of the printed claims:
# 300 to 500 characters. It must decode from a 72-dpi scan, where a point is a
# pixel, so each module is exactly 2 pt (2 pixels, the least zbar needs) and
# the symbol sits on whole points: every module then falls on whole pixels
# instead of being smeared across them. Level M lets 15 % of the symbol be
# lost to a fold or a stamp; 330 characters take version 13, 154 pt with the
# 4-module quiet zone, and up to 600 fit version 19, 202 pt. Longer payloads
# drop to level L, then to smaller modules, before the code outgrows its
# corner.
QR_ERROR_LEVELS = ("m", "l")
QR_MODULE_PT = 2
QR_QUIET_ZONE = 4
QR_MAX_PT = 202
# The corner of the page the QR code is drawn against, in points from the
# page's top left: its bottom and its outer edge (right for left-to-right
# pages, left for right-to-left ones). A4 landscape is 841.89 x 595.28 pt.
QR_BOTTOM, QR_RIGHT, QR_LEFT = 537, 784, 58

# Past these lengths the name and course title shrink a step, so they still
# fit their boxes (the stylesheet clips anything longer still).
NAME_SIZES = ((28, "large"), (48, "medium"), (100, "small"))
COURSE_SIZES = ((70, "large"), (140, "small"))


@dataclass(frozen=True)
class PrintedCertificate:
    """Everything printed on a certificate, already in its language."""

    name: str  # as the learner wrote it, in any script
    course_title: str
    issued_on: dt.date
    issuer_name: str
    code: str  # "PMJ-7K3Q-9M2X-PV4D"
    verify_url: str  # f"{PAMOJA_PUBLIC_URL}/verify/{code}/"
    qr_url: str  # verify_url + "#" + compact JWS of the printed claims
    language: str  # a code of settings.LANGUAGES


def certificate_html(printed: PrintedCertificate) -> str:
    """The certificate as HTML, with its fixed wording in ``printed.language``.

    Every field is inserted as text (Django autoescaping): a name that looks
    like markup is printed as typed."""
    with translation.override(printed.language):
        return render_to_string("certificates/certificate.html", _context(printed))


def render_pdf(printed: PrintedCertificate, *, credential_json: bytes) -> bytes:
    """The unsigned one-page PDF, with ``credential_json`` attached as
    ``credential.json``."""
    from weasyprint import CSS, HTML, Attachment

    fetcher = url_fetcher()
    font_config = _font_config()
    html = HTML(
        string=certificate_html(printed), base_url=str(PRINT_DIR), url_fetcher=fetcher
    )
    stylesheet = CSS(filename=STYLESHEET, url_fetcher=fetcher, font_config=font_config)
    # Dated the day of issue rather than now, so a re-render is the same file
    # apart from the signature.
    issued_at = dt.datetime.combine(printed.issued_on, dt.time(), tzinfo=dt.UTC)
    with translation.override(printed.language):
        description = gettext("Signed Open Badges credential of this certificate")
    credential = Attachment(
        string=credential_json,
        name="credential.json",
        description=description,
        created=issued_at,
        modified=issued_at,
        relationship="Source",
    )
    return html.write_pdf(
        stylesheets=[stylesheet],
        font_config=font_config,
        attachments=[credential],
        pdf_tags=True,
    )


def render_certificate(
    printed: PrintedCertificate, *, credential_json: bytes, keyset=None
) -> bytes:
    """The certificate as delivered: rendered, then signed (PAdES) with the
    deployment's document-signing key. The one call the render task makes."""
    from .pdfsign import sign_pdf

    return sign_pdf(render_pdf(printed, credential_json=credential_json), keyset=keyset)


def warm_up() -> None:
    """Load WeasyPrint, the font configuration and the font coverage now, in
    the worker's parent process, rather than in the first task of each child."""
    from . import fonts, pdfsign

    _font_config()
    fonts.missing_characters("")
    pdfsign.warm_up()


# Template context ------------------------------------------------------------


def _context(printed: PrintedCertificate) -> dict:
    return {
        "printed": printed,
        "issued_on": formats.date_format(printed.issued_on, "DATE_FORMAT"),
        "name_dir": _direction(printed.name),
        "name_size": _size(printed.name, NAME_SIZES),
        "course_dir": _direction(printed.course_title),
        "course_size": _size(printed.course_title, COURSE_SIZES),
        **_qr_code(printed.qr_url),
        "logo_url": _logo_url(),
    }


def _direction(text: str) -> str:
    """The direction of the first strongly directional character (the rule of
    ``dir="auto"``, which WeasyPrint does not implement); the page's own
    direction when there is none."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in {"R", "AL"}:
            return "rtl"
    return "rtl" if translation.get_language_bidi() else "ltr"


def _size(text: str, steps) -> str:
    for limit, size in steps:
        if len(text) <= limit:
            return size
    return "smallest"


def _qr_code(data: str) -> dict:
    import segno

    from . import qrmask

    qrmask.install()  # the standard's mask choice, at a quarter of the cost

    for error in QR_ERROR_LEVELS:
        qr = segno.make(data, error=error, micro=False)
        modules = qr.symbol_size(border=QR_QUIET_ZONE)[0]
        size = modules * QR_MODULE_PT
        if size <= QR_MAX_PT:
            break
    else:
        logger.warning("A %d-character QR code is too dense for 72 dpi", len(data))
        size = QR_MAX_PT
    left = QR_LEFT if translation.get_language_bidi() else QR_RIGHT - size
    return {
        # segno writes only path data and numbers, nothing taken from ``data``.
        "qr_svg": mark_safe(qr.svg_inline(border=QR_QUIET_ZONE, omitsize=True)),  # noqa: S308
        "qr_box": {"left": left, "top": QR_BOTTOM - size, "size": size},
    }


def _logo_url() -> str | None:
    path = finders.find(LOGO)
    return Path(path).resolve().as_uri() if path else None


# WeasyPrint ------------------------------------------------------------------


class ForbiddenURL(ValueError):
    """WeasyPrint asked for something that is not one of our own files."""


def allowed_roots() -> list[Path]:
    """Where the certificate may load files from: its print directory and the
    project's static directories. Nothing else, and never the network."""
    roots = [PRINT_DIR, *map(Path, settings.STATICFILES_DIRS)]
    return [root.resolve() for root in roots]


def read_own_file(url: str) -> tuple[bytes, str]:
    """The bytes and media type of ``url``, a ``file:`` URL under
    :func:`allowed_roots`; :class:`ForbiddenURL` for anything else."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in {"", "localhost"}:
        raise ForbiddenURL(f"Certificates load no external resource: {url}")
    path = Path(url2pathname(parts.path)).resolve()  # no ../ or symlink escapes
    if not any(path.is_relative_to(root) for root in allowed_roots()):
        raise ForbiddenURL(f"Certificates load only their own files: {url}")
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return path.read_bytes(), media_type


@functools.cache
def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class OwnFilesFetcher(URLFetcher):
        """Serves :func:`read_own_file` and refuses everything else."""

        def fetch(self, url, headers=None):
            body, media_type = read_own_file(url)
            return URLFetcherResponse(url, body, {"Content-Type": media_type})

    return OwnFilesFetcher


def url_fetcher():
    """A WeasyPrint URL fetcher limited to :func:`allowed_roots`."""
    return _fetcher_class()()


@functools.cache
def _font_config():
    """One FontConfiguration per process: building one reads every font
    fontconfig knows about. Celery's prefork workers render one task at a
    time per process, so it is never shared between threads."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()
