"""Tampered inputs for the verifier's tests: what a forger could make from a
genuine certificate without the issuer's private keys (and a few things only
the issuer could make, to prove each check stands on its own)."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import io
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import override_settings

from certificates import dataintegrity, jws, keys
from tests.certificates import pdftools

# Credentials ------------------------------------------------------------------


def with_extra_field(credential: dict) -> dict:
    """Every signed field intact, one more added that no context defines: it
    would not change the canonical form, so the signature alone still holds."""
    forged = copy.deepcopy(credential)
    forged["credentialSubject"]["honours"] = "summa cum laude"
    return forged


def with_changed_name(credential: dict, name: str = "Someone Else") -> dict:
    forged = copy.deepcopy(credential)
    forged["credentialSubject"]["identifier"][0]["identityHash"] = name
    return forged


def foreign_key(kid: str = "k-f0r9e3d0") -> keys.IssuerKey:
    """A fresh Ed25519 key the issuer never had, claiming to be the issuer's
    (``kid`` may even be one of the issuer's own)."""
    private = Ed25519PrivateKey.generate()
    now = dt.datetime.now(dt.UTC)
    return keys.IssuerKey(kid, private.public_key(), private, now, None)


def resigned(credential: dict, key: keys.IssuerKey) -> dict:
    """The credential, changed or not, signed again with ``key``."""
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    return dataintegrity.sign(unsigned, key=key)


# QR links ---------------------------------------------------------------------


def qr_url(certificate, token: str | None = None) -> str:
    return f"{certificate.verify_url}#{token or certificate.qr_token}"


def qr_token_signed_by(claims: dict, key: keys.IssuerKey) -> str:
    return jws.sign_claims(claims, key=key)


# PDFs -------------------------------------------------------------------------


def unsigned_prefix(pdf: bytes) -> bytes:
    """The PDF as rendered, before the signature's incremental update (the
    signed file keeps these bytes as they are)."""
    end = pdf.index(b"%%EOF") + len(b"%%EOF")
    return pdf[: end + 1] if pdf[end : end + 1] == b"\n" else pdf[:end]


def with_annotation_appended(pdf: bytes) -> bytes:
    """A text annotation added as a proper incremental update, the way a PDF
    editor would: every signed byte is left as it was."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page_ref, _resources = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    note = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/Text"),
            generic.NameObject("/Rect"): generic.ArrayObject(
                [generic.NumberObject(n) for n in (10, 10, 40, 40)]
            ),
            generic.NameObject("/Contents"): generic.TextStringObject(
                "Grade: distinction"
            ),
        }
    )
    page["/Annots"] = generic.ArrayObject([writer.add_object(note)])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def with_title_changed_by_mutool(pdf: bytes, directory: Path) -> bytes:
    source = pdftools.write(pdf, directory / "source.pdf")
    out = directory / "edited.pdf"
    pdftools.append_incremental_update(source, out)
    return out.read_bytes()


def with_one_byte_changed(pdf: bytes, directory: Path) -> bytes:
    """One bit flipped inside the page's drawn content."""
    path = pdftools.write(pdf, directory / "to-flip.pdf")
    tampered, _offset = pdftools.flip_byte_in_page_content(path)
    return tampered


def foreign_keyset(directory: Path) -> keys.KeySet:
    """Keys and a CA of the same shape as the issuer's, made elsewhere."""
    with override_settings(PAMOJA_KEY_DIR=directory):
        keys.reset_keyset_cache()
        keyset = keys.generate_after_loss()  # certificates may exist already
    keys.reset_keyset_cache()
    return keyset


def minimal_pdf() -> bytes:
    """A one-page PDF with nothing on it and nothing attached."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08"
    b"\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00"
    b"\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


# Trust bundles ----------------------------------------------------------------


def bundle_resigned(bundle: dict, key: keys.IssuerKey, **changes) -> dict:
    """The bundle with ``changes`` made, signed again with ``key`` (which the
    DID document in ``changes``, if any, may list as the issuer's)."""
    from certificates.bundle import SIGNATURE, canonical_json

    body = {k: v for k, v in bundle.items() if k != SIGNATURE} | changes
    digest = hashlib.sha256(canonical_json(body)).hexdigest()
    claims = {
        "iss": body["issuer"]["did"],
        "iat": body["generatedAt"],
        "sha256": digest,
    }
    return {**body, SIGNATURE: jws.sign_claims(claims, key=key)}


def did_document_of(key: keys.IssuerKey, did: str) -> dict:
    """A DID document for ``did`` listing ``key`` alone."""
    vm = f"{did}#{key.kid}"
    return {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": vm,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": key.public_key_multibase,
            }
        ],
        "assertionMethod": [vm],
    }
