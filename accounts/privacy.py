"""A learner's own data: all of it as JSON, and the deletion of their account.

What happens to certificates when an account goes (SECURITY.md, "Privacy"):
a certificate is a statement the issuer made to whoever the holder showed it
to, and they may keep a copy (a PDF sent to an employer, a link on a CV). By
default the register keeps the minimum that lets such a copy still verify:
the code, the name as printed, the course, the dates, the status, the signed
credential and the PDF, no longer linked to any account. The holder may
instead withdraw them: each valid certificate is revoked ("withdrawn by the
holder", the status list re-signed so offline verifiers learn it too) and
its PDF file deleted once the deletion commits. The register row stays, so a
shared copy answers "revoked" rather than "unknown", which would look like
a forgery; its PDF hash stays too, so an uploaded copy is still recognised.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import partial
from importlib import import_module

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from certificates import api as certificates_api
from certificates.models import Certificate, VerificationLog
from progress.models import (
    CohortMembership,
    DeviceToken,
    Enrolment,
    LessonProgress,
    ProgressEvent,
    QuizAttempt,
    TemporaryPassword,
)

log = logging.getLogger(__name__)

# Bumped when a key changes meaning or goes; new keys may appear without it.
FORMAT = "pamoja-data-export/1"
WITHDRAWN = _("Withdrawn by the holder.")


# --- Export -------------------------------------------------------------------


def export_data(user) -> dict:
    """Everything Pamoja holds about ``user``, JSON-serialisable, keys in a
    fixed order. Other people appear only as cohort and organisation names;
    verifications of the learner's certificates only as counts."""
    return {
        "format": FORMAT,
        "exported_at": _iso(timezone.now()),
        "account": _account(user),
        "email_addresses": [
            {"email": a.email, "is_verified": a.verified, "is_primary": a.primary}
            for a in EmailAddress.objects.filter(user=user).order_by("email")
        ],
        "enrolments": _enrolments(user),
        "lesson_progress": _lessons(user),
        "quiz_attempts": _attempts(user),
        "progress_events": _events(user),
        "cohorts": _cohorts(user),
        "device_tokens": [
            {
                "label": t.label,
                "created_at": _iso(t.created_at),
                "last_used_at": _iso(t.last_used_at),
            }
            for t in DeviceToken.objects.filter(user=user).order_by("created_at", "pk")
        ],
        "certificates": _certificates(user),
    }


def _account(user) -> dict:
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.name,
        "email": user.email,
        "preferred_language": user.preferred_language,
        "is_data_saver_on": user.is_data_saver_on,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
        "has_temporary_password": TemporaryPassword.objects.filter(user=user).exists(),
    }


def _enrolments(user) -> list[dict]:
    rows = list(Enrolment.objects.filter(user=user).order_by("enrolled_at", "pk"))
    titles = _titles(row.course_key for row in rows)
    return [
        {
            "course_key": str(row.course_key),
            "course": titles.get(row.course_key, ""),
            "enrolled_at": _iso(row.enrolled_at),
            "last_activity_at": _iso(row.last_activity_at),
            "completed_at": _iso(row.completed_at),
            "reminded_at": _iso(row.reminded_at),
        }
        for row in rows
    ]


def _lessons(user) -> list[dict]:
    rows = list(
        LessonProgress.objects.filter(user=user).order_by("viewed_at", "lesson_key")
    )
    titles = _titles(row.lesson_key for row in rows)
    return [
        {
            "lesson_key": str(row.lesson_key),
            "lesson": titles.get(row.lesson_key, ""),
            "course_key": str(row.course_key),
            "state": LessonProgress.State(row.state).name.lower(),
            "viewed_at": _iso(row.viewed_at),
            "completed_at": _iso(row.completed_at),
        }
        for row in rows
    ]


def _attempts(user) -> list[dict]:
    rows = list(QuizAttempt.objects.filter(user=user).order_by("submitted_at", "pk"))
    titles = _titles(row.module_key for row in rows)
    return [
        {
            "id": str(row.pk),
            "module_key": str(row.module_key),
            "module": titles.get(row.module_key, ""),
            "course_key": str(row.course_key),
            "submitted_at": _iso(row.submitted_at),
            "recorded_at": _iso(row.recorded_at),
            "score": row.score,
            "total": row.total,
            "is_passed": row.is_passed,
            "answers": row.answers,
            "correct": row.correct,
        }
        for row in rows
    ]


def _events(user) -> list[dict]:
    rows = ProgressEvent.objects.filter(user=user).order_by("occurred_at", "pk")
    return [
        {
            "id": str(row.pk),
            "kind": row.kind,
            "object_key": str(row.object_key),
            "course_key": str(row.course_key),
            "occurred_at": _iso(row.occurred_at),
            "received_at": _iso(row.received_at),
            "result": row.result,
        }
        for row in rows
    ]


def _cohorts(user) -> list[dict]:
    memberships = (
        CohortMembership.objects.filter(user=user)
        .select_related("cohort__organisation")
        .order_by("joined_at", "pk")
    )
    return [
        {
            "cohort": m.cohort.name,
            "organisation": m.cohort.organisation.name,
            "joined_at": _iso(m.joined_at),
            "is_account_made_by_trainer": m.is_bulk_created,
        }
        for m in memberships
    ]


def _certificates(user) -> list[dict]:
    rows = list(
        Certificate.objects.filter(user=user)
        .select_related("superseded_by")
        .order_by("issued_at", "code")
    )
    counts = VerificationLog.objects.counts_by_certificate([c.pk for c in rows])
    return [
        {
            "id": str(c.pk),
            "code": c.code,
            "course_key": str(c.course_key),
            "course": c.course_title,
            "name": c.name,
            "language": c.language,
            "status": c.status,
            "issued_at": _iso(c.issued_at),
            "revoked_at": _iso(c.revoked_at),
            "revocation_reason": c.revocation_reason,
            "superseded_by": c.superseded_by.code if c.superseded_by else None,
            "verify_url": c.verify_url,
            "times_verified": counts.get(c.pk, (0, None))[0],
            "credential": c.credential,
        }
        for c in rows
    ]


def _titles(keys) -> dict:
    """Page title per translation key, in the active language where translated."""
    language = translation.get_language()
    titles = {}
    pages = Page.objects.filter(translation_key__in=set(keys)).select_related("locale")
    for page in pages.order_by("pk"):
        if page.translation_key not in titles or page.locale.language_code == language:
            titles[page.translation_key] = page.title
    return titles


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


# --- Deletion -----------------------------------------------------------------


@dataclass(frozen=True)
class Deletion:
    """What ``delete_account`` did: certificate codes, and rows per model."""

    kept: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


def self_deletion_refused(user) -> str | None:
    """Why ``user`` may not delete their own account, or None.

    Accounts with admin rights, or that run cohorts, manage what others
    depend on: an administrator removes them, after handing their work over.
    """
    if (
        user.is_staff
        or user.is_superuser
        or user.has_perm("wagtailadmin.access_admin")
        or user.trained_cohorts.exists()
    ):
        return _(
            "This account has administration rights or runs cohorts, so it "
            "cannot be deleted here: ask an administrator to remove it."
        )
    return None


@transaction.atomic
def delete_account(*, user, revoke_certificates: bool) -> Deletion:
    """Delete ``user`` and every row about them, in one transaction.

    Certificates stay in the register, unlinked from the account, so a copy
    the learner shared still verifies; with ``revoke_certificates`` each
    valid one is first revoked as withdrawn by the holder, and the PDFs of
    all of them are deleted after commit. Any failure rolls everything back.
    """
    certificates = list(Certificate.objects.select_for_update().filter(user=user))
    withdrawn = []
    if revoke_certificates:
        for certificate in certificates:
            if certificate.status == Certificate.Status.VALID:
                _withdraw(certificate, by=user)
                withdrawn.append(certificate.code)
            _delete_pdf_after_commit(certificate)
    Certificate.objects.filter(pk__in=[c.pk for c in certificates]).update(user=None)
    _delete_sessions(user)
    pk = user.pk
    _total, rows = user.delete()
    kept = [c.code for c in certificates if c.code not in withdrawn]
    log.info(
        "account %s deleted: %d certificate(s) kept, %d withdrawn",
        pk,
        len(kept),
        len(withdrawn),
    )
    return Deletion(kept=kept, withdrawn=withdrawn, rows=rows)


def _withdraw(certificate: Certificate, *, by) -> None:
    # The reason is read by verifiers next to the paper: in its language.
    with translation.override(certificate.language):
        reason = str(WITHDRAWN)
    certificates_api.revoke_certificate(certificate=certificate, reason=reason, by=by)


def _delete_pdf_after_commit(certificate: Certificate) -> None:
    """Forget the file now, delete it only once the deletion is committed:
    a rollback must find it still there. The hash stays (see the module)."""
    if not certificate.pdf:
        return
    name = certificate.pdf.name
    Certificate.objects.filter(pk=certificate.pk).update(pdf="")
    transaction.on_commit(partial(default_storage.delete, name))


def _delete_sessions(user) -> None:
    """End the account's sessions on every device.

    Only sessions kept in the database can be listed (the default engine);
    their data is signed, so each unexpired one is decoded. With other
    engines a session of a deleted account fails Django's check of the
    password hash it carries and is dropped on its next request.
    """
    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore
    if not hasattr(store, "get_model_class"):
        return
    sessions = store.get_model_class().objects.filter(expire_date__gt=timezone.now())
    for session in sessions.iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user.pk):
            store(session_key=session.session_key).delete()
