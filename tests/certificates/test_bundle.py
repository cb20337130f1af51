"""The trust bundle and offline verification: with the bundle alone, no
network and no database, PDFs and credentials are checked and revocation is
as of the bundle's date (``manage.py verify_certificates``)."""

import json
import os
import socket
import subprocess
import sys
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.management import CommandError, call_command

from certificates import api, bundle, dataintegrity, keys, statuslist
from certificates.did import did_document
from certificates.models import StatusList
from certificates.verify import (
    Outcome,
    Trust,
    verify_code,
    verify_credential,
    verify_pdf,
    verify_qr_url,
)
from tests.certificates import forgeries
from tests.certificates.conftest import complete

pytestmark = pytest.mark.django_db

PROJECT = Path(settings.BASE_DIR)
GUARD = """\
import socket


def _refuse(*args, **kwargs):
    raise OSError("network access attempted while verifying offline")


socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
"""


@pytest.fixture(autouse=True)
def _own_keys(own_key_dir):
    """Tests here rotate keys."""


@pytest.fixture
def offline(monkeypatch, django_db_blocker):
    """``with offline():`` no network and no database: any attempt raises."""

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted while verifying offline")

    @contextmanager
    def going_offline():
        with monkeypatch.context() as patch:
            for target, name in [
                (socket.socket, "connect"),
                (socket.socket, "connect_ex"),
                (socket, "create_connection"),
                (socket, "getaddrinfo"),
            ]:
                patch.setattr(target, name, refuse)
            with django_db_blocker.block():
                yield

    return going_offline


@pytest.fixture
def other_certificate(
    django_user_model, tiny_course, django_capture_on_commit_callbacks
):
    """A second learner's certificate of the same course, rendered."""
    from certificates.models import Certificate

    user = django_user_model.objects.create_user("baraka", name="Baraka Otieno")
    complete(user, tiny_course, django_capture_on_commit_callbacks)
    return Certificate.objects.get(user=user)


def names(checks):
    return [check.name for check in checks]


def write(path: Path, data) -> Path:
    path.write_bytes(data if isinstance(data, bytes) else json.dumps(data).encode())
    return path


# Building and reading -------------------------------------------------------------


def test_the_bundle_carries_keys_ca_contexts_and_signed_status_lists(certificate):
    made = bundle.build_bundle()
    keyset = keys.get_keyset()

    assert made["type"] == "PamojaTrustBundle" and made["version"] == 1
    assert made["issuer"] == {
        "did": keys.issuer_did(),
        "name": "Pamoja",
        "url": settings.PAMOJA_PUBLIC_URL,
    }
    assert made["didDocument"] == did_document()
    ca_pem = keyset.ca_certificate.public_bytes(serialization.Encoding.PEM)
    assert made["caCertificate"] == ca_pem.decode()
    assert made["contexts"] == dataintegrity.vendored_contexts()
    assert made["statusLists"] == {
        api.status_list_url(1): StatusList.objects.get(number=1).credential
    }
    loaded = bundle.load_bundle(bundle.bundle_json())
    assert loaded.signing_key_fingerprint == keyset.current.public_key_multibase
    assert loaded.signed_by == keyset.current.verification_method
    assert loaded.public_keys.keys() == keyset.public_keys().keys()


@pytest.mark.parametrize(
    "change",
    [
        {"statusLists": {}},
        {"caCertificate": "-----BEGIN CERTIFICATE-----\nforged\n"},
        {"issuer": {"did": "did:web:forger.example", "name": "Pamoja", "url": ""}},
        {"generatedAt": "2099-01-01T00:00:00Z"},
        {"contexts": {}},
    ],
    ids=["status-lists", "ca", "issuer", "date", "contexts"],
)
def test_a_changed_bundle_is_refused(certificate, change):
    with pytest.raises(bundle.BundleError):
        Trust.from_bundle(bundle.build_bundle() | change)


def test_a_broken_signature_is_refused(certificate):
    made = bundle.build_bundle()
    header, payload, signature = made["signature"].split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]

    with pytest.raises(bundle.BundleError, match="does not verify"):
        Trust.from_bundle({**made, "signature": f"{header}.{payload}.{flipped}"})
    with pytest.raises(bundle.BundleError, match="not signed"):
        Trust.from_bundle({k: v for k, v in made.items() if k != "signature"})
    with pytest.raises(bundle.BundleError, match="not JSON"):
        Trust.from_bundle(b"{truncated")


def test_a_stranger_can_sign_a_consistent_bundle_so_the_key_is_pinned(certificate):
    """The bundle's own DID document cannot vouch for itself: a forger's
    bundle is self-consistent, and only the pinned fingerprint refuses it."""
    stranger = forgeries.foreign_key()
    real = bundle.build_bundle()
    fake_did = forgeries.did_document_of(stranger, keys.issuer_did())
    forged = forgeries.bundle_resigned(real, stranger, didDocument=fake_did)
    ours = keys.get_keyset().current.public_key_multibase

    assert Trust.from_bundle(forged).signing_key_fingerprint == (
        stranger.public_key_multibase
    )
    with pytest.raises(bundle.BundleError, match="not by the expected"):
        Trust.from_bundle(forged, expect_keys=(ours,))
    assert Trust.from_bundle(real, expect_keys=(ours,)).did == keys.issuer_did()
    # And with the forger's keys, our certificates do not verify.
    result = verify_credential(certificate.credential, trust=Trust.from_bundle(forged))
    assert result.outcome == Outcome.INVALID


# Offline verification ----------------------------------------------------------


def test_offline_means_no_network_and_no_database(offline, certificate):
    from certificates.models import Certificate

    with offline():
        with pytest.raises(RuntimeError, match="Database access not allowed"):
            Certificate.objects.count()
        with pytest.raises(AssertionError, match="network"):
            socket.create_connection(("127.0.0.1", 9))


def test_offline_the_pdf_and_the_credential_verify_as_of_the_bundle(
    certificate, offline
):
    made, pdf = bundle.bundle_json(), certificate.pdf.read()
    generated = json.loads(made)["generatedAt"]
    with offline():
        trust = Trust.from_bundle(made)
        from_pdf = verify_pdf(pdf, trust=trust)
        from_json = verify_credential(api.credential_json(certificate), trust=trust)

    for result in (from_pdf, from_json):
        assert result.outcome == Outcome.VALID
        assert result.as_of.isoformat().replace("+00:00", "Z") == generated
        assert "Revocation status as of" in result.message
        assert result.certificate_id == certificate.id
        assert result.details.name == "Asha Patel"
        assert result.details.course_title == certificate.course_title
        assert result.details.code == ""  # a credential does not carry it
    assert names(from_pdf.checks) == [
        "pdf_signature",
        "pdf_credential",
        "credential_signature",
        "status_list",
    ]


def test_offline_revocation_is_as_of_the_bundle(
    certificate, other_certificate, trainer, offline
):
    api.revoke_certificate(certificate=other_certificate, reason="Fraud", by=trainer)
    made = bundle.bundle_json()
    api.revoke_certificate(certificate=certificate, reason="Later", by=trainer)
    revoked_before, revoked_after = other_certificate.pdf.read(), certificate.pdf.read()

    with offline():
        trust = Trust.from_bundle(made)
        before = verify_pdf(revoked_before, trust=trust)
        after = verify_pdf(revoked_after, trust=trust)

    assert before.outcome == Outcome.REVOKED
    assert names(before.failed) == ["status_list"]
    assert "revocation list of" in before.message
    assert after.outcome == Outcome.VALID  # as of the bundle, and it says so
    assert "Revocation status as of" in after.message
    assert verify_pdf(revoked_after).outcome == Outcome.REVOKED  # online knows


def test_offline_a_credential_signed_by_a_retired_key_is_valid(certificate, offline):
    keys.rotate_issuer_key()
    made = bundle.bundle_json()
    pdf = certificate.pdf.read()

    with offline():
        trust = Trust.from_bundle(made)
        result = verify_pdf(pdf, trust=trust)

    assert result.outcome == Outcome.VALID
    assert len(trust.public_keys) == 2


def test_offline_tampering_is_still_invalid(certificate, offline):
    made = bundle.bundle_json()
    pdf = certificate.pdf.read()
    appended = forgeries.with_annotation_appended(pdf)
    stranger = forgeries.resigned(certificate.credential, forgeries.foreign_key())
    extra = forgeries.with_extra_field(certificate.credential)

    with offline():
        trust = Trust.from_bundle(made)
        results = [
            verify_pdf(appended, trust=trust),
            verify_credential(stranger, trust=trust),
            verify_credential(extra, trust=trust),
        ]

    assert [r.outcome for r in results] == [Outcome.INVALID] * 3
    assert [names(r.failed) for r in results] == [
        ["pdf_signature"],
        ["credential_signature"],
        ["credential_signature"],
    ]


def test_offline_a_status_list_missing_from_the_bundle_is_unknown(certificate, offline):
    made = bundle.build_bundle()
    stale = forgeries.bundle_resigned(made, keys.get_keyset().current, statusLists={})

    with offline():
        result = verify_credential(
            certificate.credential, trust=Trust.from_bundle(stale)
        )

    assert result.outcome == Outcome.UNKNOWN
    assert names(result.failed) == ["status_list"]
    assert "newer trust bundle" in result.message


def test_offline_a_status_list_whose_own_proof_fails_is_invalid(certificate, offline):
    made = bundle.build_bundle()
    url = api.status_list_url(certificate.status_list)
    lists = json.loads(json.dumps(made["statusLists"]))
    # The bit cleared again by hand: the issuer signed a list with it set.
    lists[url]["credentialSubject"]["encodedList"] = statuslist.encode_bitstring([1])
    resigned = forgeries.bundle_resigned(
        made, keys.get_keyset().current, statusLists=lists
    )

    with offline():
        result = verify_credential(
            certificate.credential, trust=Trust.from_bundle(resigned)
        )

    assert result.outcome == Outcome.INVALID
    assert "own proof" in result.failed[0].detail


def test_offline_a_qr_link_is_genuine_but_its_status_unknown(certificate, offline):
    made = bundle.bundle_json()
    with offline():
        trust = Trust.from_bundle(made)
        genuine = verify_qr_url(forgeries.qr_url(certificate), trust=trust)
        forged_token = forgeries.qr_token_signed_by(
            api.printed_claims(certificate), forgeries.foreign_key()
        )
        forged = verify_qr_url(forgeries.qr_url(certificate, forged_token), trust=trust)
        code = verify_code(certificate.code, trust=trust)

    assert genuine.outcome == Outcome.UNKNOWN
    assert names(genuine.failed) == ["record"]
    assert genuine.details.code == certificate.code
    assert genuine.details.name == "Asha Patel"
    assert genuine.details.issued_on == certificate.issued_at.date()
    assert forged.outcome == Outcome.INVALID
    assert code.outcome == Outcome.UNKNOWN
    assert "only be checked online" in code.message


# The commands -----------------------------------------------------------------


def verify_offline(*args) -> tuple[str, int]:
    out = StringIO()
    try:
        call_command("verify_certificates", *map(str, args), stdout=out)
    except CommandError as error:
        return out.getvalue(), error.returncode
    return out.getvalue(), 0


@pytest.fixture
def files(certificate, other_certificate, trainer, tmp_path):
    """A bundle made after one certificate was revoked and before the other
    was; the PDFs and the credential as files."""
    api.revoke_certificate(certificate=other_certificate, reason="Fraud", by=trainer)
    made = write(tmp_path / "bundle.json", bundle.bundle_json())
    api.revoke_certificate(certificate=certificate, reason="Later", by=trainer)
    return {
        "bundle": made,
        "later": write(tmp_path / "revoked-later.pdf", certificate.pdf.read()),
        "before": write(tmp_path / "revoked-before.pdf", other_certificate.pdf.read()),
        "json": write(tmp_path / "credential.json", certificate.credential),
        "png": write(tmp_path / "photo.png", forgeries.PNG),
        "generated": json.loads(made.read_bytes())["generatedAt"],
    }


def test_the_command_says_what_each_file_is_as_of_the_bundle(files, offline):
    with offline():
        output, status = verify_offline(
            "--bundle", files["bundle"], files["later"], files["json"], files["before"]
        )

    lines = output.splitlines()
    as_of = files["generated"].replace("T", " ")[:16] + " UTC"
    assert f"revocation status as of {as_of}" in lines[0]
    assert lines[1].startswith(f"{files['later']}: VALID — Asha Patel, “")
    assert lines[2].startswith(f"{files['json']}: VALID — Asha Patel")
    assert lines[3].startswith(f"{files['before']}: REVOKED — ")
    assert "status_list: revoked in" in lines[3]
    assert all(
        line.endswith(f"(revocation status as of {as_of})") for line in lines[1:]
    )
    assert status == 1


def test_the_command_exits_zero_when_every_file_is_valid(files, offline):
    with offline():
        output, status = verify_offline("--bundle", files["bundle"], files["later"])

    assert status == 0
    assert ": VALID — " in output


def test_the_command_counts_a_file_that_is_no_certificate_as_not_valid(files, offline):
    with offline():
        output, status = verify_offline("--bundle", files["bundle"], files["png"])

    assert status == 1
    assert "photo.png: INVALID — not a certificate: This file is not a PDF." in output


def test_the_command_refuses_a_missing_file_or_a_broken_bundle(
    files, offline, tmp_path
):
    broken = json.loads(files["bundle"].read_bytes())
    broken["statusLists"] = {}
    broken_path = write(tmp_path / "broken.json", broken)

    with offline():
        missing = verify_offline("--bundle", files["bundle"], tmp_path / "nope.pdf")
        bad = verify_offline("--bundle", broken_path, files["later"])
        absent = verify_offline("--bundle", tmp_path / "nope.json", files["later"])

    assert [missing[1], bad[1], absent[1]] == [2, 2, 2]
    assert missing[0] == bad[0] == absent[0] == ""


def test_the_command_pins_the_signing_key(files, offline):
    ours = keys.get_keyset().current.public_key_multibase
    stranger = forgeries.foreign_key().public_key_multibase
    with offline():
        pinned = verify_offline(
            "--bundle", files["bundle"], "--expect-key", ours, files["later"]
        )
        wrong = verify_offline(
            "--bundle", files["bundle"], "--expect-key", stranger, files["later"]
        )

    assert pinned[1] == 0
    assert ours in pinned[0]
    assert wrong[1] == 2


def test_export_trust_bundle_writes_a_bundle_and_prints_its_fingerprint(
    certificate, tmp_path
):
    out, err = StringIO(), StringIO()
    call_command(
        "export_trust_bundle", "-o", tmp_path / "b.json", stdout=out, stderr=err
    )

    written = bundle.load_bundle((tmp_path / "b.json").read_bytes())
    fingerprint = keys.get_keyset().current.public_key_multibase
    assert written.signing_key_fingerprint == fingerprint
    assert f"--expect-key {fingerprint}" in err.getvalue()
    assert api.status_list_url(1) in written.status_lists


def run_offline(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """``args`` in a fresh Python with every network connection refused
    (a sitecustomize) and DATABASE_URL naming a file that cannot exist."""
    guard = tmp_path / "guard"
    guard.mkdir(exist_ok=True)
    (guard / "sitecustomize.py").write_text(GUARD)
    env = {
        **os.environ,
        "PYTHONPATH": str(guard),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path}/no-such-directory/db.sqlite3",
    }
    return subprocess.run(  # noqa: S603 - our interpreter, our arguments
        [sys.executable, *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_needs_no_network_and_no_database(files, tmp_path):
    probe = run_offline(
        tmp_path,
        "-c",
        "import django, socket\n"
        "django.setup()\n"
        "from certificates.models import Certificate\n"
        "try:\n"
        "    socket.create_connection(('127.0.0.1', 9))\n"
        "except OSError as error:\n"
        "    print('network:', error)\n"
        "try:\n"
        "    Certificate.objects.count()\n"
        "except Exception as error:\n"
        "    print('database:', type(error).__name__)\n",
    )
    assert "network: network access attempted" in probe.stdout, probe.stderr
    assert "database: OperationalError" in probe.stdout

    valid = run_offline(
        tmp_path,
        "manage.py",
        "verify_certificates",
        "--bundle",
        str(files["bundle"]),
        str(files["later"]),
        str(files["json"]),
    )
    mixed = run_offline(
        tmp_path,
        "manage.py",
        "verify_certificates",
        "--bundle",
        str(files["bundle"]),
        str(files["later"]),
        str(files["before"]),
    )

    assert valid.returncode == 0, valid.stderr
    assert valid.stdout.count(": VALID — ") == 2
    assert "revocation status as of" in valid.stdout
    assert mixed.returncode == 1, mixed.stderr
    assert ": REVOKED — " in mixed.stdout
    assert "network access attempted" not in mixed.stderr
