"""The offline trust bundle: everything needed to check certificates with no
network and no database (DESIGN §5, "Verification").

One JSON document::

    {"type": "PamojaTrustBundle", "version": 1, "generatedAt": "…Z",
     "issuer": {"did", "name", "url"},
     "didDocument": …,          # every Ed25519 key, current and retired
     "caCertificate": "-----BEGIN CERTIFICATE-----…",   # PDF signatures
     "contexts": {url: context},                        # JSON-LD, as vendored
     "statusLists": {url: signed BitstringStatusListCredential},
     "signature": "<compact JWS>"}

``signature`` is a compact JWS (EdDSA, ``kid`` in the header) made with the
issuer's current key over ``{"iss": did, "iat": generatedAt, "sha256": …}``,
where ``sha256`` is the hex SHA-256 of the rest of the bundle as canonical
JSON: keys sorted, no insignificant whitespace, UTF-8 (:func:`canonical_json`;
for this content, which has no floats and only ASCII keys, the same bytes as
RFC 8785 JCS). A JWS over a digest rather than a Data Integrity proof because
the bundle is not a JSON-LD document, and carries the very contexts a proof
would need.

What anchors trust: the signature is checked against a key in the bundle's own
DID document, which proves the bundle is whole and self-consistent, not that
it comes from the issuer. A verifier must compare the signing key's
fingerprint (its ``publicKeyMultibase``, ``z6Mk…``, printed by
``manage.py export_trust_bundle`` and ``verify_certificates``) with the one the
issuer publishes at its ``/.well-known/did.json``, or pin it with
``verify_certificates --expect-key z6Mk…`` (``expect_keys`` here). After a key
rotation new bundles are signed by the new key: pin it too.

Revocation is only as fresh as ``generatedAt``: offline answers say so.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

import base58
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.utils import timezone

from . import jws
from .dataintegrity import vendored_contexts, xsd_datetime
from .keys import ED25519_MULTICODEC, get_keyset, issuer_did

BUNDLE_TYPE = "PamojaTrustBundle"
BUNDLE_VERSION = 1
SIGNATURE = "signature"


class BundleError(ValueError):
    """The trust bundle is malformed, altered, or not signed by a key we trust."""


@dataclass(frozen=True)
class TrustBundle:
    """A bundle whose signature has been verified."""

    issuer_did: str
    issuer_name: str
    issuer_url: str
    generated_at: dt.datetime
    public_keys: dict[str, Ed25519PublicKey]  # verification method -> key
    ca_certificate: x509.Certificate
    contexts: dict[str, dict]
    status_lists: dict[str, dict]
    signed_by: str  # verification method of the key that signed the bundle
    signing_key_fingerprint: str  # its publicKeyMultibase, "z6Mk…"
    fingerprints: dict[str, str] = field(default_factory=dict)  # vm -> "z6Mk…"


# Building ------------------------------------------------------------------


def build_bundle() -> dict:
    """The current trust bundle, signed with the current key."""
    from .api import status_list_url
    from .did import did_document
    from .models import StatusList

    keyset = get_keyset()
    generated_at = xsd_datetime(timezone.now())
    ca_pem = keyset.ca_certificate.public_bytes(serialization.Encoding.PEM)
    body = {
        "type": BUNDLE_TYPE,
        "version": BUNDLE_VERSION,
        "generatedAt": generated_at,
        "issuer": {
            "did": issuer_did(),
            "name": settings.PAMOJA_ISSUER_NAME,
            "url": settings.PAMOJA_PUBLIC_URL,
        },
        "didDocument": did_document(keyset),
        "caCertificate": ca_pem.decode(),
        "contexts": vendored_contexts(),
        "statusLists": {
            status_list_url(row.number): row.credential
            for row in StatusList.objects.order_by("number")
        },
    }
    claims = {"iss": issuer_did(), "iat": generated_at, "sha256": _digest(body)}
    return {**body, SIGNATURE: jws.sign_claims(claims, key=keyset.current)}


def bundle_json() -> bytes:
    """:func:`build_bundle` as served at /verify/trust-bundle.json."""
    return json.dumps(build_bundle(), ensure_ascii=False).encode()


def canonical_json(value) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def _digest(body: dict) -> str:
    return hashlib.sha256(canonical_json(body)).hexdigest()


# Reading -------------------------------------------------------------------


def load_bundle(
    data: bytes | str | dict, *, expect_keys: tuple[str, ...] | list[str] = ()
) -> TrustBundle:
    """The verified bundle; BundleError saying why it cannot be trusted.

    ``expect_keys``: fingerprints (``z6Mk…``) obtained from the issuer out of
    band; when given, the bundle must be signed by one of them. Never touches
    the network or the database."""
    bundle = _parse(data)
    if bundle.get("type") != BUNDLE_TYPE or bundle.get("version") != BUNDLE_VERSION:
        raise BundleError("not a version 1 Pamoja trust bundle")
    issuer = _dict(bundle, "issuer")
    did = issuer.get("did")
    document = _dict(bundle, "didDocument")
    if not did or document.get("id") != did:
        raise BundleError("the DID document is not the issuer's")
    public_keys, fingerprints = _did_keys(document, did)
    body = {key: value for key, value in bundle.items() if key != SIGNATURE}
    signed_by = _check_signature(bundle.get(SIGNATURE), body, did, public_keys)
    fingerprint = fingerprints[signed_by]
    if expect_keys and fingerprint not in expect_keys:
        raise BundleError(
            f"signed by key {fingerprint}, not by the expected {', '.join(expect_keys)}"
        )
    return TrustBundle(
        issuer_did=did,
        issuer_name=str(issuer.get("name") or ""),
        issuer_url=str(issuer.get("url") or ""),
        generated_at=_datetime(bundle.get("generatedAt")),
        public_keys=public_keys,
        ca_certificate=_certificate(bundle.get("caCertificate")),
        contexts=_dict(bundle, "contexts"),
        status_lists=_dict(bundle, "statusLists"),
        signed_by=signed_by,
        signing_key_fingerprint=fingerprint,
        fingerprints=fingerprints,
    )


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    """The Ed25519 key of a Multikey ``publicKeyMultibase`` ("z6Mk…")."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise ValueError("not base58btc multibase")
    raw = base58.b58decode(value[1:])
    if not raw.startswith(ED25519_MULTICODEC) or len(raw) != 34:
        raise ValueError("not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def _parse(data) -> dict:
    if isinstance(data, dict):
        return data
    try:
        bundle = json.loads(data)
    except (ValueError, TypeError, RecursionError) as error:
        raise BundleError(f"not JSON: {error}") from error
    if not isinstance(bundle, dict):
        raise BundleError("not a JSON object")
    return bundle


def _dict(bundle: dict, key: str) -> dict:
    value = bundle.get(key)
    if not isinstance(value, dict):
        raise BundleError(f"{key} is missing")
    return value


def _did_keys(document: dict, did: str):
    """Verification method -> key and -> fingerprint, for the assertion keys."""
    asserting = document.get("assertionMethod") or []
    public_keys, fingerprints = {}, {}
    for method in document.get("verificationMethod") or []:
        vm = method.get("id") if isinstance(method, dict) else None
        if not isinstance(vm, str) or vm not in asserting:
            continue
        if not vm.startswith(f"{did}#") or method.get("controller") != did:
            raise BundleError(f"key {vm} is not controlled by {did}")
        try:
            public_keys[vm] = public_key_from_multibase(method["publicKeyMultibase"])
        except (KeyError, ValueError) as error:
            raise BundleError(f"key {vm}: {error}") from error
        fingerprints[vm] = method["publicKeyMultibase"]
    if not public_keys:
        raise BundleError("the DID document has no keys")
    return public_keys, fingerprints


def _check_signature(token, body: dict, did: str, public_keys) -> str:
    if not isinstance(token, str):
        raise BundleError("the bundle is not signed")
    by_kid = {vm.partition("#")[2]: key for vm, key in public_keys.items()}
    try:
        claims = jws.verify_claims(token, public_keys_by_kid=by_kid)
        kid = json.loads(_b64(token.split(".")[0]))["kid"]
    except (jws.InvalidClaims, ValueError, KeyError, IndexError) as error:
        raise BundleError(f"the signature does not verify: {error}") from error
    if claims.get("iss") != did or claims.get("iat") != body.get("generatedAt"):
        raise BundleError("the signature is for another bundle")
    if claims.get("sha256") != _digest(body):
        raise BundleError("the bundle was changed after it was signed")
    return f"{did}#{kid}"


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _datetime(value) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError) as error:
        raise BundleError("generatedAt is not a date and time") from error
    if moment.tzinfo is None:
        raise BundleError("generatedAt has no time zone")
    return moment


def _certificate(pem) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(str(pem).encode())
    except ValueError as error:
        raise BundleError(f"caCertificate: {error}") from error
