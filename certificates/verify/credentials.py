"""Credential JSON: its proof, its revocation bit and, online, the register."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from django.conf import settings
from django.utils import formats
from django.utils.asyncio import async_unsafe
from django.utils.translation import gettext as _

from .. import statuslist
from . import register
from .results import (
    Details,
    Findings,
    InputError,
    InputTooLarge,
    Outcome,
    Result,
    format_as_of,
)
from .trust import Trust

CREDENTIAL_TYPE = "OpenBadgeCredential"
STATUS_ENTRY_TYPE = "BitstringStatusListEntry"


@async_unsafe
def verify_credential(
    data: dict | str | bytes, *, trust: Trust | None = None
) -> Result:
    """A credential as JSON (bytes or text, or already parsed)."""
    document = parse_json(data)
    return credential_result(Findings(trust or Trust.online()), document)


def parse_json(data) -> dict:
    if isinstance(data, dict):
        return data
    if isinstance(data, str):
        data = data.encode()
    if not isinstance(data, bytes | bytearray):
        raise InputError(_("Send the credential as JSON."))
    check_size(data)
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise InputError(_("This is not a JSON file.")) from error
    if not isinstance(document, dict):
        raise InputError(_("This JSON is not a credential: it should be one object."))
    return document


def check_size(data: bytes) -> None:
    limit = settings.PAMOJA_VERIFY_UPLOAD_MAX_BYTES
    if len(data) > limit:
        message = _("The file is too large to be a certificate (over %(size)s KB).")
        raise InputTooLarge(message % {"size": formats.number_format(limit // 1024)})


def credential_result(f: Findings, document: dict, *, pdf_sha256: str = "") -> Result:
    """Check a credential; ``pdf_sha256`` of the PDF it came from, if any."""
    certificate_id = check_credential_signature(f, document)
    if certificate_id is None:
        return f.result()
    if not f.trust.is_online:
        check_status(f, document, None)
        return f.result(credential_details(document, f.issuer), certificate_id)
    found = register.record(pk=certificate_id)
    unknown = _("Not found: this credential is not in %(issuer)s's register.")
    register.check_record(f, found, unknown=unknown, note=_pdf_note(pdf_sha256, found))
    if found is not None:
        register.check_matches_record(f, document, found)
        if f.is_invalid:
            return f.result(certificate_id=certificate_id)
    check_status(f, document, found)
    if found is None:
        return f.result(credential_details(document, f.issuer), certificate_id)
    return f.result(found.details(f.issuer), certificate_id)


def _pdf_note(pdf_sha256: str, found: register.Record | None) -> str:
    """Byte identity is reported, not required: a PDF we re-rendered and
    signed is as genuine, as long as its credential is the registered one."""
    if not pdf_sha256 or found is None:
        return ""
    if pdf_sha256 == found.pdf_sha256:
        return "; the PDF is the very file the register issued"
    return "; the PDF is not byte-identical to the register's copy (re-rendered)"


def check_credential_signature(f: Findings, document: dict) -> uuid.UUID | None:
    """The certificate's id once the proof verifies with one of the issuer's
    keys and the document is a certificate; None with the check failed."""
    proof = f.trust.verify_proof(document)
    if not proof.ok:
        detail, message = _proof_failure(proof.reason, proof.verification_method)
        f.invalid("credential_signature", detail, message % {"issuer": f.issuer})
        return None
    certificate_id = _certificate_id(document)
    if certificate_id is None:
        detail = "signed by the issuer, but not a certificate credential"
        f.invalid(
            "credential_signature",
            detail,
            _("Invalid: this is not a certificate credential."),
        )
        return None
    f.passed("credential_signature", f"signed by {proof.verification_method}")
    return certificate_id


def _proof_failure(reason: str, verification_method) -> tuple[str, str]:
    if reason.startswith("unknown key") or "does not belong to the issuer" in reason:
        detail = f"signed by a key that is not the issuer's ({verification_method})"
        message = _(
            "Invalid: this credential was signed by a key that is not %(issuer)s's."
        )
    elif reason.startswith("undefined term"):
        detail = f"fields the signature does not cover: {reason}"
        message = _("Invalid: the credential has fields its signature does not cover.")
    elif reason == "no proof":
        detail = "the credential has no proof"
        message = _("Invalid: the credential is not signed.")
    else:
        detail = reason
        message = _("Invalid: the credential was changed after it was signed.")
    return detail, message


def _certificate_id(document: dict) -> uuid.UUID | None:
    identifier = str(document.get("id") or "")
    if CREDENTIAL_TYPE not in (document.get("type") or []):
        return None
    if not identifier.startswith("urn:uuid:"):
        return None
    try:
        return uuid.UUID(identifier.removeprefix("urn:uuid:"))
    except ValueError:
        return None


def check_status(f: Findings, document: dict, found: register.Record | None) -> None:
    """The credential's bit in its status list, whose own proof is checked."""
    broken = _("Invalid: the revocation list does not verify.")
    entry = document.get("credentialStatus")
    if not isinstance(entry, dict) or entry.get("type") != STATUS_ENTRY_TYPE:
        f.invalid("status_list", "the credential has no status list entry", broken)
        return
    url = str(entry.get("statusListCredential"))
    status_list, why = f.trust.status_list(url)
    if status_list is None and why == "missing":
        where = "online" if f.trust.is_online else "in the trust bundle"
        message = _(
            "Unknown: the revocation list for this certificate is missing; "
            "get a newer trust bundle."
        )
        f.failed(
            "status_list",
            f"status list {url} is not available {where}",
            outcome=Outcome.UNKNOWN,
            message=message,
        )
        return
    if status_list is None:
        f.invalid("status_list", why, broken)
        return
    subject = status_list["credentialSubject"]
    try:
        if subject.get("statusPurpose") != entry.get("statusPurpose"):
            raise ValueError("the status list has another purpose")
        index = int(str(entry.get("statusListIndex")))
        revoked = statuslist.is_revoked(str(subject.get("encodedList")), index)
    except ValueError as error:
        f.invalid("status_list", str(error), broken)
        return
    where = f"{url} (bit {index}) as of {status_list.get('validFrom')}"
    if not revoked:
        f.passed("status_list", f"not revoked in {where}")
    else:
        outcome, message = _revoked(f, found)
        f.failed("status_list", f"revoked in {where}", outcome=outcome, message=message)


def _revoked(f: Findings, found: register.Record | None) -> tuple[Outcome, str]:
    """The outcome of a set bit: a superseded certificate's bit is set too."""
    from ..models import Certificate

    if found is not None and found.status == Certificate.Status.SUPERSEDED:
        return Outcome.SUPERSEDED, _("Replaced: this certificate was reissued.")
    if f.trust.is_online:
        return Outcome.REVOKED, _(
            "Revoked: the revocation list marks this certificate revoked."
        )
    message = _(
        "Revoked: %(issuer)s's revocation list of %(time)s marks this "
        "certificate revoked or replaced."
    )
    return Outcome.REVOKED, message % {
        "issuer": f.issuer,
        "time": format_as_of(f.trust.as_of),
    }


def credential_details(document: dict, issuer_name: str) -> Details:
    """What a verified credential says, when there is no register to ask."""
    subject = document.get("credentialSubject") or {}
    achievement = subject.get("achievement") or {}
    issued = dt.datetime.fromisoformat(str(document.get("validFrom")))
    return Details(
        code="",
        name=str(register.learner_name(subject) or ""),
        course_title=str(achievement.get("name") or ""),
        issued_on=issued.astimezone(dt.UTC).date(),
        issuer_name=issuer_name,
        language=str(achievement.get("inLanguage") or ""),
    )
