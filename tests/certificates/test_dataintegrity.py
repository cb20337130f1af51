import copy
import datetime as dt
import json

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from certificates import dataintegrity as di
from certificates.credential import build_credential
from certificates.keys import get_keyset
from tests.certificates.vcjs import sample_claim

# W3C "Data Integrity EdDSA Cryptosuites v1.0", the eddsa-rdfc-2022 test
# vector (w3c/vc-di-eddsa, TestVectors/keyPair.json and eddsa-rdfc-2022/).
VECTOR_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
VECTOR_SECRET = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
VECTOR_VM = f"https://vc.example/issuers/5678#{VECTOR_PUBLIC}"
VECTOR_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/ns/credentials/examples/v2",
]
VECTOR_DOCUMENT = {
    "@context": VECTOR_CONTEXT,
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {
        "id": "did:example:abcdefgh",
        "alumniOf": "The School of Examples",
    },
}
VECTOR_PROOF_OPTIONS = {
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-rdfc-2022",
    "created": "2023-02-24T23:36:38Z",
    "verificationMethod": VECTOR_VM,
    "proofPurpose": "assertionMethod",
}
VECTOR_HASH = (
    "4c4d3890a157f8d611b13c265c2c22f39aa0a567c7c7dd9ba3e45cd579784eeb"
    "517744132ae165a5349155bef0bb0cf2258fff99dfe1dbd914b938d775a36017"
)
VECTOR_PROOF_VALUE = (
    "z21EVs3eXERqTn4acNHT9viboqgzUaQ3kTmhPT3eA8qrVPE7CrQq78Wkzctn"
    "MX5W4CrzcKnHw8V6dvy5pgWYCU5e9"
)
EXAMPLES_CONTEXT = {
    "@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}
}


def vector_loader(url, options=None):
    """The vendored contexts plus the VC examples context the vector uses."""
    if url == VECTOR_CONTEXT[1]:
        return {"contextUrl": None, "documentUrl": url, "document": EXAMPLES_CONTEXT}
    return di.document_loader(url, options)


def test_reproduces_the_w3c_eddsa_rdfc_2022_test_vector():
    seed = base58.b58decode(VECTOR_SECRET[1:])
    assert seed[:2] == b"\x80\x26"  # multicodec ed25519-priv
    private_key = Ed25519PrivateKey.from_private_bytes(seed[2:])
    config = {**VECTOR_PROOF_OPTIONS, "@context": VECTOR_CONTEXT}

    data = di.hash_data(VECTOR_DOCUMENT, config, loader=vector_loader)
    proof_value = "z" + base58.b58encode(private_key.sign(data)).decode()

    assert data.hex() == VECTOR_HASH
    assert proof_value == VECTOR_PROOF_VALUE


def test_verifies_the_w3c_test_vectors_signed_document():
    public_key = Ed25519PublicKey.from_public_bytes(
        base58.b58decode(VECTOR_PUBLIC[1:])[2:]
    )
    signed = {
        **VECTOR_DOCUMENT,
        "proof": {**VECTOR_PROOF_OPTIONS, "proofValue": VECTOR_PROOF_VALUE},
    }
    keys = {VECTOR_VM: public_key}

    assert di.verify(signed, public_keys=keys, loader=vector_loader).ok
    signed["credentialSubject"]["alumniOf"] = "The School of Counterexamples"
    check = di.verify(signed, public_keys=keys, loader=vector_loader)
    assert (check.ok, check.reason) == (False, "signature does not match")


@pytest.fixture
def credential():
    return build_credential(sample_claim())


@pytest.fixture
def signed(credential):
    return di.sign(credential, key=get_keyset().current)


def verify(document):
    return di.verify(document, public_keys=get_keyset().public_keys())


def test_sign_adds_an_eddsa_rdfc_2022_data_integrity_proof(credential):
    key = get_keyset().current
    created = dt.datetime(2026, 11, 26, 12, 0, 5, 123456, tzinfo=dt.UTC)

    signed = di.sign(credential, key=key, created=created)

    proof = signed.pop("proof")
    assert signed == credential  # a copy; nothing else changes
    assert "proof" not in credential
    assert {k: v for k, v in proof.items() if k != "proofValue"} == {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-11-26T12:00:05Z",
        "verificationMethod": key.verification_method,
        "proofPurpose": "assertionMethod",
    }
    assert proof["proofValue"].startswith("z")
    assert len(base58.b58decode(proof["proofValue"][1:])) == 64


def test_signed_credential_verifies(signed):
    check = verify(signed)

    assert check.ok, check.reason
    assert check.verification_method == get_keyset().current.verification_method


def test_verification_survives_a_json_round_trip_and_key_reordering(signed):
    reordered = json.loads(json.dumps(signed, sort_keys=True, indent=3))
    assert verify(reordered).ok


def _set(document, path, value):
    target = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("credentialSubject", "identifier", 0, "identityHash"), "Asha Mwangj"),
        (("validFrom",), "2026-11-25T09:30:00Z"),
        (("name",), "AI literacy for experts"),
        (("issuer", "name"), "Not Pamoja"),
        (("credentialSubject", "achievement", "criteria", "narrative"), "Nothing."),
        (("credentialSubject", "achievement", "inLanguage"), "en"),
        (("credentialStatus", "statusListIndex"), "4243"),
        (("id",), "urn:uuid:00000000-0000-4000-8000-000000000000"),
        (("type",), ["VerifiableCredential", "EndorsementCredential"]),
        (("proof", "created"), "2030-01-01T00:00:00Z"),
        (("proof", "cryptosuite"), "eddsa-jcs-2022"),
        (("proof", "proofPurpose"), "authentication"),
    ],
)
def test_changing_any_signed_field_fails_verification(signed, path, value):
    tampered = copy.deepcopy(signed)
    _set(tampered, path, value)

    check = verify(tampered)

    assert not check.ok
    assert check.reason


def test_a_field_added_afterwards_is_rejected_not_ignored(signed):
    """An undefined term would drop out of the canonical form, so the
    signature alone would still match: check_terms is what catches it."""
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["grade"] = "A+"

    check = verify(tampered)

    assert not check.ok
    assert check.reason == "undefined term credentialSubject.grade"


def test_a_field_added_to_the_proof_is_rejected(signed):
    signed["proof"]["comment"] = "trust me"

    check = verify(signed)

    assert (check.ok, check.reason) == (False, "undefined term proof.comment")


def test_a_signature_by_another_key_fails(credential):
    vm = get_keyset().current.verification_method
    other = Ed25519PrivateKey.generate().public_key()
    signed = di.sign(credential, key=get_keyset().current)

    check = di.verify(signed, public_keys={vm: other})

    assert (check.ok, check.reason) == (False, "signature does not match")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d.pop("proof"), "no proof"),
        (lambda d: d.update(proof=[d["proof"], d["proof"]]), "more than one proof"),
        (lambda d: d["proof"].update(proofValue="zzz"), "malformed proofValue"),
        (
            lambda d: d["proof"].update(proofValue="u" + "A" * 86),
            "malformed proofValue",
        ),
        (lambda d: d["proof"].pop("proofValue"), "malformed proofValue"),
        (lambda d: d["proof"].update(created="yesterday"), "malformed created"),
        (
            lambda d: d["proof"].update(verificationMethod=d["issuer"]["id"] + "#k-0"),
            "unknown key",
        ),
        (
            lambda d: d["issuer"].update(id="did:web:elsewhere.example"),
            "does not belong to the issuer",
        ),
        (
            lambda d: d.update({"@context": ["https://example.org/ctx"]}),
            "cannot be processed",
        ),
        (lambda d: d.pop("@context"), "no @context"),
    ],
)
def test_bad_documents_fail_with_a_reason_and_never_raise(signed, change, reason):
    change(signed)

    check = verify(signed)

    assert not check.ok
    assert reason in check.reason


@pytest.mark.parametrize("document", [None, [], "text", 42])
def test_non_objects_fail_verification(document):
    assert verify(document).reason == "not a JSON object"


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d.update(favouriteColour="green"), "favouriteColour"),
        (
            lambda d: d["credentialSubject"].update(favouriteColour="green"),
            "credentialSubject.favouriteColour",
        ),
        (
            lambda d: d["credentialSubject"]["identifier"][0].update(shoeSize=42),
            "credentialSubject.identifier[0].shoeSize",
        ),
        (
            lambda d: d["credentialSubject"]["achievement"]["criteria"].update(
                level={"name": "gold"}
            ),
            "credentialSubject.achievement.criteria.level",
        ),
        (
            lambda d: d["credentialSubject"]["type"].append("HonoursSubject"),
            "credentialSubject.type[1]",
        ),
        (lambda d: d.update(id="certificate-7"), "id"),
    ],
)
def test_check_terms_names_the_path_of_an_undefined_term(credential, change, path):
    change(credential)

    with pytest.raises(di.UndefinedTermError) as raised:
        di.check_terms(credential)

    assert raised.value.paths == [path]
    assert path in str(raised.value)


def test_check_terms_names_every_undefined_term(credential):
    credential["mood"] = "happy"
    credential["credentialSubject"]["identifier"].append(
        {"type": "IdentityObject", "identityHash": "x", "nickname": "A"}
    )

    with pytest.raises(di.UndefinedTermError) as raised:
        di.check_terms(credential)

    assert raised.value.paths == [
        "credentialSubject.identifier[1].nickname",
        "mood",  # document order: it was added last
    ]


def test_check_terms_accepts_our_credential(credential):
    di.check_terms(credential)  # raises if not


def test_sign_refuses_an_undefined_term(credential):
    credential["credentialSubject"]["favouriteColour"] = "green"

    with pytest.raises(
        di.UndefinedTermError, match="credentialSubject.favouriteColour"
    ):
        di.sign(credential, key=get_keyset().current)


def test_sign_refuses_a_signed_document(signed):
    with pytest.raises(di.ProofError, match="already has a proof"):
        di.sign(signed, key=get_keyset().current)


def test_the_document_loader_serves_vendored_contexts_only():
    loaded = di.document_loader("https://www.w3.org/ns/credentials/v2")
    assert loaded["document"]["@context"]["@protected"] is True

    with pytest.raises(di.DocumentError, match="not vendored"):
        di.document_loader("https://www.w3.org/ns/credentials/examples/v2")


def test_an_unvendored_context_is_refused_without_the_network(credential):
    credential["@context"].append("https://example.org/contexts/extra.json")

    with pytest.raises(di.DocumentError, match="not vendored"):
        di.sign(credential, key=get_keyset().current)


def test_every_vendored_context_is_indexed_and_parses():
    contexts = di.vendored_contexts()

    assert set(contexts) >= {
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1",
    }
    assert all("@context" in context for context in contexts.values())
