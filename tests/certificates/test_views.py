"""Certificate pages and public documents, through the test client."""

import json

import pytest
from django.urls import reverse

from certificates import api, did, keys
from certificates.models import Certificate
from progress import api as progress_api

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-Pass-phrase-42"


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_the_did_document_lists_the_issuers_keys(client):
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    document = json.loads(response.content)
    assert document["id"] == keys.issuer_did()
    assert document == did.did_document()
    current = keys.get_keyset().current
    listed = {m["id"]: m["publicKeyMultibase"] for m in document["verificationMethod"]}
    assert listed[current.verification_method] == current.public_key_multibase


def test_the_status_list_is_served_signed(client, certificate):
    response = client.get(f"/credentials/status/{certificate.status_list}")
    assert response.status_code == 200
    assert json.loads(response.content) == api.status_list_credential(
        certificate.status_list
    )
    assert client.get("/credentials/status/99").status_code == 404


def test_the_credential_is_served_by_its_id(client, certificate):
    response = client.get(f"/credentials/{certificate.pk}")
    assert response.status_code == 200
    assert json.loads(response.content) == certificate.credential
    download = client.get(f"/credentials/{certificate.pk}?download=1")
    assert certificate.code in download["Content-Disposition"]


def test_the_learner_downloads_their_pdf_and_nobody_else_can(
    client, certificate, django_user_model
):
    url = reverse("certificates:pdf", args=[certificate.pk])
    assert client.get(url).status_code == 302  # to log in
    login(client, certificate.user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")

    other = django_user_model.objects.create_user("bo", password=PASSWORD)
    client.logout()
    login(client, other)
    assert client.get(url).status_code == 404


def test_the_dashboard_offers_the_pdf_the_credential_and_the_share_link(
    client, certificate
):
    login(client, certificate.user)
    page = client.get("/en/dashboard/").content.decode()
    assert reverse("certificates:pdf", args=[certificate.pk]) in page
    assert certificate.verify_url in page
    assert certificate.code in page
    assert f"/credentials/{certificate.pk}?download=1" in page


def test_a_completed_course_without_certificate_can_be_claimed(
    client, completed, certificate
):
    certificate.delete()
    login(client, completed.user)
    page = client.get("/en/dashboard/").content.decode()
    claim = reverse("certificates:claim", args=[completed.pk])
    assert claim in page
    response = client.post(claim, follow=True)
    assert response.status_code == 200
    assert Certificate.objects.filter(user=completed.user).count() == 1


def test_a_claim_for_an_unprintable_name_says_why(client, completed, certificate):
    certificate.delete()
    completed.user.name = "\U00013000"
    completed.user.save()
    login(client, completed.user)
    response = client.post(
        reverse("certificates:claim", args=[completed.pk]), follow=True
    )
    assert "U+13000" in response.content.decode()
    assert not Certificate.objects.exists()


def test_the_cohort_trainer_revokes_with_a_reason(client, cohort, certificate, trainer):
    progress_api.join_cohort(user=certificate.user, code=cohort.join_code)
    login(client, trainer)
    page = client.get(reverse("certificates:cohort", args=[cohort.pk]))
    assert page.status_code == 200
    assert certificate.code in page.content.decode()
    response = client.post(
        reverse("certificates:revoke", args=[certificate.pk]),
        {"reason": "Issued in error", "cohort": str(cohort.pk)},
    )
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED


def test_a_trainer_of_another_cohort_cannot_touch_the_certificate(
    client, cohort, certificate, django_user_model
):
    progress_api.join_cohort(user=certificate.user, code=cohort.join_code)
    from django.contrib.auth.models import Group

    stranger = django_user_model.objects.create_user("ty", password=PASSWORD)
    stranger.groups.add(Group.objects.get_or_create(name="Trainer")[0])
    login(client, stranger)
    assert (
        client.get(reverse("certificates:cohort", args=[cohort.pk])).status_code == 404
    )
    for action in ("revoke", "reissue"):
        response = client.post(
            reverse(f"certificates:{action}", args=[certificate.pk]),
            {"reason": "x", "name": "Someone Else", "cohort": str(cohort.pk)},
        )
        assert response.status_code == 404
    assert (
        client.get(reverse("certificates:pdf", args=[certificate.pk])).status_code
        == 404
    )
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID


def test_the_learner_cannot_revoke_their_own_certificate(client, certificate):
    login(client, certificate.user)
    response = client.post(
        reverse("certificates:revoke", args=[certificate.pk]), {"reason": "x"}
    )
    assert response.status_code == 404


def test_the_trainer_issues_manually_for_a_member(client, cohort, trainer, learner):
    progress_api.join_cohort(user=learner, code=cohort.join_code)
    login(client, trainer)
    response = client.post(
        reverse("certificates:issue", args=[cohort.pk]),
        {"user": learner.pk, "course": cohort.course_keys[0]},
        follow=True,
    )
    assert response.status_code == 200
    certificate = Certificate.objects.get(user=learner)
    assert certificate.issued_by == trainer


def test_manual_issue_for_someone_outside_the_cohort_is_refused(
    client, cohort, trainer, learner
):
    login(client, trainer)
    response = client.post(
        reverse("certificates:issue", args=[cohort.pk]),
        {"user": learner.pk, "course": cohort.course_keys[0]},
        follow=True,
    )
    assert "Choose a learner" in response.content.decode()
    assert not Certificate.objects.exists()
