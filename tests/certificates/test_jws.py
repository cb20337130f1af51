import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates import keys
from certificates.jws import InvalidClaims, sign_claims, verify_claims

CLAIMS = {
    "c": "PMJ-7K3Q-9M2X-PV4D",
    "n": "Asha Mwangi",
    "t": "AI for everyone",
    "d": "2026-11-26",
}


@pytest.fixture(autouse=True)
def _own_keys(own_key_dir):
    """Tests here rotate keys."""


def public_keys():
    return {kid: key.public_key for kid, key in keys.get_keyset().keys.items()}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def test_claims_round_trip():
    token = sign_claims(CLAIMS)

    assert verify_claims(token, public_keys_by_kid=public_keys()) == CLAIMS


def test_token_is_short_enough_for_a_small_qr_code():
    token = sign_claims(CLAIMS)

    print(f"JWS for the typical claims: {len(token)} characters")
    assert len(token) < 260


def test_header_and_payload_are_as_compact_as_possible():
    header, payload, signature = sign_claims(CLAIMS).split(".")

    kid = keys.get_keyset().current.kid
    assert unb64(header) == b'{"alg":"EdDSA","kid":"' + kid.encode() + b'"}'
    assert unb64(payload) == json.dumps(CLAIMS, separators=(",", ":")).encode()
    assert len(unb64(signature)) == 64


def test_non_ascii_claims_travel_as_utf8():
    claims = {**CLAIMS, "n": "أمينة الحسن", "t": "सबके लिए एआई"}

    token = sign_claims(claims)

    assert "أمينة".encode() in unb64(token.split(".")[1])
    assert verify_claims(token, public_keys_by_kid=public_keys()) == claims


def test_a_changed_payload_is_a_bad_signature():
    header, _, signature = sign_claims(CLAIMS).split(".")
    forged = json.dumps({**CLAIMS, "n": "Someone Else"}, separators=(",", ":"))

    with pytest.raises(InvalidClaims, match="bad signature"):
        verify_claims(
            f"{header}.{b64(forged.encode())}.{signature}",
            public_keys_by_kid=public_keys(),
        )


def test_a_signature_by_another_key_with_our_kid_is_rejected():
    kid = keys.get_keyset().current.kid
    impostor = keys.IssuerKey(
        kid=kid,
        public_key=Ed25519PrivateKey.generate().public_key(),
        private_key=Ed25519PrivateKey.generate(),
        created_at=keys.get_keyset().current.created_at,
        retired_at=None,
    )

    with pytest.raises(InvalidClaims, match="bad signature"):
        verify_claims(
            sign_claims(CLAIMS, key=impostor), public_keys_by_kid=public_keys()
        )


def test_an_unknown_kid_is_rejected():
    token = sign_claims(CLAIMS)

    with pytest.raises(InvalidClaims, match="unknown key k-"):
        verify_claims(token, public_keys_by_kid={})


@pytest.mark.parametrize(
    "token",
    ["", "abc", "a.b", "a.b.c.d", "!!.??.**", f"{b64(b'not json')}.{b64(b'{}')}.AAAA"],
)
def test_malformed_tokens_are_rejected(token):
    with pytest.raises(InvalidClaims, match="malformed"):
        verify_claims(token, public_keys_by_kid=public_keys())


@pytest.mark.parametrize("alg", ["none", "HS256", "ES256", "Ed25519"])
def test_only_eddsa_is_accepted(alg):
    kid = keys.get_keyset().current.kid
    header = b64(json.dumps({"alg": alg, "kid": kid}).encode())
    _, payload, signature = sign_claims(CLAIMS).split(".")

    with pytest.raises(InvalidClaims):
        verify_claims(
            f"{header}.{payload}.{signature}", public_keys_by_kid=public_keys()
        )


def test_retired_keys_still_verify_but_never_sign():
    old = keys.get_keyset().current
    token = sign_claims(CLAIMS)

    keys.rotate_issuer_key()

    assert verify_claims(token, public_keys_by_kid=public_keys()) == CLAIMS
    new_token = sign_claims(CLAIMS)
    assert json.loads(unb64(new_token.split(".")[0]))["kid"] != old.kid
    with pytest.raises(ValueError, match="retired"):
        sign_claims(CLAIMS, key=keys.get_keyset().keys[old.kid])
