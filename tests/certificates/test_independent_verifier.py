"""Our credentials checked by Digital Bazaar's VC libraries (js/verify.mjs):
an implementation of the same specs that we did not write."""

import copy
import datetime as dt
import json
import shutil

import pytest

from certificates import dataintegrity, keys, statuslist
from certificates.credential import issue_credential
from certificates.did import did_document
from tests.certificates.vcjs import CONTEXTS_DIR, sample_claim, verify_with_vcjs

STATUS_URL = sample_claim().status_list_url


@pytest.fixture(autouse=True)
def _own_keys(own_key_dir):
    """Tests here rotate keys."""


@pytest.fixture
def credential():
    return issue_credential(sample_claim(status_index=4242))


def signed_status_list(revoked):
    unsigned = statuslist.build_status_list_credential(
        url=STATUS_URL, revoked=revoked, valid_from=dt.datetime.now(dt.UTC)
    )
    return dataintegrity.sign(unsigned, key=keys.get_keyset().current)


def test_our_credential_verifies(credential):
    result = verify_with_vcjs(credential, did_document=did_document())

    assert result == {"verified": True, "errors": [], "revoked": None}


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("credentialSubject", "identifier", 0, "identityHash"), "Asha Mwangj"),
        (("validFrom",), "2026-11-25T09:30:00Z"),
        (("credentialSubject", "achievement", "name"), "AI for experts"),
    ],
)
def test_a_changed_field_is_rejected(credential, path, value):
    tampered = copy.deepcopy(credential)
    target = tampered
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value

    result = verify_with_vcjs(tampered, did_document=did_document())

    assert result["verified"] is False
    assert result["errors"]


def test_a_key_missing_from_the_did_document_is_rejected(credential):
    document = did_document()
    keys.rotate_issuer_key()
    document["verificationMethod"] = did_document()["verificationMethod"][:1]
    document["assertionMethod"] = did_document()["assertionMethod"][:1]

    result = verify_with_vcjs(credential, did_document=document)

    assert result["verified"] is False


def test_a_revoked_index_is_reported_revoked(credential):
    result = verify_with_vcjs(
        credential,
        did_document=did_document(),
        status_list=signed_status_list([7, 4242, 100_000]),
    )

    assert result == {"verified": True, "errors": [], "revoked": True}


def test_an_index_not_in_the_list_is_reported_valid(credential):
    result = verify_with_vcjs(
        credential,
        did_document=did_document(),
        status_list=signed_status_list([4241, 4243]),
    )

    assert result == {"verified": True, "errors": [], "revoked": False}


def test_a_forged_status_list_is_rejected(credential):
    forged = signed_status_list([4242])
    forged["credentialSubject"]["encodedList"] = statuslist.encode_bitstring([])

    result = verify_with_vcjs(
        credential, did_document=did_document(), status_list=forged
    )

    assert result["verified"] is False
    assert result["revoked"] is None


def test_a_credential_signed_by_a_retired_key_still_verifies_after_rotation(
    credential,
):
    old_kid = keys.get_keyset().current.kid
    keys.rotate_issuer_key()
    document = did_document()
    assert old_kid != keys.get_keyset().current.kid
    assert credential["proof"]["verificationMethod"].endswith(old_kid)

    result = verify_with_vcjs(
        credential, did_document=document, status_list=signed_status_list([1])
    )

    assert result == {"verified": True, "errors": [], "revoked": False}


def test_vendored_contexts_match_the_published_npm_copies(credential, tmp_path):
    """The verifier compares our contexts with its own packages' copies: prove
    that the comparison bites by changing the IRI of a term we use."""
    contexts = tmp_path / "contexts"
    shutil.copytree(CONTEXTS_DIR, contexts)
    ob = contexts / "ob-v3p0-context-3.0.3.json"
    iri = '"https://purl.imsglobal.org/spec/vc/ob/vocab.html#achievement'
    text = ob.read_text()
    assert text.count(iri + '"') == 1
    ob.write_text(text.replace(iri + '"', iri + '-0"'))
    json.loads(ob.read_text())

    result = verify_with_vcjs(
        credential, did_document=did_document(), contexts_dir=contexts
    )

    assert result["verified"] is False
    assert any(
        "differs" in error and "AchievementSubject" in error
        for error in result["errors"]
    )
