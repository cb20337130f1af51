"""Issuing, reissuing and revoking through certificates.api, on the embedded
database; concurrency is proved on PostgreSQL in tests/integration."""

import hashlib

import pytest
from django.core import mail

from certificates import api, dataintegrity, keys, statuslist
from certificates.models import Certificate, StatusList
from progress.models import Enrolment

pytestmark = pytest.mark.django_db


def test_completing_the_course_issues_one_rendered_certificate(
    certificate, learner, tiny_course, media
):
    assert Certificate.objects.count() == 1
    assert certificate.user == learner
    assert certificate.name == "Asha Patel"
    assert certificate.course_key == tiny_course.translation_key
    assert certificate.course_title == tiny_course.title
    assert certificate.course_revision == tiny_course.latest_revision_id
    assert certificate.status == Certificate.Status.VALID
    assert certificate.is_rendered
    pdf = certificate.pdf.read()
    assert pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == certificate.pdf_sha256


def test_issuing_again_returns_the_same_certificate(completed, certificate):
    again = api.issue_certificate(enrolment=completed)
    assert again.pk == certificate.pk
    assert Certificate.objects.count() == 1


def test_an_incomplete_enrolment_gets_no_automatic_certificate(learner, tiny_course):
    enrolment = Enrolment.objects.create(
        user=learner, course_key=tiny_course.translation_key
    )
    with pytest.raises(api.IssueError, match="not complete"):
        api.issue_certificate(enrolment=enrolment)
    assert not Certificate.objects.exists()


def test_the_credential_is_signed_and_names_what_the_paper_says(certificate):
    credential = certificate.credential
    check = dataintegrity.verify(
        credential, public_keys=keys.get_keyset().public_keys()
    )
    assert check.ok, check.reason
    assert credential["id"] == f"urn:uuid:{certificate.pk}"
    assert credential["issuer"]["id"] == keys.issuer_did()
    status = credential["credentialStatus"]
    assert status["statusListIndex"] == str(certificate.status_index)
    assert status["statusListCredential"] == api.status_list_url(
        certificate.status_list
    )
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["name"] == certificate.course_title
    assert "finish every lesson" in achievement["criteria"]["narrative"]


def test_a_name_no_font_can_print_is_refused_with_the_characters_named(
    learner, tiny_course
):
    learner.name = "Asha \U00013000"
    learner.save()
    enrolment = Enrolment.objects.create(
        user=learner,
        course_key=tiny_course.translation_key,
        completed_at="2026-01-01T00:00Z",
    )
    with pytest.raises(api.IssueError, match="U\\+13000"):
        api.issue_certificate(enrolment=enrolment)
    assert not Certificate.objects.exists()


def test_the_certificate_is_in_the_learners_language_when_the_course_is(
    learner, french_tiny_course, django_capture_on_commit_callbacks, media
):
    learner.preferred_language = "fr"
    learner.save()
    enrolment = Enrolment.objects.create(
        user=learner,
        course_key=french_tiny_course.translation_key,
        completed_at="2026-01-01T00:00Z",
    )
    certificate = api.issue_certificate(enrolment=enrolment)
    assert certificate.language == "fr"
    assert certificate.course_title == french_tiny_course.title
    criteria = certificate.credential["credentialSubject"]["achievement"]["criteria"]
    assert "leçon" in criteria["narrative"] or "Pour" in criteria["narrative"]


def test_revoking_needs_a_reason_and_sets_the_status_list_bit(certificate, trainer):
    with pytest.raises(api.IssueError, match="why"):
        api.revoke_certificate(certificate=certificate, reason="  ", by=trainer)
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID

    api.revoke_certificate(
        certificate=certificate, reason="Issued in error", by=trainer
    )
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert certificate.revocation_reason == "Issued in error"
    status_list = StatusList.objects.get(number=certificate.status_list).credential
    assert dataintegrity.verify(
        status_list, public_keys=keys.get_keyset().public_keys()
    ).ok
    encoded = status_list["credentialSubject"]["encodedList"]
    assert statuslist.is_revoked(encoded, certificate.status_index)


def test_reissuing_supersedes_the_old_certificate_with_a_new_name(
    certificate, trainer, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new = api.reissue_certificate(
            certificate=certificate, by=trainer, name="Asha R. Patel"
        )
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.SUPERSEDED
    assert certificate.superseded_by == new
    assert new.code in certificate.revocation_reason
    assert new.name == "Asha R. Patel"
    assert new.code != certificate.code
    assert new.status_index != certificate.status_index or (
        new.status_list != certificate.status_list
    )
    assert new.issued_by == trainer
    new.refresh_from_db()
    assert new.is_rendered
    encoded = StatusList.objects.get(number=certificate.status_list).credential[
        "credentialSubject"
    ]["encodedList"]
    assert statuslist.is_revoked(encoded, certificate.status_index)
    assert not statuslist.is_revoked(encoded, new.status_index)
    assert api.issue_certificate(enrolment=Enrolment.objects.get()).pk == new.pk


def test_a_revoked_certificate_is_not_replaced_automatically(
    completed, certificate, trainer
):
    api.revoke_certificate(certificate=certificate, reason="Fraud", by=trainer)
    assert api.issue_certificate(enrolment=completed).pk == certificate.pk
    manual = api.issue_certificate(enrolment=completed, issued_by=trainer)
    assert manual.pk != certificate.pk
    assert manual.status == Certificate.Status.VALID


def test_rendering_twice_records_one_pdf(certificate, media):
    first = certificate.pdf.name
    again = api.render_pdf(certificate_id=certificate.pk)
    assert again.pdf.name == first
    folder = media / "certificates" / str(certificate.pk)
    assert sorted(p.name for p in folder.iterdir()) == [first.rsplit("/", 1)[1]]


def test_the_learner_is_emailed_when_the_pdf_is_ready(
    learner, tiny_course, media, django_capture_on_commit_callbacks
):
    learner.email = "asha@example.org"
    learner.save()
    from tests.certificates.conftest import complete

    complete(learner, tiny_course, django_capture_on_commit_callbacks)
    certificate = Certificate.objects.get(user=learner)
    assert [m.to for m in mail.outbox] == [["asha@example.org"]]
    assert certificate.verify_url in mail.outbox[0].body


def test_a_reissue_to_an_unprintable_name_changes_nothing(certificate, trainer):
    with pytest.raises(api.IssueError, match="U\\+13000"):
        api.reissue_certificate(certificate=certificate, by=trainer, name="\U00013000")
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID
    assert certificate.superseded_by is None
    assert Certificate.objects.count() == 1


def test_a_certificate_revoked_before_its_render_gets_no_pdf(certificate, trainer):
    Certificate.objects.filter(pk=certificate.pk).update(
        pdf="", pdf_sha256="", rendered_at=None
    )
    api.revoke_certificate(certificate=certificate, by=trainer, reason="Error.")

    rendered = api.render_pdf(certificate_id=certificate.pk)

    assert rendered.pdf_sha256 == ""
    assert not rendered.is_rendered


def test_a_pdf_whose_file_is_gone_is_a_404_not_an_error(
    client, certificate, admin_user
):
    certificate.pdf.storage.delete(certificate.pdf.name)
    client.force_login(admin_user)

    response = client.get(f"/en/certificates/{certificate.pk}/pdf/")

    assert response.status_code == 404
