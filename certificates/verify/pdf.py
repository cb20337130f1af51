"""Certificate PDFs: our PAdES signature over the whole file, then the
credential attached to it."""

from __future__ import annotations

import hashlib
import io
import json

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.utils.asyncio import async_unsafe
from django.utils.translation import gettext as _

from .credentials import check_size, credential_result
from .results import Findings, InputError, Result
from .trust import Trust

CREDENTIAL_FILE = "credential.json"
MAX_NAME_TREE_DEPTH = 16


@async_unsafe
def verify_pdf(data: bytes, *, trust: Trust | None = None) -> Result:
    """A certificate PDF. Its signature must be intact, chain to the issuer's
    CA (only that CA: never the system's roots, never the network) and cover
    the entire file, so anything appended after signing, even a well-formed
    incremental update, makes it invalid. Then the attached
    ``credential.json`` is checked as :func:`verify_credential` would.

    Online, byte identity with the register's copy (``pdf_sha256``) is
    reported in the ``record`` check but not required: a PDF the deployment
    re-rendered and signed is as genuine, as long as its credential is the
    registered one."""
    if not isinstance(data, bytes | bytearray):
        raise InputError(_("Upload the certificate as a PDF file."))
    data = bytes(data)
    check_size(data)
    if b"%PDF-" not in data[:1024]:
        raise InputError(_("This file is not a PDF."))
    reader = _read(data)
    f = Findings(trust or Trust.online())
    _check_signature(f, reader)
    if f.is_invalid:
        return f.result()
    document = _attached_credential(f, reader)
    if document is None:
        return f.result()
    digest = hashlib.sha256(data).hexdigest() if f.trust.is_online else ""
    return credential_result(f, document, pdf_sha256=digest)


def _read(data: bytes):
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        reader.embedded_signatures  # noqa: B018 - parse the signature fields now
    except Exception as error:  # noqa: BLE001 - any parse failure: a damaged file
        raise InputError(_("This PDF is damaged and cannot be read.")) from error
    return reader


def _validation_context(ca_certificate: x509.Certificate):
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator import ValidationContext

    der = ca_certificate.public_bytes(serialization.Encoding.DER)
    root = asn1_x509.Certificate.load(der)
    return ValidationContext(trust_roots=[root], allow_fetching=False)


def _check_signature(f: Findings, reader) -> None:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    from ..pdfsign import outside_event_loop

    changed = _("Invalid: the PDF was changed after it was signed.")
    not_ours = _("Invalid: this PDF is not signed by %(issuer)s.") % {
        "issuer": f.issuer
    }
    signatures = reader.embedded_signatures
    if not signatures:
        f.invalid("pdf_signature", "the PDF is not signed", not_ours)
        return
    if len(signatures) > 1:
        f.invalid(
            "pdf_signature", f"{len(signatures)} signatures; we make one", changed
        )
        return
    try:
        # Coverage is all that matters about later revisions: skip pyHanko's
        # analysis of what they changed.
        context = _validation_context(f.trust.ca_certificate)
        status = outside_event_loop(
            validate_pdf_signature, signatures[0], context, skip_diff=True
        )
    except Exception as error:  # noqa: BLE001 - a damaged signature, of any kind
        f.invalid(
            "pdf_signature", f"the signature cannot be validated: {error}", changed
        )
        return
    if not status.intact:
        f.invalid("pdf_signature", "the signed bytes were changed", changed)
    elif not status.valid:
        f.invalid("pdf_signature", "the signature value does not verify", changed)
    elif status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        detail = "something was added to the file after it was signed"
        f.invalid("pdf_signature", detail, changed)
    elif not status.trusted:
        detail = "signed by a certificate that the issuer's CA did not issue"
        f.invalid("pdf_signature", detail, not_ours)
    else:
        signer = status.signing_cert.subject.human_friendly
        f.passed("pdf_signature", f"signed by {signer}; covers the whole file")


def _attached_credential(f: Findings, reader) -> dict | None:
    missing = _("Invalid: the PDF has no valid credential attached.")
    try:
        data = _embedded_file(reader, CREDENTIAL_FILE)
    except Exception as error:  # noqa: BLE001 - a damaged name tree
        f.invalid("pdf_credential", f"the attachments cannot be read: {error}", missing)
        return None
    if data is None:
        f.invalid("pdf_credential", f"no {CREDENTIAL_FILE} attached", missing)
        return None
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        document = None
    if not isinstance(document, dict):
        f.invalid("pdf_credential", f"{CREDENTIAL_FILE} is not a JSON object", missing)
        return None
    f.passed("pdf_credential", f"{CREDENTIAL_FILE} attached")
    return document


def _embedded_file(reader, filename: str) -> bytes | None:
    """The attachment called ``filename`` in /Root /Names /EmbeddedFiles."""
    tree = _get(_get(reader.root, "/Names"), "/EmbeddedFiles")
    for name, spec in _name_tree(tree):
        if str(_get(spec, "/UF") or _get(spec, "/F") or name) == filename:
            files = _get(spec, "/EF")
            stream = _get(files, "/UF") or _get(files, "/F")
            return stream.data if stream is not None else None
    return None


def _name_tree(node, depth: int = 0):
    if node is None or depth > MAX_NAME_TREE_DEPTH:
        return
    pairs = _get(node, "/Names") or []
    for i in range(0, len(pairs) - 1, 2):
        yield str(pairs[i]), pairs[i + 1]
    for kid in _get(node, "/Kids") or []:
        yield from _name_tree(kid, depth + 1)


def _get(dictionary, key):
    """pyHanko dereferences on ``[]`` but not on ``.get``."""
    try:
        return dictionary[key]
    except (KeyError, TypeError):
        return None
