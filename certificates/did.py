"""The issuer's DID document (did:web), served at ``did_document_url()``.

It lists every Ed25519 key, current and retired, as a Multikey under
``assertionMethod``: a credential signed by a retired key must still verify.
Retirement is not marked: the Multikey context's ``revoked`` would make
verifiers reject those old credentials, and ``expires`` would too once passed.
Only ``keys.get_keyset().current`` ever signs.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from .keys import KeySet, get_keyset, issuer_did

DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


def did_document(keyset: KeySet | None = None) -> dict:
    keyset = keyset or get_keyset()
    did = issuer_did()
    # Newest first: the current key, then retired keys from the latest.
    keys = sorted(keyset.keys.values(), key=lambda k: k.created_at, reverse=True)
    keys.sort(key=lambda k: k.kid != keyset.current.kid)
    methods = [
        {
            "id": key.verification_method,
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key.public_key_multibase,
        }
        for key in keys
    ]
    return {
        "@context": list(DID_CONTEXTS),
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


def did_document_url() -> str:
    """Where did:web resolution looks for the document: ``/.well-known/did.json``
    for a bare host, ``<path>/did.json`` when PAMOJA_PUBLIC_URL has a path."""
    base = settings.PAMOJA_PUBLIC_URL.rstrip("/")
    if urlsplit(base).path:
        return f"{base}/did.json"
    return f"{base}/.well-known/did.json"
