import json
import os
import stat
import subprocess
import sys
import time
from io import StringIO

import base58
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.management import call_command

from certificates import dataintegrity, keys
from certificates.credential import build_credential
from certificates.did import did_document, did_document_url
from tests.certificates.vcjs import ROOT, sample_claim


@pytest.fixture(autouse=True)
def key_dir(own_key_dir):
    """Tests here generate and rotate keys in a directory of their own."""
    return own_key_dir


def _child_env(key_dir):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PAMOJA_KEY_DIR": str(key_dir),
    }


def test_keys_are_generated_once_then_loaded(key_dir):
    first = keys.get_keyset()
    manifest = (key_dir / "manifest.json").read_bytes()
    keys.reset_keyset_cache()

    second = keys.get_keyset()

    assert second.current.kid == first.current.kid
    assert second.current.public_key_multibase == first.current.public_key_multibase
    assert second.ca_certificate == first.ca_certificate
    assert second.signing_certificate == first.signing_certificate
    assert (key_dir / "manifest.json").read_bytes() == manifest


def test_key_files_are_readable_by_the_owner_only(key_dir):
    keys.get_keyset()

    assert stat.S_IMODE(key_dir.stat().st_mode) == 0o700
    files = [path for path in key_dir.iterdir() if path.name != ".lock"]
    assert len(files) == 7  # 2 Ed25519 PEMs, 2 CA, 2 signing, manifest
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


CHILD = """
import os, sys, time
# Settings only (DJANGO_SETTINGS_MODULE): keys.py needs no app registry.
from cryptography.hazmat.primitives import hashes
from certificates.keys import get_keyset
open(sys.argv[1] + ".ready-" + sys.argv[2], "w").close()
while not os.path.exists(sys.argv[1] + ".go"):
    time.sleep(0.0005)
keyset = get_keyset()
print(keyset.current.kid, keyset.ca_certificate.fingerprint(hashes.SHA256()).hex())
"""


def test_processes_starting_together_generate_one_keyset(key_dir, tmp_path):
    flag = str(tmp_path / "start")
    go = tmp_path / "start.go"
    children = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", CHILD, flag, str(n)],
            cwd=ROOT,
            env=_child_env(key_dir),
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("start.ready-*"))) < 4:
        assert time.monotonic() < deadline, "children did not start"
        time.sleep(0.01)
    go.touch()
    outputs = {child.communicate(timeout=60)[0].strip() for child in children}

    assert len(outputs) == 1, outputs
    manifest = json.loads((key_dir / "manifest.json").read_text())
    assert len(manifest["keys"]) == 1
    assert len(list(key_dir.glob("ed25519-*.key.pem"))) == 1
    assert outputs.pop().split()[0] == keys.get_keyset().current.kid


def test_rotation_retires_the_old_key_and_old_proofs_still_verify():
    old = keys.get_keyset().current
    signed = dataintegrity.sign(build_credential(sample_claim()), key=old)

    new = keys.rotate_issuer_key()
    keyset = keys.get_keyset()

    assert new.kid != old.kid
    assert keyset.current == new
    retired = keyset.keys[old.kid]
    assert retired.private_key is None
    assert retired.retired_at is not None
    assert dataintegrity.verify(signed, public_keys=keyset.public_keys()).ok
    with pytest.raises(dataintegrity.ProofError, match="retired"):
        dataintegrity.sign(build_credential(sample_claim()), key=retired)


def test_did_document_lists_current_and_retired_keys_for_assertions():
    old = keys.get_keyset().current
    new = keys.rotate_issuer_key()

    document = did_document()

    ids = [method["id"] for method in document["verificationMethod"]]
    assert ids == [new.verification_method, old.verification_method]
    assert document["assertionMethod"] == ids
    assert document["id"] == keys.issuer_did()
    for method in document["verificationMethod"]:
        assert method["type"] == "Multikey"
        assert method["controller"] == document["id"]
    dataintegrity.check_terms(document)


def test_rotation_command_prints_the_new_kid_and_other_processes_see_it(key_dir):
    before = keys.get_keyset().current.kid  # cached in this process

    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "rotate_issuer_key"],
        cwd=ROOT,
        env=_child_env(key_dir),
        capture_output=True,
        text=True,
        check=True,
    )
    printed = done.stdout.strip()

    assert printed.startswith("k-") and printed != before
    assert keys.get_keyset().current.kid == printed  # no cache reset needed


def test_rotation_command_in_process():
    out = StringIO()
    call_command("rotate_issuer_key", stdout=out, stderr=StringIO())
    assert out.getvalue().strip() == keys.get_keyset().current.kid


@pytest.mark.parametrize(
    ("public_url", "did", "document_url"),
    [
        (
            "http://127.0.0.1:8000",
            "did:web:127.0.0.1%3A8000",
            "http://127.0.0.1:8000/.well-known/did.json",
        ),
        (
            "https://Learn.Example.org",
            "did:web:learn.example.org",
            "https://Learn.Example.org/.well-known/did.json",
        ),
        (
            "https://example.org:8443/schools/pamoja/",
            "did:web:example.org%3A8443:schools:pamoja",
            "https://example.org:8443/schools/pamoja/did.json",
        ),
    ],
)
def test_issuer_did_is_did_web_of_the_public_url(
    settings, public_url, did, document_url
):
    settings.PAMOJA_PUBLIC_URL = public_url
    assert keys.issuer_did() == did
    assert did_document_url() == document_url


def test_public_key_multibase_is_an_ed25519_multikey():
    key = keys.get_keyset().current

    decoded = base58.b58decode(key.public_key_multibase[1:])

    assert key.public_key_multibase.startswith("z6Mk")
    raw = key.public_key.public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    assert decoded == b"\xed\x01" + raw
    assert key.verification_method == f"{keys.issuer_did()}#{key.kid}"


def test_keyset_finds_keys_by_verification_method_of_our_did_only():
    keyset = keys.get_keyset()
    vm = keyset.current.verification_method

    assert keyset.by_verification_method(vm) == keyset.current
    assert (
        keyset.by_verification_method(f"did:web:evil.example#{keyset.current.kid}")
        is None
    )
    assert keyset.public_keys() == {vm: keyset.current.public_key}


def test_signing_certificate_is_issued_by_the_deployments_ca(settings):
    keyset = keys.get_keyset()
    ca, cert = keyset.ca_certificate, keyset.signing_certificate

    cert.verify_directly_issued_by(ca)
    ca.verify_directly_issued_by(ca)
    cn = NameOID.COMMON_NAME
    name = settings.PAMOJA_ISSUER_NAME
    assert (
        ca.subject.get_attributes_for_oid(cn)[0].value
        == f"{name} certificate authority"
    )
    assert (
        cert.subject.get_attributes_for_oid(cn)[0].value == f"{name} document signing"
    )
    assert ca.extensions.get_extension_for_class(keys.x509.BasicConstraints).value.ca
    usage = cert.extensions.get_extension_for_class(keys.x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert not usage.key_cert_sign
    assert isinstance(keyset.signing_key.curve, ec.SECP256R1)
    assert cert.public_key() == keyset.signing_key.public_key()
    assert ca.not_valid_after_utc > cert.not_valid_after_utc


def _common_name(cert) -> str:
    return cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
