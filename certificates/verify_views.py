"""The public verify pages, the trust bundle and the partner portal.

``/verify/`` takes a code (redirected to its share link) or a PDF upload;
``/verify/<code>/`` is the share link and the QR code's target. They work
without JavaScript; ``verify-qr.js`` only adds the check of the QR code's
signed claims, which sit in the URL fragment and never reach the server.

Outside the language prefix, so a printed URL never breaks: the language is
the reader's saved one, else the cookie, else the browser's
(config.middleware.LocaleMiddleware), and ``?lang=`` overrides it.

Status codes: a verification answer is a 200, except an unknown code (404)
and a code that fails its check symbol (400), so that a script or a link
checker reading the status is not told "OK"; the page explains either way.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from accounts.api import PARTNER_GROUP

from . import audit, bundle, codes, partners, verify, verifylog

HEADINGS = {
    verify.Outcome.VALID: gettext_lazy("Valid certificate"),
    verify.Outcome.REVOKED: gettext_lazy("Revoked certificate"),
    verify.Outcome.SUPERSEDED: gettext_lazy("Replaced certificate"),
    verify.Outcome.INVALID: gettext_lazy("Not a valid certificate"),
    verify.Outcome.UNKNOWN: gettext_lazy("No certificate with this code"),
}


# --- Language ----------------------------------------------------------------


def _use_language(request) -> None:
    """Honour ``?lang=`` and make the footer's language links carry it.

    The site's language links translate the URL's language prefix, which
    these pages do not have; they are precomputed here, in the per-request
    cache config.templatetags.pamoja.language_links reads (page None)."""
    code = request.GET.get("lang", "")
    if code in dict(settings.LANGUAGES):
        translation.activate(code)
        request.LANGUAGE_CODE = code
    links = []
    for code, _name in settings.LANGUAGES:
        info = get_language_info(code)
        links.append(
            {
                "code": code,
                "name_local": info["name_local"],
                "label": info["name_local"],
                "bidi": info["bidi"],
                "url": f"{request.path}?lang={code}",
                "hreflang": code,
                "is_translated": True,
            }
        )
    request._pamoja_language_links = (None, links)


# --- Rate limits -------------------------------------------------------------


def _limited(request, row=None):
    """A 429 page if this address has verified too often, else None (having
    logged ``row``, when given, with the count)."""
    wait = verifylog.admit(
        request, group="verify-page", rate=settings.PAMOJA_VERIFY_RATE_ANON, row=row
    )
    if wait is None:
        return None
    response = render(
        request,
        "certificates/verify.html",
        {"error": partners.limited_message(wait)},
        status=429,
    )
    response["Retry-After"] = str(wait)
    return response


# --- Pages -------------------------------------------------------------------


# No CSRF token: checking a certificate changes nothing and needs no session,
# and without it an oversized upload is refused before it is parsed (the CSRF
# check would read the whole body first) and the form page stays cacheable.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def verify_form(request):
    _use_language(request)
    if request.method == "GET":
        return render(request, "certificates/verify.html")
    if _too_large(request):
        return _form_error(request, _upload_too_large(), status=413)
    code = request.POST.get("code", "").strip()
    upload = request.FILES.get("pdf")
    if bool(code) == bool(upload):
        return _form_error(
            request, _("Enter a code or choose a PDF file (one of them).")
        )
    if code:
        try:
            return redirect("verify:code", code=codes.normalise(code), permanent=False)
        except codes.CodeError:
            pass  # answered below, without counting towards the limit
        result = verify.verify_code(code)
        audit.record(channel=audit.Channel.PAGE, kind=audit.Kind.CODE, result=result)
        return _answer(request, result, kind=audit.Kind.CODE, typed=code)
    limited = _limited(request)
    if limited:
        return limited
    if upload.size > settings.PAMOJA_VERIFY_UPLOAD_MAX_BYTES:
        return _form_error(request, _upload_too_large(), status=413)
    try:
        result = verify.verify_pdf(upload.read())
    except verify.InputError as error:
        return _form_error(request, str(error), status=error.status_code)
    audit.record(channel=audit.Channel.PAGE, kind=audit.Kind.PDF, result=result)
    return _answer(request, result, kind=audit.Kind.PDF)


@require_safe  # link checkers ask HEAD first: a printed link must not look broken
def verify_code(request, code: str):
    _use_language(request)
    try:
        canonical = codes.normalise(code)
    except codes.CodeError:
        canonical = None
    if canonical and canonical != code:
        return redirect("verify:code", code=canonical)
    result = verify.verify_code(code)
    logged = verifylog.row(
        channel=audit.Channel.PAGE, kind=audit.Kind.CODE, result=result
    )
    return _limited(request, logged) or _answer(
        request, result, kind=audit.Kind.CODE, typed=code
    )


def _answer(request, result, *, kind: str, typed: str = ""):
    """The result page for a verification already logged."""
    failed = {check.name for check in result.checks if not check.passed}
    status = 200
    if result.outcome == verify.Outcome.UNKNOWN:
        status = 404
    elif result.outcome == verify.Outcome.INVALID and "code" in failed:
        status = 400
    heading = HEADINGS[result.outcome]
    if status == 400:
        heading = _("Check the code")
    response = render(
        request,
        "certificates/verify_result.html",
        {
            "result": result,
            "details": result.details,
            "heading": heading,
            # A code that fails its check symbol was never looked up.
            "checked_at": timezone.now() if status != 400 else None,
            "code": typed,
            "show_qr_check": kind == audit.Kind.CODE and result.details is not None,
        },
        status=status,
    )
    response["Cache-Control"] = "no-cache"
    return response


def _form_error(request, message: str, *, status: int = 400):
    return render(
        request,
        "certificates/verify.html",
        {"error": message, "code": request.POST.get("code", "")},
        status=status,
    )


def _too_large(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > settings.PAMOJA_VERIFY_UPLOAD_MAX_BYTES + 16 * 1024


def _upload_too_large() -> str:
    return _("The file is too large: at most %(size)s MB.") % {
        "size": round(settings.PAMOJA_VERIFY_UPLOAD_MAX_BYTES / 1024 / 1024, 1)
    }


@require_safe
@cache_control(public=True, max_age=300)
def trust_bundle(request):
    response = HttpResponse(bundle.bundle_json(), content_type="application/json")
    # Offline verifiers and other origins' pages fetch it.
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- Partner portal ----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def partner_portal(request):
    """Upload a CSV of codes, download the answers as CSV (no JavaScript)."""
    _use_language(request)
    user = request.user
    if not (user.is_superuser or user.groups.filter(name=PARTNER_GROUP).exists()):
        return render(request, "certificates/verify_bulk.html", status=403)
    if request.method == "GET":
        return render(request, "certificates/verify_bulk.html", {"is_partner": True})
    wait = partners.wait_seconds(
        request,
        group="verify-portal",
        rate=settings.PAMOJA_VERIFY_RATE_PORTAL,
        key=f"user:{user.pk}",
    )
    if wait is not None:
        response = _portal_error(request, partners.limited_message(wait), 429)
        response["Retry-After"] = str(wait)
        return response
    upload = request.FILES.get("file")
    if upload is None:
        return _portal_error(request, _("Choose a CSV file with one code per row."))
    if upload.size > settings.PAMOJA_VERIFY_UPLOAD_MAX_BYTES:
        return _portal_error(request, _upload_too_large(), 413)
    try:
        rows = partners.read_codes_csv(upload)
    except partners.CsvError as error:
        return _portal_error(request, str(error), error.status)
    results = verify.verify_codes([code for _row, code in rows])
    audit.record_bulk(results=results)
    return _results_csv(rows, results)


def _portal_error(request, message: str, status: int = 400):
    return render(
        request,
        "certificates/verify_bulk.html",
        {"is_partner": True, "error": message},
        status=status,
    )


RESULT_COLUMNS = [
    "row",
    "code",
    "outcome",
    "name",
    "course",
    "issued_on",
    "revoked_at",
    "reason",
    "message",
]


def _results_csv(rows, results) -> StreamingHttpResponse:
    def lines():
        yield RESULT_COLUMNS
        for (row, text), result in zip(rows, results, strict=True):
            d = result.details
            yield [
                row,
                d.code if d else text,
                result.outcome,
                d.name if d else "",
                d.course_title if d else "",
                d.issued_on.isoformat() if d else "",
                d.revoked_at.isoformat() if d and d.revoked_at else "",
                d.revocation_reason if d else "",
                result.message,
            ]

    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(
        partners.write_results_csv(lines()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="pamoja-verification-{stamp}.csv"'
    )
    return response
