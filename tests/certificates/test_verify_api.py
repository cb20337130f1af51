"""POST /api/v1/verify and /api/v1/verify/bulk."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from certificates import api, codes, partners
from tests.certificates import verifying
from tests.certificates.verifying import bearer

pytestmark = pytest.mark.django_db
issued = verifying.issued  # a fixture
partner_key = verifying.partner_key  # a fixture
frozen_clock = verifying.frozen_clock  # a fixture
URL = "/api/v1/verify"
BULK = "/api/v1/verify/bulk"


def post_json(client, url, body, **extra):
    return client.post(url, json.dumps(body), content_type="application/json", **extra)


def answer(response) -> dict:
    return json.loads(response.content)


# --- One certificate ---------------------------------------------------------------


def test_a_code_is_answered_with_outcome_checks_and_details(client, issued):
    response = post_json(client, URL, {"code": issued.code.lower()})
    assert response.status_code == 200
    body = answer(response)
    assert body["outcome"] == "valid"
    assert body["certificate_id"] == str(issued.pk)
    assert body["details"]["name"] == "Asha Patel"
    assert body["details"]["issued_on"] == issued.issued_at.date().isoformat()
    checks = {c["name"]: c for c in body["checks"]}
    assert checks["credential_signature"]["passed"] is True
    assert checks["record"]["label"] == "Register of certificates"
    assert response["Cache-Control"] == "no-store"


def test_every_answer_is_a_200_and_only_valid_says_valid(client, issued, trainer):
    unknown = post_json(client, URL, {"code": codes.new_code()})
    assert (unknown.status_code, answer(unknown)["outcome"]) == (200, "unknown")
    check = "0" if issued.code[-1] != "0" else "1"
    typo = post_json(client, URL, {"code": issued.code[:-1] + check})
    assert answer(typo)["outcome"] == "invalid"
    assert answer(typo)["details"] is None
    api.revoke_certificate(certificate=issued, reason="Fraud", by=trainer)
    revoked = answer(post_json(client, URL, {"code": issued.code}))
    assert revoked["outcome"] == "revoked"
    assert revoked["details"]["revocation_reason"] == "Fraud"
    assert revoked["details"]["revoked_at"]


def test_the_credential_as_object_or_text(client, issued):
    for credential in (issued.credential, json.dumps(issued.credential)):
        body = answer(post_json(client, URL, {"credential": credential}))
        assert body["outcome"] == "valid"
    altered = {**issued.credential, "validFrom": "2020-01-01T00:00:00Z"}
    assert answer(post_json(client, URL, {"credential": altered}))["outcome"] == (
        "invalid"
    )


def test_the_qr_url_with_its_signed_fragment(client, issued):
    url = f"{issued.verify_url}#{issued.qr_token}"
    body = answer(post_json(client, URL, {"qr_url": url}))
    assert body["outcome"] == "valid"
    assert any(c["name"] == "qr_signature" and c["passed"] for c in body["checks"])


def test_a_qr_url_that_is_no_certificate_link_is_a_400(client, db):
    response = post_json(client, URL, {"qr_url": "https://example.org/"})
    assert response.status_code == 400
    assert answer(response)["detail"]


def test_the_pdf_as_multipart(client, certificate):
    pdf = SimpleUploadedFile("c.pdf", certificate.pdf.read(), "application/pdf")
    response = client.post(URL, {"pdf": pdf})
    assert response.status_code == 200
    assert answer(response)["outcome"] == "valid"


def test_a_non_pdf_upload_is_a_400_and_an_oversized_one_a_413(client, db, settings):
    text = SimpleUploadedFile("c.pdf", b"just text", "application/pdf")
    assert client.post(URL, {"pdf": text}).status_code == 400
    settings.PAMOJA_VERIFY_UPLOAD_MAX_BYTES = 1000
    big = SimpleUploadedFile("c.pdf", b"%PDF-" + b"x" * 50_000, "application/pdf")
    response = client.post(URL, {"pdf": big})
    assert response.status_code == 413
    assert "too large" in answer(response)["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"code": "PMJ-7K3Q-9M2X-PV4D-8", "qr_url": "https://x/verify/a/"},
        {"codes": ["PMJ-7K3Q-9M2X-PV4D-8"]},
        {"code": 42},
        {"code": "x" * 65},
        ["PMJ-7K3Q-9M2X-PV4D-8"],
        {"credential": 1},
    ],
)
def test_exactly_one_well_typed_input_or_a_400(client, db, body):
    response = post_json(client, URL, body)
    assert response.status_code == 400
    assert answer(response)["detail"]


def test_a_pdf_with_another_field_breaks_the_exactly_one_rule(client, db):
    pdf = SimpleUploadedFile("c.pdf", b"%PDF-1.7", "application/pdf")
    response = client.post(URL, {"pdf": pdf, "code": "PMJ-7K3Q-9M2X-PV4D-8"})
    assert response.status_code == 400
    assert "exactly one" in answer(response)["detail"]


def test_not_json_is_a_400_and_another_media_type_a_415(client, db):
    broken = client.post(URL, "{not json", content_type="application/json")
    assert broken.status_code == 400
    form = client.post(
        URL, "code=PMJ", content_type="application/x-www-form-urlencoded"
    )
    assert form.status_code == 415


def test_a_wrong_or_revoked_key_is_a_401_never_anonymous(client, issued, partner_key):
    key, token = partner_key
    body = {"code": issued.code}
    assert post_json(client, URL, body, **bearer(token)).status_code == 200
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for wrong in (altered, "pmj_nope_nope", "not-a-key"):
        response = post_json(client, URL, body, **bearer(wrong))
        assert response.status_code == 401, wrong
        assert response["WWW-Authenticate"] == "Bearer"
        assert "key" in answer(response)["detail"]
    basic = post_json(client, URL, body, HTTP_AUTHORIZATION="Basic Zm9vOmJhcg==")
    assert basic.status_code == 401
    partners.revoke_keys(type(key).objects.filter(pk=key.pk))
    revoked = post_json(client, URL, body, **bearer(token))
    assert revoked.status_code == 401
    assert "revoked" in answer(revoked)["detail"]


def test_anonymous_verification_is_limited_per_address(
    client, issued, settings, frozen_clock
):
    settings.PAMOJA_VERIFY_RATE_ANON = "3/m"
    body = {"code": issued.code}
    statuses = [post_json(client, URL, body).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = post_json(client, URL, body)
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert "Too many" in answer(limited)["detail"]
    elsewhere = post_json(client, URL, body, REMOTE_ADDR="198.51.100.7")
    assert elsewhere.status_code == 200


def test_a_partner_key_has_its_own_limit(
    client, issued, partner_key, settings, frozen_clock
):
    settings.PAMOJA_VERIFY_RATE_ANON = "1/m"
    key, token = partner_key
    key.rate_per_minute = 2
    key.save()
    body = {"code": issued.code}
    statuses = [
        post_json(client, URL, body, **bearer(token)).status_code for _ in "abc"
    ]
    assert statuses == [200, 200, 429]
    assert post_json(client, URL, body).status_code == 200  # anonymous: its own


def test_behind_a_proxy_the_forwarded_address_is_limited(
    client, issued, settings, frozen_clock
):
    settings.PAMOJA_VERIFY_RATE_ANON = "1/m"
    settings.PAMOJA_TRUSTED_PROXY_COUNT = 1
    body = {"code": issued.code}
    first = {"HTTP_X_FORWARDED_FOR": "203.0.113.1", "REMOTE_ADDR": "127.0.0.1"}
    second = {"HTTP_X_FORWARDED_FOR": "203.0.113.2", "REMOTE_ADDR": "127.0.0.1"}
    assert post_json(client, URL, body, **first).status_code == 200
    assert post_json(client, URL, body, **second).status_code == 200
    assert post_json(client, URL, body, **first).status_code == 429


# --- Bulk --------------------------------------------------------------------------


def csv_upload(content: bytes | str, name="codes.csv"):
    if isinstance(content, str):
        content = content.encode()
    return {"file": SimpleUploadedFile(name, content, "text/csv")}


def test_bulk_needs_a_partner_key(client, issued):
    response = post_json(client, BULK, {"codes": [issued.code]})
    assert response.status_code == 401
    assert "partner key" in answer(response)["detail"]


def test_bulk_json_answers_each_code_in_order(client, issued, partner_key):
    _key, token = partner_key
    unknown = codes.new_code()
    body = {"codes": [unknown, issued.code, "garbage", issued.code.lower()]}
    response = post_json(client, BULK, body, **bearer(token))
    assert response.status_code == 200
    result = answer(response)
    rows = result["results"]
    assert [r["row"] for r in rows] == [1, 2, 3, 4]
    assert [r["outcome"] for r in rows] == ["unknown", "valid", "invalid", "valid"]
    assert rows[2]["input"] == "garbage" and "Check the code" in rows[2]["message"]
    assert rows[1]["details"]["name"] == "Asha Patel"
    assert result["counts"] == {
        "valid": 2,
        "revoked": 0,
        "superseded": 0,
        "invalid": 1,
        "unknown": 1,
    }


@pytest.mark.parametrize(
    "content",
    [
        "code\n{code}\nbad\n",  # header
        "{code}\nbad\n",  # no header
        "\ufeffcode;name\n{code};Asha\nbad;X\n",  # BOM, semicolons, header
        "\ufeff{code};Asha\r\nbad;X\r\n",  # BOM, semicolons, CRLF, no header
        '"code","name"\n"{code}","Patel, Asha"\n"bad","x"\n\n',  # quoted, blank line
    ],
)
def test_bulk_csv_in_the_shapes_spreadsheets_save(client, issued, partner_key, content):
    _key, token = partner_key
    response = client.post(
        BULK, csv_upload(content.format(code=issued.code)), **bearer(token)
    )
    assert response.status_code == 200, response.content
    rows = answer(response)["results"]
    assert [(r["input"], r["outcome"]) for r in rows] == [
        (issued.code, "valid"),
        ("bad", "invalid"),
    ]
    has_header = content.lstrip("\ufeff").lower().startswith(("code", '"code"'))
    assert rows[0]["row"] == (2 if has_header else 1)


def test_more_than_ten_thousand_codes_is_a_413_naming_the_limit(client, partner_key):
    _key, token = partner_key
    body = {"codes": ["PMJ-7K3Q-9M2X-PV4D-8"] * 10_001}
    response = post_json(client, BULK, body, **bearer(token))
    assert response.status_code == 413
    assert "10,000" in answer(response)["detail"]


def test_a_100001_row_csv_is_refused_before_any_code_is_looked_up(client, partner_key):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _key, token = partner_key
    content = "code\n" + "PMJ-7K3Q-9M2X-PV4D-8\n" * 100_001
    with CaptureQueriesContext(connection) as queries:
        response = client.post(BULK, csv_upload(content), **bearer(token))
    assert response.status_code == 413
    assert "10,000" in answer(response)["detail"]
    looked_up = [q["sql"] for q in queries if "certificates_certificate" in q["sql"]]
    assert looked_up == []


def test_exactly_ten_thousand_codes_are_answered(client, issued, partner_key):
    _key, token = partner_key
    content = "\n".join([issued.code] * 10_000)
    response = client.post(BULK, csv_upload(content), **bearer(token))
    assert response.status_code == 200
    assert answer(response)["counts"]["valid"] == 10_000


def test_a_binary_upload_is_a_415_and_bad_text_a_415(client, partner_key):
    _key, token = partner_key
    zipped = client.post(BULK, csv_upload(b"PK\x03\x04\x00\x00\x08"), **bearer(token))
    assert zipped.status_code == 415
    latin1 = client.post(
        BULK, csv_upload("code\nPMJ-\xe9\n".encode("latin-1")), **bearer(token)
    )
    assert latin1.status_code == 415
    assert "UTF-8" in answer(latin1)["detail"]


def test_bulk_request_shapes_that_are_refused(client, partner_key):
    _key, token = partner_key
    for body in ({}, {"codes": []}, {"codes": "PMJ"}, {"codes": [1, 2]}):
        response = post_json(client, BULK, body, **bearer(token))
        assert response.status_code == 400, body
    empty = client.post(BULK, csv_upload("code\n\n"), **bearer(token))
    assert empty.status_code == 400
    assert "no codes" in answer(empty)["detail"]
    text = client.post(BULK, "codes", content_type="text/plain", **bearer(token))
    assert text.status_code == 415


def test_bulk_is_limited_per_key(client, partner_key, frozen_clock):
    key, token = partner_key
    key.rate_per_minute = 1
    key.save()
    body = {"codes": ["PMJ-7K3Q-9M2X-PV4D-8"]}
    assert post_json(client, BULK, body, **bearer(token)).status_code == 200
    limited = post_json(client, BULK, body, **bearer(token))
    assert limited.status_code == 429
    assert limited["Retry-After"]


# --- The schema ----------------------------------------------------------------------


def test_the_schema_documents_both_operations_and_their_answers(client):
    schema = answer(client.get("/api/v1/openapi.json"))
    single = schema["paths"]["/api/v1/verify"]["post"]
    bulk = schema["paths"]["/api/v1/verify/bulk"]["post"]
    assert set(single["requestBody"]["content"]) == {
        "application/json",
        "multipart/form-data",
    }
    for operation in (single, bulk):
        assert {"200", "400", "401", "413", "415", "429"} <= set(operation["responses"])
    assert {} in single["security"]  # the key is optional
    assert {} not in bulk["security"]


def test_answers_are_what_ninja_would_send_after_validating_them(
    issued, trainer, rf, django_capture_on_commit_callbacks
):
    """verify_one renders result_dict without validating it against ResultOut
    on each request: it must hold exactly ResultOut's fields, so that the
    bytes sent equal what validating first would have sent."""
    from certificates import api as certificates_api
    from certificates import verify
    from certificates.verify_api import ResultOut, result_dict
    from config.api import api

    with django_capture_on_commit_callbacks(execute=False):
        new = certificates_api.reissue_certificate(
            certificate=issued, by=trainer, name="Asha P."
        )
        certificates_api.revoke_certificate(certificate=new, reason="fraud", by=trainer)
    typo = issued.code[:-1] + ("1" if issued.code[-1] != "1" else "2")
    results = [
        verify.verify_code(code)
        for code in (issued.code, new.code, "PMJ-0000-0000-0000-0", typo)
    ]
    outcomes = {str(result.outcome) for result in results}
    assert outcomes == {"superseded", "revoked", "unknown", "invalid"}
    request = rf.post("/api/v1/verify")
    renderer = api.renderer
    for result in results:
        answer = result_dict(result)
        validated = ResultOut.model_validate(answer).model_dump(by_alias=True)
        assert answer == validated
        ours = renderer.render(request, answer, response_status=200)
        assert ours == renderer.render(request, validated, response_status=200)
