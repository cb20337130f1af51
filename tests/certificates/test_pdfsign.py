import pytest

from certificates import keys, pdfsign, rendering
from tests.certificates import pdftools
from tests.certificates.test_rendering import CREDENTIAL, printed

VALID = "Signature Validation: Signature is Valid."
TRUSTED = "Certificate Validation: Certificate is Trusted."
WHOLE = "Total document signed"


@pytest.fixture(scope="module")
def keyset():
    return keys.get_keyset()


@pytest.fixture(scope="module")
def trusting(keyset, tmp_path_factory):
    """An NSS database that trusts the deployment's root CA, and only it."""
    return pdftools.nss_db(tmp_path_factory.mktemp("nss"), keyset.ca_certificate)


@pytest.fixture(scope="module")
def unsigned():
    return rendering.render_pdf(printed(), credential_json=CREDENTIAL)


@pytest.fixture(scope="module")
def signed(unsigned, keyset, tmp_path_factory):
    path = tmp_path_factory.mktemp("signed") / "signed.pdf"
    return pdftools.write(pdfsign.sign_pdf(unsigned, keyset=keyset), path)


def test_pdfsig_finds_a_valid_trusted_signature_over_the_whole_file(signed, trusting):
    report = pdftools.pdfsig(signed, trusting)
    assert VALID in report
    assert TRUSTED in report
    assert WHOLE in report


def test_signature_is_pades_sha256_in_the_pamoja_field(signed, trusting):
    report = pdftools.pdfsig(signed, trusting)
    assert "Signature Field Name: PamojaSignature" in report
    assert "Signature Type: ETSI.CAdES.detached" in report
    assert "Signing Hash Algorithm: SHA-256" in report


def test_signed_ranges_run_to_the_end_of_the_file(signed, trusting):
    (start, first_end), (second_start, end) = pdftools.signed_ranges(
        pdftools.pdfsig(signed, trusting)
    )
    assert start == 0
    assert end == signed.stat().st_size
    # The gap between the ranges is only the signature container itself.
    assert signed.read_bytes()[first_end] == ord("<")
    assert signed.read_bytes()[second_start - 1] == ord(">")


def test_signature_is_an_appended_update_keeping_the_rendered_bytes(signed, unsigned):
    assert signed.read_bytes().startswith(unsigned)


def test_trust_comes_from_the_deployment_root_only(signed, tmp_path):
    stranger = pdftools.nss_db(tmp_path / "empty")
    report = pdftools.pdfsig(signed, stranger)
    assert VALID in report
    assert TRUSTED not in report


def test_document_is_certified_against_any_change(signed):
    # A certification (DocMDP) signature with P 1: no change allowed.
    assert "/DocMDP" in pdftools.show(signed, "trailer/Root/Perms")
    reference = pdftools.show(signed, "trailer/Root/Perms/DocMDP/Reference/1")
    assert "/TransformMethod /DocMDP" in reference
    assert "/P 1" in reference


def test_one_flipped_bit_in_the_page_content_breaks_the_signature(
    signed, trusting, tmp_path
):
    tampered, offset = pdftools.flip_byte_in_page_content(signed)
    first_range = pdftools.signed_ranges(pdftools.pdfsig(signed, trusting))[0]
    assert first_range[0] <= offset < first_range[1]

    report = pdftools.pdfsig(pdftools.write(tampered, tmp_path / "t.pdf"), trusting)
    assert VALID not in report
    assert "Signature Validation: Digest Mismatch." in report


def test_an_update_appended_after_signing_is_not_covered(signed, trusting, tmp_path):
    edited = tmp_path / "edited.pdf"
    pdftools.append_incremental_update(signed, edited)
    assert edited.read_bytes().startswith(signed.read_bytes())

    report = pdftools.pdfsig(edited, trusting)
    assert WHOLE not in report
    assert "Not total document signed" in report


def test_sign_pdf_uses_the_deployment_keyset_by_default(unsigned, trusting, tmp_path):
    path = pdftools.write(pdfsign.sign_pdf(unsigned), tmp_path / "default.pdf")
    report = pdftools.pdfsig(path, trusting)
    assert VALID in report
    assert TRUSTED in report


def test_signer_is_built_once_per_keyset(unsigned, keyset, monkeypatch):
    built = []
    real = pdfsign._build_signer

    def counting(keyset):
        built.append(keyset)
        return real(keyset)

    monkeypatch.setattr(pdfsign, "_build_signer", counting)
    monkeypatch.setattr(pdfsign, "_signer_cache", None)
    pdfsign.sign_pdf(unsigned, keyset=keyset)
    pdfsign.sign_pdf(unsigned, keyset=keyset)
    assert built == [keyset]

    rotated = keys.KeySet(**vars(keyset))  # equal contents, another object
    pdfsign.sign_pdf(unsigned, keyset=rotated)
    assert len(built) == 2 and built[1] is rotated


def test_render_certificate_renders_attaches_and_signs(keyset, trusting, tmp_path):
    path = pdftools.write(
        rendering.render_certificate(
            printed(language="ar"), credential_json=CREDENTIAL, keyset=keyset
        ),
        tmp_path / "certificate.pdf",
    )
    report = pdftools.pdfsig(path, trusting)
    assert VALID in report
    assert TRUSTED in report
    assert WHOLE in report
    assert pdftools.attachment(path, 1, tmp_path / "credential.json") == CREDENTIAL
    assert pdftools.info(path)["Pages"] == "1"
