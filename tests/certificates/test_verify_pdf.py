"""The one verifier on certificate PDFs, online: the PAdES signature must be
ours and cover the whole file, then the attached credential is checked
against the register."""

import random
import re

import pytest

from certificates import api, keys, pdfsign, rendering
from certificates.verify import InputError, InputTooLarge, Outcome, verify_pdf
from tests.certificates import forgeries

pytestmark = pytest.mark.django_db

CHANGED = "Invalid: the PDF was changed after it was signed."


@pytest.fixture(autouse=True)
def _own_keys(own_key_dir):
    """Tests here rotate keys."""


@pytest.fixture
def pdf(certificate):
    return certificate.pdf.read()


def names(checks):
    return [check.name for check in checks]


# Genuine PDFs -------------------------------------------------------------------


def test_the_issued_pdf_is_valid_and_recognised_byte_for_byte(certificate, pdf):
    result = verify_pdf(pdf)

    assert result.outcome == Outcome.VALID
    assert names(result.checks) == [
        "pdf_signature",
        "pdf_credential",
        "credential_signature",
        "record",
        "credential_record",
        "status_list",
    ]
    assert result.failed == ()
    assert "covers the whole file" in result.checks[0].detail
    assert "the very file the register issued" in result.checks[3].detail
    assert result.certificate_id == certificate.id
    assert result.details.code == certificate.code
    assert result.details.name == "Asha Patel"


def test_a_re_rendered_pdf_we_signed_is_valid_but_not_byte_identical(certificate):
    """Documented choice: the signature and the registered credential make a
    PDF genuine, not its hash; a re-rendering is reported, not refused."""
    again = rendering.render_certificate(
        api.printed_certificate(certificate),
        credential_json=api.credential_json(certificate),
    )
    assert again != certificate.pdf.read()

    result = verify_pdf(again)

    assert result.outcome == Outcome.VALID
    assert "not byte-identical" in result.checks[3].detail


def test_a_revoked_certificates_pdf_is_revoked(certificate, pdf, trainer):
    api.revoke_certificate(certificate=certificate, reason="Exam fraud", by=trainer)

    result = verify_pdf(pdf)

    assert result.outcome == Outcome.REVOKED
    assert names(result.failed) == ["record", "status_list"]
    assert result.details.revocation_reason == "Exam fraud"
    assert result.details.revoked_at is not None


def test_a_superseded_certificates_pdf_names_the_new_code(certificate, pdf, trainer):
    new = api.reissue_certificate(certificate=certificate, by=trainer, name="A. P.")

    result = verify_pdf(pdf)

    assert result.outcome == Outcome.SUPERSEDED
    assert result.details.superseded_by == new.code
    assert new.code in result.message


def test_a_pdf_whose_credential_a_retired_key_signed_is_valid(pdf):
    keys.rotate_issuer_key()

    result = verify_pdf(pdf)

    assert result.outcome == Outcome.VALID


# Tampered PDFs ------------------------------------------------------------------


def test_an_annotation_appended_after_signing_is_invalid(pdf):
    forged = forgeries.with_annotation_appended(pdf)
    assert forged.startswith(pdf)  # every signed byte as it was

    result = verify_pdf(forged)

    assert result.outcome == Outcome.INVALID
    assert names(result.failed) == ["pdf_signature"]
    assert "added to the file after it was signed" in result.failed[0].detail
    assert result.message == CHANGED
    assert result.details is None


def test_an_editors_incremental_update_is_invalid(pdf, tmp_path):
    forged = forgeries.with_title_changed_by_mutool(pdf, tmp_path)
    assert forged.startswith(pdf)

    result = verify_pdf(forged)

    assert result.outcome == Outcome.INVALID
    assert result.message == CHANGED


def test_one_changed_byte_is_invalid(pdf, tmp_path):
    result = verify_pdf(forgeries.with_one_byte_changed(pdf, tmp_path))

    assert result.outcome == Outcome.INVALID
    assert result.failed[0].detail == "the signed bytes were changed"
    assert result.message == CHANGED


def test_no_signed_byte_can_change_and_stay_valid(pdf):
    """Twenty random signed bytes, header to trailer (all but the signature
    value itself, which no signature can cover): each change is refused as
    invalid or as a damaged file, and never raises anything else."""
    start, gap, end, _length = map(
        int, re.search(rb"/ByteRange \[(\d+) (\d+) (\d+) (\d+)\]", pdf).groups()
    )
    signed = [*range(start, gap), *range(end, len(pdf))]
    answers = set()
    for offset in random.Random(3).sample(signed, 20):
        tampered = bytearray(pdf)
        tampered[offset] ^= 0x01
        try:
            answers.add(verify_pdf(bytes(tampered)).outcome)
        except InputError:
            answers.add("input error")
    assert answers <= {Outcome.INVALID, "input error"}
    assert Outcome.INVALID in answers


def test_the_pdf_without_its_signature_is_invalid(pdf):
    result = verify_pdf(forgeries.unsigned_prefix(pdf))

    assert result.outcome == Outcome.INVALID
    assert result.failed[0].detail == "the PDF is not signed"
    assert result.message == "Invalid: this PDF is not signed by Pamoja."


def test_a_pdf_signed_under_another_ca_is_not_pamojas(pdf, tmp_path):
    other = forgeries.foreign_keyset(tmp_path / "other-keys")
    forged = pdfsign.sign_pdf(forgeries.unsigned_prefix(pdf), keyset=other)

    result = verify_pdf(forged)

    assert result.outcome == Outcome.INVALID
    assert "CA did not issue" in result.failed[0].detail
    assert result.message == "Invalid: this PDF is not signed by Pamoja."


def test_a_pdf_we_signed_without_a_credential_is_invalid():
    signed = pdfsign.sign_pdf(forgeries.minimal_pdf(), keyset=keys.get_keyset())

    result = verify_pdf(signed)

    assert result.outcome == Outcome.INVALID
    assert names(result.checks) == ["pdf_signature", "pdf_credential"]
    assert result.checks[0].passed
    assert result.failed[0].detail == "no credential.json attached"


# Not PDFs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (forgeries.PNG, "This file is not a PDF."),
        (b"Certificate of completion: Asha Patel\n", "This file is not a PDF."),
        (b"", "This file is not a PDF."),
        (b"%PDF-1.7\n" + bytes(range(256)) * 8, "This PDF is damaged"),
        ("%PDF-1.7 as text", "Upload the certificate as a PDF file."),
    ],
)
def test_what_is_not_a_pdf_is_an_input_error(data, message):
    with pytest.raises(InputError, match=message) as raised:
        verify_pdf(data)
    assert raised.value.status_code == 400


@pytest.mark.parametrize("keep", [0.5, 0.99])
def test_a_truncated_pdf_is_a_damaged_file(pdf, keep):
    with pytest.raises(InputError, match="This PDF is damaged and cannot be read."):
        verify_pdf(pdf[: int(len(pdf) * keep)])


def test_an_oversized_upload_is_refused_as_too_large(pdf, settings):
    settings.PAMOJA_VERIFY_UPLOAD_MAX_BYTES = len(pdf) - 1

    with pytest.raises(InputTooLarge) as raised:
        verify_pdf(pdf)
    assert raised.value.status_code == 413

    settings.PAMOJA_VERIFY_UPLOAD_MAX_BYTES = len(pdf)
    assert verify_pdf(pdf).outcome == Outcome.VALID
