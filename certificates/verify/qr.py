"""QR links: ``…/verify/<code>/#<compact JWS of the printed claims>``."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import unquote, urlsplit

from django.utils.asyncio import async_unsafe
from django.utils.translation import gettext as _

from .. import codes, jws
from . import register
from .results import Details, Findings, InputError, Outcome, Result
from .trust import Trust

# A QR link is a few hundred characters; anything much longer is not one.
MAX_URL_LENGTH = 4096
_VERIFY_PATH = re.compile(r"/verify/([^/]+)/?$")


@async_unsafe
def verify_qr_url(url: str, *, trust: Trust | None = None) -> Result:
    """A QR code's link. The JWS must verify with one of the issuer's keys
    (retired ones too), be about the link's code and, online, say exactly
    what the register printed; then the code's status in the register is the
    answer. A link without the signed fragment is a code (:func:`verify_code`).
    Offline there is no register and the claims carry no status entry: the
    answer is ``unknown``, with the genuine printed details."""
    if not isinstance(url, str) or len(url) > MAX_URL_LENGTH:
        raise InputError(_("This is not a certificate link."))
    try:
        parts = urlsplit(url.strip())
    except ValueError as error:  # e.g. a malformed IPv6 host
        raise InputError(_("This is not a certificate link.")) from error
    match = _VERIFY_PATH.search(parts.path)
    if match is None:
        raise InputError(_("This is not a certificate link."))
    if not parts.fragment:
        return register.verify_code(unquote(match[1]), trust=trust)
    f = Findings(trust or Trust.online())
    code = register.check_code(f, unquote(match[1]))
    if code is None:
        return f.result()
    try:
        claims = jws.verify_claims(
            parts.fragment, public_keys_by_kid=f.trust.keys_by_kid
        )
    except jws.InvalidClaims as error:
        message = _(
            "Invalid: the QR code was not signed by %(issuer)s, or was changed."
        )
        f.invalid("qr_signature", str(error), message % {"issuer": f.issuer})
        return f.result()
    f.passed("qr_signature", "signed by the issuer")
    if f.trust.is_online:
        return _online(f, code, claims)
    return _offline(f, code, claims)


def _claims_failed(f: Findings, detail: str) -> None:
    f.invalid(
        "qr_claims",
        detail,
        _("Invalid: the QR code does not belong to this certificate."),
    )


def _claimed_code(claims: dict) -> str | None:
    try:
        return codes.normalise(str(claims.get("c")))
    except codes.CodeError:
        return None


def _online(f: Findings, code: str, claims: dict) -> Result:
    from ..api import printed_claims

    if _claimed_code(claims) != code:
        _claims_failed(f, f"the signed details are {claims.get('c')}'s, not {code}'s")
        return f.result()
    found = register.record_by_code(code)
    if found is not None and claims != printed_claims(found):
        _claims_failed(f, "the signed details differ from the register's")
        return f.result(certificate_id=found.id)
    f.passed("qr_claims", f"the signed details are {code}'s")
    register.check_record(f, found, unknown=register.UNKNOWN_CODE)
    if found is None:
        return f.result()
    register.check_stored_credential(f, found)
    return f.result(found.details(f.issuer), found.id)


def _offline(f: Findings, code: str, claims: dict) -> Result:
    if _claimed_code(claims) != code:
        _claims_failed(f, f"the signed details are {claims.get('c')}'s, not {code}'s")
        return f.result()
    try:
        issued_on = dt.date.fromisoformat(str(claims.get("d")))
    except ValueError:
        _claims_failed(f, "the signed details have no date of issue")
        return f.result()
    f.passed("qr_claims", f"the signed details are {code}'s")
    detail = "a QR code carries no revocation entry, and the register is offline"
    message = _(
        "The printed details are genuine, but whether the certificate was "
        "revoked can only be checked online or from its PDF."
    )
    f.failed("record", detail, outcome=Outcome.UNKNOWN, message=message)
    details = Details(
        code=code,
        name=str(claims.get("n") or ""),
        course_title=str(claims.get("t") or ""),
        issued_on=issued_on,
        issuer_name=f.issuer,
        language="",
    )
    return f.result(details)
