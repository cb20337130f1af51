"""Compact JWS of a printed certificate's claims, for its QR code.

The QR code must stay small enough to decode from a 72-dpi scan, so the token
is as short as an Ed25519 JWS gets: the protected header is exactly
``{"alg":"EdDSA","kid":…}``, the payload is compact JSON in UTF-8.

Built on joserfc (compact serialisation, base64url, size limits, header
checks) with a registry that knows one algorithm only, EdDSA, so a token can
never pick its own algorithm ("none", HS256 with our public key…). joserfc
warns on every use of "EdDSA" because RFC 9864 deprecates it in favour of
"Ed25519"; we keep "EdDSA" because it is what deployed JOSE libraries
understand (and is two bytes shorter), and silence the warning in the
registry rather than process-wide.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwa import EdDSAAlgorithm
from joserfc.jwk import OKPKey

from .keys import IssuerKey, get_keyset

ALGORITHM = "EdDSA"


class InvalidClaims(ValueError):
    """The token is malformed, signed by an unknown key, or altered."""


class _EdDSA(EdDSAAlgorithm):
    security_warning = None


class _Registry(jws.JWSRegistry):
    algorithms = {ALGORITHM: _EdDSA()}
    recommended = [ALGORITHM]


_registry = _Registry(algorithms=[ALGORITHM])


def sign_claims(claims: dict, *, key: IssuerKey | None = None) -> str:
    """The claims as a compact JWS signed by ``key`` (default: the current key)."""
    key = key or get_keyset().current
    if key.private_key is None:
        raise ValueError(f"key {key.kid} is retired and signs nothing")
    payload = json.dumps(claims, separators=(",", ":"), ensure_ascii=False)
    header = {"alg": ALGORITHM, "kid": key.kid}
    signing_key = OKPKey.import_key(key.private_key)
    return jws.serialize_compact(header, payload, signing_key, registry=_registry)


def verify_claims(
    token: str, *, public_keys_by_kid: Mapping[str, Ed25519PublicKey]
) -> dict:
    """The claims of a token signed by one of ``public_keys_by_kid``.

    Raises InvalidClaims saying why: malformed, unknown key, bad signature."""
    try:
        signed = jws.extract_compact(token.strip().encode(), registry=_registry)
        header = signed.headers()
    except (JoseError, ValueError) as error:
        raise InvalidClaims(f"malformed token: {error}") from error
    if header.get("alg") != ALGORITHM:
        raise InvalidClaims(f"unsupported algorithm {header.get('alg')}")
    kid = header.get("kid")
    if kid not in public_keys_by_kid:
        raise InvalidClaims(f"unknown key {kid}")
    key = OKPKey.import_key(public_keys_by_kid[kid])
    try:
        if not jws.validate_compact(signed, key, registry=_registry):
            raise InvalidClaims("bad signature")
    except JoseError as error:
        raise InvalidClaims(f"malformed token: {error}") from error
    try:
        claims = json.loads(signed.payload)
    except ValueError as error:
        raise InvalidClaims("malformed token: the payload is not JSON") from error
    if not isinstance(claims, dict):
        raise InvalidClaims("malformed token: the payload is not a JSON object")
    return claims
