"""The public verify pages: /verify/, /verify/<code>/, the trust bundle and
the partner portal. The QR check runs in Chromium: tests/browser/test_verify_qr.py."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.api import PARTNER_GROUP
from certificates import api, bundle, codes
from tests.certificates import verifying

pytestmark = pytest.mark.django_db
issued = verifying.issued  # a fixture
frozen_clock = verifying.frozen_clock  # a fixture
PASSWORD = "a-long-Pass-phrase-42"


def page(response) -> str:
    return response.content.decode()


def text(response) -> str:
    """The page's words, tags removed: what a reader sees."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page(response)))


def heading(response) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", page(response), re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match[1])).strip()


def wrong_check_symbol(code: str) -> str:
    body, check = code[:-1], code[-1]
    return body + ("0" if check != "0" else "1")


# --- /verify/ ------------------------------------------------------------------


def test_the_form_offers_a_code_a_pdf_upload_and_the_trust_bundle(client):
    response = client.get("/verify/")
    assert response.status_code == 200
    html = page(response)
    assert 'name="code"' in html
    assert 'enctype="multipart/form-data"' in html and 'name="pdf"' in html
    assert 'href="/verify/trust-bundle.json"' in html
    assert "<script" not in html  # nothing needs JavaScript


def test_a_typed_code_goes_to_its_share_link_in_canonical_form(client, issued):
    typed = issued.code.lower().replace("-", " ")
    response = client.post("/verify/", {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/verify/{issued.code}/"


def test_a_mistyped_code_is_answered_check_the_code_with_400(client, issued):
    typo = wrong_check_symbol(issued.code)
    response = client.post("/verify/", {"code": typo})
    assert response.status_code == 400
    assert heading(response) == "Check the code"
    assert "typing mistake" in text(response)
    assert "Valid" not in heading(response)
    assert f'value="{typo}"' in page(response)  # to correct, not retype
    assert "records" not in text(response)  # never looked up


def test_neither_or_both_inputs_is_a_400_that_says_so(client, issued):
    assert client.post("/verify/", {}).status_code == 400
    upload = SimpleUploadedFile("c.pdf", b"%PDF-1.7", "application/pdf")
    response = client.post("/verify/", {"code": issued.code, "pdf": upload})
    assert response.status_code == 400
    assert "one of them" in text(response)


# --- /verify/<code>/ -----------------------------------------------------------


def test_a_valid_certificate_shows_its_registered_details_and_checks(client, issued):
    response = client.get(f"/verify/{issued.code}/")
    assert response.status_code == 200
    assert heading(response) == "Valid certificate"
    words = text(response)
    for shown in (issued.name, issued.course_title, "Pamoja", issued.code):
        assert shown in words
    assert "Compare them with the paper" in words
    assert "Passed: Register of certificates" in words
    assert "Passed: Signature of the digital credential" in words
    html = page(response)
    assert 'class="verdict verdict-valid"' in html and "<svg" in html
    assert f'data-date="{issued.issued_at.date().isoformat()}"' in html
    assert 'aria-live="polite"' in html and "js/verify-qr.js" in html
    assert response["Cache-Control"] == "no-cache"


def test_a_revoked_certificate_says_when_and_why(client, issued, trainer):
    api.revoke_certificate(certificate=issued, reason="Issued in error", by=trainer)
    response = client.get(f"/verify/{issued.code}/")
    assert response.status_code == 200
    assert heading(response) == "Revoked certificate"
    words = text(response)
    assert "Issued in error" in words
    assert "Revoked on" in words
    assert "Failed: Register of certificates" in words
    assert "verdict-revoked" in page(response)


def test_a_superseded_certificate_links_to_its_replacement(client, issued, trainer):
    new = api.reissue_certificate(certificate=issued, by=trainer, name="Asha R. Patel")
    response = client.get(f"/verify/{issued.code}/")
    assert response.status_code == 200
    assert heading(response) == "Replaced certificate"
    assert f'href="/verify/{new.code}/"' in page(response)
    assert client.get(f"/verify/{new.code}/").status_code == 200


def test_an_unknown_code_is_a_404_that_explains(client, db):
    code = codes.new_code()
    response = client.get(f"/verify/{code}/")
    assert response.status_code == 404
    assert heading(response) == "No certificate with this code"
    assert "no certificate with this code" in text(response)
    assert 'name="code"' in page(response)  # try again right there


def test_a_malformed_code_in_the_url_is_a_400_check_the_code(client, issued):
    for bad in (wrong_check_symbol(issued.code), "hello", "PMJ-" + "Z" * 40):
        response = client.get(f"/verify/{bad}/")
        assert response.status_code == 400, bad
        assert heading(response) == "Check the code"
        assert "Valid" not in text(response)


def test_a_sloppily_typed_share_link_redirects_to_the_canonical_one(client, issued):
    response = client.get(f"/verify/{issued.code.lower().replace('-', '')}/")
    assert response.status_code == 302
    assert response["Location"] == f"/verify/{issued.code}/"


def test_a_link_checker_asking_head_gets_a_200(client, issued):
    assert client.head(f"/verify/{issued.code}/").status_code == 200


def test_the_page_is_in_the_readers_language_without_a_prefix(client, issued):
    response = client.get(f"/verify/{issued.code}/", HTTP_ACCEPT_LANGUAGE="fr")
    assert '<html lang="fr"' in page(response)
    assert "Accept-Language" in response["Vary"]
    chosen = client.get(f"/verify/{issued.code}/?lang=ar")
    assert '<html lang="ar" dir="rtl"' in page(chosen)
    # The footer switches language on this very URL.
    assert f'href="/verify/{issued.code}/?lang=sw"' in page(chosen)


def test_the_learners_saved_language_wins(client, issued):
    issued.user.preferred_language = "fr"
    issued.user.save()
    client.login(username=issued.user.username, password=PASSWORD)
    response = client.get(f"/verify/{issued.code}/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="fr"' in page(response)


def test_the_page_is_rate_limited_per_address_with_retry_after(
    client, issued, settings, frozen_clock
):
    settings.PAMOJA_VERIFY_RATE_ANON = "2/m"
    url = f"/verify/{issued.code}/"
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    limited = client.get(url)
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert "Too many verifications" in text(limited)
    other = client.get(url, REMOTE_ADDR="192.0.2.9")
    assert other.status_code == 200


# --- PDF upload ----------------------------------------------------------------


def upload(data: bytes, name="certificate.pdf"):
    return {"pdf": SimpleUploadedFile(name, data, "application/pdf")}


def test_the_genuine_pdf_is_valid(client, certificate):
    data = certificate.pdf.read()
    response = client.post("/verify/", upload(data))
    assert response.status_code == 200
    assert heading(response) == "Valid certificate"
    assert "Passed: Signature of the PDF" in text(response)
    assert certificate.name in text(response)
    # No QR fragment to check for an upload.
    assert "verify-qr.js" not in page(response)


def test_an_altered_pdf_is_invalid_never_valid(client, certificate):
    data = bytearray(certificate.pdf.read())
    index = data.index(b"/Type /Catalog") if b"/Type /Catalog" in data else 200
    data[index + 2] ^= 0x01
    response = client.post("/verify/", upload(bytes(data)))
    assert response.status_code in (200, 400)
    assert "Valid certificate" not in heading(response)
    assert certificate.name not in text(response)  # nothing believed


def test_a_corrupt_pdf_is_a_400_that_says_so(client, db):
    response = client.post("/verify/", upload(b"%PDF-1.7\n" + b"\x00garbage" * 50))
    assert response.status_code == 400
    assert "Valid" not in heading(response)
    assert 'role="alert"' in page(response)


def test_a_file_that_is_no_pdf_is_a_400(client, db):
    response = client.post("/verify/", upload(b"hello, world", "notes.txt"))
    assert response.status_code == 400
    assert "not a PDF" in text(response)


def test_an_oversized_upload_is_a_413_before_it_is_read(client, db, settings):
    settings.PAMOJA_VERIFY_UPLOAD_MAX_BYTES = 1024
    response = client.post("/verify/", upload(b"%PDF-1.7\n" + b"x" * 40_000))
    assert response.status_code == 413
    assert "too large" in text(response)


# --- Trust bundle ----------------------------------------------------------------


def test_the_trust_bundle_is_served_signed_and_cacheable(client, issued):
    response = client.get("/verify/trust-bundle.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "max-age=300" in response["Cache-Control"]
    assert response["Access-Control-Allow-Origin"] == "*"
    loaded = bundle.load_bundle(response.content)
    assert api.status_list_url(issued.status_list) in loaded.status_lists


# --- Partner portal --------------------------------------------------------------


@pytest.fixture
def partner(django_user_model):
    user = django_user_model.objects.create_user(
        "registrar", password=PASSWORD, name="Registrar"
    )
    user.groups.add(Group.objects.get_or_create(name=PARTNER_GROUP)[0])
    return user


def test_the_portal_needs_a_partner_account(client, learner):
    response = client.get("/verify/bulk/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    client.login(username=learner.username, password=PASSWORD)
    assert client.get("/verify/bulk/").status_code == 403
    csv = SimpleUploadedFile("codes.csv", b"code\n", "text/csv")
    assert client.post("/verify/bulk/", {"file": csv}).status_code == 403


def test_the_portal_answers_a_csv_with_a_csv(client, partner, issued, trainer):
    other = codes.new_code()
    csv = SimpleUploadedFile(
        "codes.csv",
        f"\ufeffcode;note\n{issued.code};a\nnot-a-code;b\n{other};c\n".encode(),
        "text/csv",
    )
    client.login(username=partner.username, password=PASSWORD)
    assert "Verify and download" in page(client.get("/verify/bulk/"))
    response = client.post("/verify/bulk/", {"file": csv})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeff")
    lines = body.lstrip("\ufeff").splitlines()
    assert lines[0] == (
        "row,code,outcome,name,course,issued_on,revoked_at,reason,message"
    )
    assert lines[1].startswith(f"2,{issued.code},valid,Asha Patel,Tiny course,")
    assert lines[2].startswith("3,not-a-code,invalid,,,")
    assert lines[3].startswith(f"4,{other},unknown,")


def test_the_portal_neutralises_formulas_in_the_results(client, partner, db):
    csv = SimpleUploadedFile(
        "codes.csv", b'=HYPERLINK("http://x","y")\n+1\n-2\n@SUM(1)\n', "text/csv"
    )
    client.login(username=partner.username, password=PASSWORD)
    response = client.post("/verify/bulk/", {"file": csv})
    body = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    cells = [line.split(",")[1] for line in body.splitlines()[1:]]
    assert all(cell.startswith(("'", "\"'")) for cell in cells), cells


def test_the_portal_refuses_a_binary_file(client, partner):
    client.login(username=partner.username, password=PASSWORD)
    binary = SimpleUploadedFile("x.xlsx", b"PK\x03\x04\x00\x00binary", "text/csv")
    response = client.post("/verify/bulk/", {"file": binary})
    assert response.status_code == 415
    assert "CSV" in text(response)


def test_the_portal_is_limited_per_partner_account(
    client, partner, settings, frozen_clock
):
    settings.PAMOJA_VERIFY_RATE_PORTAL = "1/m"
    client.login(username=partner.username, password=PASSWORD)

    def send():
        csv = SimpleUploadedFile("codes.csv", b"PMJ-7K3Q-9M2X-PV4D-8\n", "text/csv")
        return client.post("/verify/bulk/", {"file": csv})

    assert send().status_code == 200
    limited = send()
    assert limited.status_code == 429
    assert limited["Retry-After"]
    assert "Too many" in text(limited)
