"""PAdES signatures on certificate PDFs.

The document-signing key and certificate come from :mod:`certificates.keys`;
the deployment's own CA travels in the signature so a reader that trusts that
root (pdfsig with it in its NSS database, Adobe Reader with it imported, the
offline trust bundle) can validate the whole chain.

The profile is PAdES baseline B-B: the signing time in the signature is the
server's clock, with no RFC 3161 timestamp (B-T), because the deployment is not
assumed to reach any timestamp authority. The signature certifies the document
(DocMDP, no changes allowed), so readers flag any later edit, even a properly
appended incremental update.
"""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor

from cryptography.hazmat.primitives import serialization

from . import keys

FIELD_NAME = "PamojaSignature"
# Room for the CMS signature, in hex digits. Without it pyHanko signs twice,
# once with a dummy to measure (half the signing time). Ours is about 1.5 KiB
# of DER (two P-256 certificates, the signed attributes, a 72-byte
# signature): 4 KiB leaves room to spare.
SIGNATURE_RESERVED_HEX = 8192

# (keyset, signer) for the last keyset seen. KeySet is not hashable; keeping a
# reference to it also keeps its id from being reused by another object.
_signer_cache: tuple[object, object] | None = None


def sign_pdf(pdf: bytes, *, keyset=None) -> bytes:
    """``pdf`` with a certification signature over the whole file, as a new
    incremental update (the bytes of ``pdf`` are kept as they are)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter

    signer = _signer(keyset if keyset is not None else keys.get_keyset())
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=MDPPerm.NO_CHANGES,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    signed = outside_event_loop(
        signers.sign_pdf,
        writer,
        metadata,
        signer=signer,
        bytes_reserved=SIGNATURE_RESERVED_HEX,
    )
    return signed.getvalue()


def outside_event_loop(function, *args, **kwargs):
    """Call one of pyHanko's synchronous functions, which use ``asyncio.run``
    and so refuse to run in a thread with a running event loop (Playwright's
    sync API keeps one in the browser tests; an ASGI server would too): there,
    run it in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def warm_up() -> None:
    """Import pyHanko (a second or so) before a worker forks."""
    import pyhanko.sign.signers  # noqa: F401


def _signer(keyset):
    """pyHanko's signer for ``keyset``, built once per process and key set."""
    global _signer_cache
    if _signer_cache is not None and _signer_cache[0] is keyset:
        return _signer_cache[1]
    signer = _build_signer(keyset)
    _signer_cache = (keyset, signer)
    return signer


def _build_signer(keyset):
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    def certificate(cert):
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

    private_key = keyset.signing_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return SimpleSigner(
        signing_cert=certificate(keyset.signing_certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(private_key),
        cert_registry=SimpleCertificateStore.from_certs(
            [certificate(keyset.ca_certificate)]
        ),
    )
