"""An issued certificate, checked end to end with tools we did not write:
the PDF as the learner downloads it (pdfsig), the credential pulled out of it
(pdfdetach, then Digital Bazaar's vc.js), the QR code read off a 72-dpi scan
(pdftoppm, zbarimg) and its JWS verified against the published DID document."""

import json
from urllib.parse import urlsplit

import pytest

from certificates import api, jws, keys
from certificates.models import StatusList
from tests.certificates import pdftools
from tests.certificates.vcjs import verify_with_vcjs

pytestmark = pytest.mark.django_db


@pytest.fixture
def downloaded(certificate, tmp_path):
    return pdftools.write(certificate.pdf.read(), tmp_path / "certificate.pdf")


def published(client, url):
    return json.loads(client.get(urlsplit(url).path).content)


def test_pdfsig_trusts_the_whole_downloaded_file(downloaded, tmp_path):
    nss = pdftools.nss_db(tmp_path / "nss", keys.get_keyset().ca_certificate)
    report = pdftools.pdfsig(downloaded, nss)
    assert "Signature Validation: Signature is Valid." in report
    assert "Certificate Validation: Certificate is Trusted." in report
    assert "Total document signed" in report


def test_the_credential_inside_the_pdf_verifies_with_vcjs_and_matches_the_record(
    client, certificate, downloaded, tmp_path
):
    names = pdftools.attachment_names(downloaded)
    assert names == ["credential.json"]
    embedded = json.loads(pdftools.attachment(downloaded, 1, tmp_path / "c.json"))
    assert embedded == certificate.credential

    did_document = json.loads(client.get("/.well-known/did.json").content)
    status_url = embedded["credentialStatus"]["statusListCredential"]
    status_list = published(client, status_url)
    result = verify_with_vcjs(
        embedded, did_document=did_document, status_list=status_list
    )
    assert result["verified"], result["errors"]
    assert result["revoked"] is False

    tampered = json.loads(json.dumps(embedded))
    tampered["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    assert not verify_with_vcjs(tampered, did_document=did_document)["verified"]


def test_vcjs_reports_a_revoked_certificate_through_the_published_status_list(
    client, certificate, trainer
):
    api.revoke_certificate(certificate=certificate, reason="Fraud", by=trainer)
    did_document = json.loads(client.get("/.well-known/did.json").content)
    status_list = StatusList.objects.get(number=certificate.status_list).credential
    assert (
        published(
            client, certificate.credential["credentialStatus"]["statusListCredential"]
        )
        == status_list
    )
    result = verify_with_vcjs(
        certificate.credential, did_document=did_document, status_list=status_list
    )
    assert result["revoked"] is True


def test_the_qr_code_scanned_at_72_dpi_carries_a_jws_of_the_printed_claims(
    client, certificate, downloaded, tmp_path
):
    scanned = pdftools.scan_qr(downloaded, tmp_path)
    assert scanned == [f"{certificate.verify_url}#{certificate.qr_token}"]
    url, _, token = scanned[0].partition("#")
    assert url == certificate.verify_url

    did_document = json.loads(client.get("/.well-known/did.json").content)
    public_keys = {
        method["id"].rpartition("#")[2]: keys.decode_multikey(
            method["publicKeyMultibase"]
        )
        for method in did_document["verificationMethod"]
    }
    claims = jws.verify_claims(token, public_keys_by_kid=public_keys)
    assert claims == {
        "c": certificate.code,
        "n": certificate.name,
        "t": certificate.course_title,
        "d": certificate.issued_at.date().isoformat(),
    }
