"""/api/v1/verify: verification for scripts and partner systems.

Every verification answer (valid, revoked, superseded, invalid, unknown) is
HTTP 200 with the checks that led to it; 4xx only when the client is at
fault: 400 a malformed request, 401 a wrong or revoked partner key (or none,
for bulk), 413 too large, 415 not JSON / multipart / CSV, 429 too many.

The single endpoint takes JSON or multipart in one operation, which ninja
cannot declare from a signature: the body is read here and documented in
``openapi_extra``.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.security import HttpBearer

from . import audit, partners, verify, verifylog
from .models import PartnerKey

router = Router(tags=["verify"])

OUTCOMES = Literal["valid", "revoked", "superseded", "invalid", "unknown"]
INPUTS = {
    "code": audit.Kind.CODE,
    "credential": audit.Kind.CREDENTIAL,
    "qr_url": audit.Kind.QR,
}
MAX_CODE = 64
MAX_QR_URL = 4096


# --- Authentication ----------------------------------------------------------


class PartnerKeyAuth(HttpBearer):
    """``Authorization: Bearer pmj_<prefix>_<secret>``, a key from Pamoja.

    Never refuses by itself: it returns an ``Access`` the operation checks,
    so the 401 carries a message saying what is wrong and a
    ``WWW-Authenticate`` header, and the schema documents the 401."""

    def __call__(self, request):
        try:
            return Access(
                partners.key_from_header(request.headers.get("Authorization"))
            )
        except partners.InvalidKey as error:
            return Access(None, error=str(error))

    def authenticate(self, request, token):  # pragma: no cover - __call__ decides
        return None


class Access:
    def __init__(self, key: PartnerKey | None, error: str = ""):
        self.key = key
        self.error = error

    def __bool__(self):
        return True  # ninja stops at the first truthy answer


# --- Schemas -----------------------------------------------------------------


class ErrorOut(Schema):
    detail: str = Field(description="What was wrong, in the client's language.")


class CheckOut(Schema):
    name: str = Field(description="Stable identifier, e.g. credential_signature.")
    label: str = Field(description="What was checked, translated.")
    passed: bool
    detail: str = ""


class DetailsOut(Schema):
    code: str
    name: str = Field(description="The learner's name as printed.")
    course_title: str
    issued_on: date
    issuer_name: str
    language: str
    revoked_at: datetime | None = None
    revocation_reason: str = ""
    superseded_by: str | None = Field(None, description="The replacing code.")


class ResultOut(Schema):
    outcome: OUTCOMES
    message: str = Field(description="The answer in a sentence, translated.")
    checks: list[CheckOut]
    details: DetailsOut | None = Field(
        None, description="The registered certificate, when one was found."
    )
    certificate_id: str | None = None
    as_of: datetime | None = Field(
        None, description="How fresh the revocation data is, when not live."
    )


class BulkRowOut(Schema):
    row: int = Field(description="1-based: the line in the CSV, the index in JSON.")
    input: str
    outcome: OUTCOMES
    message: str
    details: DetailsOut | None = None


class BulkOut(Schema):
    count: int
    counts: dict[str, int] = Field(description="Rows per outcome.")
    results: list[BulkRowOut]


ERRORS = {status: ErrorOut for status in (400, 401, 413, 415, 429)}
# Headers of the refusals, for the schema (ninja documents bodies only).
REFUSAL_HEADERS = {
    401: {
        "headers": {
            "WWW-Authenticate": {"schema": {"type": "string", "enum": ["Bearer"]}}
        }
    },
    429: {
        "headers": {
            "Retry-After": {
                "description": "Seconds until the limit resets.",
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    },
}


def _error(status: int, message: str, response: HttpResponse, **headers) -> Status:
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return Status(status, ErrorOut(detail=message))


def _gate(request, response, *, group: str, required: bool):
    """(partner key, refusal): the refusal is a 401 or 429 to return as is."""
    access = request.auth
    if access.error or (required and access.key is None):
        message = access.error or _(
            "Bulk verification needs a partner key: send "
            "Authorization: Bearer pmj_… (ask Pamoja for one)."
        )
        return None, _error(401, message, response, WWW_Authenticate="Bearer")
    wait = partners.wait_seconds(
        request,
        group=group,
        rate=settings.PAMOJA_VERIFY_RATE_ANON,
        partner=access.key,
    )
    if wait is not None:
        return access.key, _limited(wait, response)
    return access.key, None


# --- One certificate ---------------------------------------------------------

_ONE_OF = {
    "oneOf": [
        {
            "type": "object",
            "title": "By code",
            "properties": {"code": {"type": "string", "maxLength": MAX_CODE}},
            "required": ["code"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "title": "By credential",
            "properties": {
                "credential": {
                    "description": "The signed Open Badges credential, as an "
                    "object or as its JSON text.",
                    "oneOf": [{"type": "object"}, {"type": "string"}],
                }
            },
            "required": ["credential"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "title": "By QR code",
            "properties": {
                "qr_url": {
                    "type": "string",
                    "maxLength": MAX_QR_URL,
                    "description": "The URL read from the QR code, with its #fragment.",
                }
            },
            "required": ["qr_url"],
            "additionalProperties": False,
        },
    ]
}
_PDF_FORM = {
    "type": "object",
    "properties": {"pdf": {"type": "string", "format": "binary"}},
    "required": ["pdf"],
    "additionalProperties": False,
}


@router.post(
    "",
    auth=[PartnerKeyAuth()],
    response={200: ResultOut, **ERRORS},
    summary="Verify one certificate",
    openapi_extra={
        # The key is optional here: without one the limit is per address.
        "security": [{}],
        "responses": REFUSAL_HEADERS,
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _ONE_OF},
                "multipart/form-data": {"schema": _PDF_FORM},
            },
        },
    },
)
def verify_one(request: HttpRequest, response: HttpResponse):
    """Verify a certificate by its code, its signed credential (JSON), the URL
    in its QR code, or its PDF (multipart, field `pdf`). Send exactly one.
    Any answer — valid, revoked, superseded, invalid, unknown — is a 200."""
    access = request.auth
    if access.error:
        return _error(401, access.error, response, WWW_Authenticate="Bearer")
    partner = access.key
    response["Cache-Control"] = "no-store"
    limit = {"group": "verify-api", "rate": settings.PAMOJA_VERIFY_RATE_ANON}
    try:
        kind, value = _one_input(request)
        # A code or a QR URL costs one indexed lookup: it is answered, then
        # counted and logged in one round trip. A credential or a PDF costs a
        # signature check or more: it is counted before any of that work.
        cheap = kind in (audit.Kind.CODE, audit.Kind.QR)
        if not cheap and (wait := verifylog.admit(request, partner=partner, **limit)):
            return _limited(wait, response)
        result = _verify(kind, value)
    except _Refused as refused:
        return _error(refused.status, str(refused), response)
    if cheap:
        logged = verifylog.row(
            channel=audit.Channel.API, kind=kind, result=result, partner=partner
        )
        if wait := verifylog.admit(request, partner=partner, row=logged, **limit):
            return _limited(wait, response)
    else:
        audit.record(
            channel=audit.Channel.API, kind=kind, result=result, partner=partner
        )
    # Rendered as ninja renders, without validating the answer against
    # ResultOut on every request: result_dict builds exactly its fields
    # (tests/certificates/test_verify_api.py holds it to the schema).
    return _api().create_response(
        request, result_dict(result), temporal_response=response
    )


def _api():
    from config.api import api  # which mounts this router

    return api


def _limited(wait: int, response: HttpResponse) -> Status:
    return _error(429, partners.limited_message(wait), response, Retry_After=str(wait))


def result_dict(result) -> dict:
    """``ResultOut``'s fields: ``Result.as_dict()`` with each check's
    translated label, and dates as dates for the JSON renderer."""
    answer = result.as_dict()
    answer["checks"] = [
        {"name": c.name, "label": c.label, "passed": c.passed, "detail": c.detail}
        for c in result.checks
    ]
    answer["as_of"] = result.as_of
    if result.details is not None:
        answer["details"]["issued_on"] = result.details.issued_on
        answer["details"]["revoked_at"] = result.details.revoked_at
    return answer


class _Refused(ValueError):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _exactly_one() -> _Refused:
    return _Refused(
        _("Send exactly one of: code, credential, qr_url (JSON) or pdf (multipart).")
    )


def _one_input(request) -> tuple[str, Any]:
    content_type = request.content_type or ""
    if content_type == "multipart/form-data":
        upload = _upload(request, "pdf")
        if upload is None or len(request.FILES) + len(request.POST) != 1:
            raise _exactly_one()
        return audit.Kind.PDF, upload.read()
    if content_type != "application/json":
        raise _Refused(
            _("Send application/json, or multipart/form-data with a pdf file."), 415
        )
    data = _json_body(request)
    if not isinstance(data, dict) or len(data) != 1 or next(iter(data)) not in INPUTS:
        raise _exactly_one()
    name, value = next(iter(data.items()))
    if name == "credential":
        if not isinstance(value, dict | str):
            raise _Refused(_("credential must be a JSON object or its JSON text."))
    elif not isinstance(value, str) or len(value) > (
        MAX_CODE if name == "code" else MAX_QR_URL
    ):
        raise _Refused(_("%(field)s must be a short text.") % {"field": name})
    return INPUTS[name], value


def _verify(kind: str, value):
    try:
        if kind == audit.Kind.CODE:
            return verify.verify_code(value)
        if kind == audit.Kind.QR:
            return verify.verify_qr_url(value)
        if kind == audit.Kind.CREDENTIAL:
            return verify.verify_credential(value)
        return verify.verify_pdf(value)
    except verify.InputError as error:
        raise _Refused(str(error), error.status_code) from error


def _max_bytes() -> int:
    return settings.PAMOJA_VERIFY_UPLOAD_MAX_BYTES


def _too_large() -> _Refused:
    return _Refused(
        _("The upload is too large: at most %(size)s MB.")
        % {"size": round(_max_bytes() / 1024 / 1024, 1)},
        413,
    )


def _check_length(request) -> None:
    """Refuse an oversized body before Django reads or parses it."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    # Multipart framing adds a few hundred bytes to the file itself.
    if length > _max_bytes() + 16 * 1024:
        raise _too_large()


def _json_body(request):
    _check_length(request)
    try:
        return json.loads(request.body)
    except RequestDataTooBig as error:
        raise _too_large() from error
    except (ValueError, RecursionError) as error:
        raise _Refused(_("The body is not valid JSON.")) from error


def _upload(request, field: str):
    _check_length(request)
    try:
        upload = request.FILES.get(field)
    except RequestDataTooBig as error:
        raise _too_large() from error
    except Exception as error:  # noqa: BLE001 - Django's MultiPartParserError & co.
        raise _Refused(_("The multipart body could not be read.")) from error
    if upload is not None and upload.size > _max_bytes():
        raise _too_large()
    return upload


# --- Many certificates -------------------------------------------------------

_BULK_CSV = {
    "type": "object",
    "properties": {
        "file": {
            "type": "string",
            "format": "binary",
            "description": "CSV, UTF-8 (with or without BOM), comma or "
            "semicolon separated, codes in the first column, optional "
            "header row `code`.",
        }
    },
    "required": ["file"],
    "additionalProperties": False,
}


@router.post(
    "/bulk",
    auth=[PartnerKeyAuth()],
    response={200: BulkOut, **ERRORS},
    summary="Verify up to 10,000 codes",
    openapi_extra={
        "responses": REFUSAL_HEADERS,
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "codes": {
                                "type": "array",
                                "items": {"type": "string"},
                                "minItems": 1,
                                "maxItems": partners.MAX_BULK,
                            }
                        },
                        "required": ["codes"],
                        "additionalProperties": False,
                    }
                },
                "multipart/form-data": {"schema": _BULK_CSV},
            },
        },
    },
)
def verify_bulk(request: HttpRequest, response: HttpResponse):
    """Verify many codes at once, as JSON `{"codes": […]}` or a CSV upload
    (multipart, field `file`). Needs a partner key. Results come back in
    input order, one per row; a malformed code is answered in its row and
    does not fail the batch. More than 10,000 codes: 413."""
    partner, refusal = _gate(request, response, group="verify-bulk", required=True)
    if refusal:
        return refusal
    response["Cache-Control"] = "no-store"
    try:
        rows = _bulk_rows(request)
    except _Refused as refused:
        return _error(refused.status, str(refused), response)
    results = verify.verify_codes([code for _row, code in rows])
    audit.record_bulk(results=results, partner=partner)
    # Built from the verifier's own results: ninja's validation of ten
    # thousand rows would cost more than verifying them (BulkOut documents it).
    return JsonResponse(
        bulk_answer(rows, results),
        json_dumps_params={"ensure_ascii": False},
        headers={"Cache-Control": "no-store"},
    )


def _bulk_rows(request) -> list[tuple[int, str]]:
    content_type = request.content_type or ""
    if content_type == "multipart/form-data":
        upload = _upload(request, "file")
        if upload is None or len(request.FILES) + len(request.POST) != 1:
            raise _Refused(_("Upload one CSV file in the field named file."))
        try:
            return partners.read_codes_csv(upload)
        except partners.CsvError as error:
            raise _Refused(str(error), error.status) from error
    if content_type != "application/json":
        raise _Refused(
            _("Send application/json, or multipart/form-data with a CSV file."), 415
        )
    data = _json_body(request)
    codes = data.get("codes") if isinstance(data, dict) and len(data) == 1 else None
    if not isinstance(codes, list) or not codes:
        raise _Refused(_('Send {"codes": ["PMJ-…", …]} with at least one code.'))
    if len(codes) > partners.MAX_BULK:
        raise _Refused(partners.too_many_message(), 413)
    if not all(isinstance(code, str) for code in codes):
        raise _Refused(_("Every code must be a text."))
    return list(enumerate(codes, start=1))


def bulk_answer(rows, results) -> dict:
    """The bulk response body, rows in input order."""
    counts = dict.fromkeys(verify.Outcome.values, 0)
    out = []
    for (row, text), result in zip(rows, results, strict=True):
        counts[result.outcome] += 1
        out.append(
            {
                "row": row,
                "input": text,
                "outcome": str(result.outcome),
                "message": str(result.message),
                "details": result.details.as_dict() if result.details else None,
            }
        )
    return {"count": len(out), "counts": counts, "results": out}
