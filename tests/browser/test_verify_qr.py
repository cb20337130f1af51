"""The QR check on /verify/<code>/ (site/static/js/verify-qr.js) in real
Chromium: the URL fragment never reaches the server, so only the browser can
compare the signed printed claims with the registered details."""

import base64
import json

import pytest

from certificates import api
from progress.models import Enrolment

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def two(learner, trainer, tiny_course, django_user_model, monkeypatch):
    """Two learners' certificates, Asha's and Bo's, issued but not rendered:
    rendering is not needed here, and pyHanko's event loop cannot run in this
    thread once Playwright's does."""
    monkeypatch.setattr(api, "_enqueue_render", lambda certificate_id: None)
    other = django_user_model.objects.create_user("bo", name="Bo Li")
    issued = []
    for user in (learner, other):
        enrolment = Enrolment.objects.create(
            user=user, course_key=tiny_course.translation_key
        )
        issued.append(api.issue_certificate(enrolment=enrolment, issued_by=trainer))
    return issued


def verdict(page) -> str:
    page.wait_for_function(
        "document.getElementById('qr-check').textContent"
        " && !/Checking/.test(document.getElementById('qr-check').textContent)"
    )
    return page.locator("#qr-check").inner_text()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_genuine_qr_url_matches(two, live_server, page_with_js):
    mine, _other = two
    page_with_js.goto(f"{live_server.url}/verify/{mine.code}/#{mine.qr_token}")
    assert "match the registered details" in verdict(page_with_js)
    assert page_with_js.locator("dd.mismatch").count() == 0


def test_another_certificates_qr_fragment_does_not_match(
    two, live_server, page_with_js
):
    mine, other = two
    page_with_js.goto(f"{live_server.url}/verify/{mine.code}/#{other.qr_token}")
    said = verdict(page_with_js)
    assert "does not match" in said
    assert "Code" in said and "Name" in said
    assert page_with_js.locator("dd.mismatch").count() >= 2


def test_altered_claims_are_not_signed(two, live_server, page_with_js):
    mine, _other = two
    header, payload, signature = mine.qr_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["n"] = "Someone Else"
    forged = b64(json.dumps(claims).encode())
    page_with_js.goto(
        f"{live_server.url}/verify/{mine.code}/#{header}.{forged}.{signature}"
    )
    assert "not signed by Pamoja" in verdict(page_with_js)


def test_without_javascript_the_server_answer_stands(two, live_server, page_without_js):
    mine, _other = two
    page_without_js.goto(f"{live_server.url}/verify/{mine.code}/#{mine.qr_token}")
    assert page_without_js.locator("h1").inner_text().strip() == "Valid certificate"
    assert mine.name in page_without_js.locator("#registered").inner_text()
    assert page_without_js.locator("#qr-check").inner_text() == ""
