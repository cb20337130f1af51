"""Issuing, reissuing, revoking and rendering certificates.

The one entry point: the ``course_completed`` receiver, the render task,
learner and trainer views and the demo seed all call these functions.

Issuing writes the certificate row with its signed credential in one
transaction and renders the PDF afterwards, in a worker. Exactly one valid
certificate exists per learner and course: the enrolment row is locked while
issuing (the state guard) and a partial unique constraint backs it up, so
concurrent completions and redelivered tasks converge on one certificate.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.models import Locale

from accounts import names
from courses.models import CoursePage
from progress.models import Enrolment

from . import codes, credential, dataintegrity, fonts, jws, keys, statuslist
from .models import Certificate, StatusList

log = logging.getLogger(__name__)

# A list is filled to half its length at most, so an index says little about
# issue order or volume (the spec's herd privacy).
STATUS_LIST_FILL = statuslist.STATUS_LIST_LENGTH // 2


class IssueError(ValueError):
    """A certificate cannot be issued, reissued or revoked; the message says why."""


# --- Issuing ----------------------------------------------------------------


def issue_certificate(
    *, enrolment: Enrolment, issued_by=None, name: str | None = None
) -> Certificate:
    """The learner's certificate for the enrolment's course; issued if missing.

    Automatic issue (``issued_by`` None) needs a completed enrolment and never
    replaces a revoked certificate; a trainer or admin may issue manually.
    """
    if issued_by is None and not enrolment.is_completed:
        raise IssueError(_("The course is not complete yet."))
    with transaction.atomic():
        # The state guard: concurrent issues for one enrolment queue here.
        Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        existing = _current(enrolment.user, enrolment.course_key)
        if existing is not None and (
            existing.status == Certificate.Status.VALID or issued_by is None
        ):
            return existing
        certificate = _create(
            user=enrolment.user,
            course_key=enrolment.course_key,
            name=name,
            issued_by=issued_by,
        )
    return certificate


def reissue_certificate(
    *, certificate: Certificate, by, name: str | None = None
) -> Certificate:
    """A new certificate (e.g. after a name correction); the old one superseded."""
    with transaction.atomic():
        old = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if old.status != Certificate.Status.VALID:
            raise IssueError(_("Only a valid certificate can be reissued."))
        if old.user is None:
            raise IssueError(_("The learner's account no longer exists."))
        old.status = Certificate.Status.SUPERSEDED
        old.revoked_at = timezone.now()
        old.revocation_reason = _("Replaced by certificate %(code)s.")
        old.save(update_fields=["status", "revoked_at", "revocation_reason"])
        new = _create(
            user=old.user,
            course_key=old.course_key,
            name=name,
            issued_by=by,
            language=old.language,
        )
        old.revocation_reason = old.revocation_reason % {"code": new.code}
        old.superseded_by = new
        old.save(update_fields=["revocation_reason", "superseded_by"])
        publish_status_list(old.status_list)
    return new


def revoke_certificate(*, certificate: Certificate, reason: str, by) -> Certificate:
    """Revoke with a reason; the status list is re-signed before commit."""
    reason = (reason or "").strip()
    if not reason:
        raise IssueError(_("Say why the certificate is revoked."))
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.status == Certificate.Status.REVOKED:
            return locked
        if locked.status != Certificate.Status.VALID:
            raise IssueError(_("This certificate was already replaced."))
        locked.status = Certificate.Status.REVOKED
        locked.revoked_at = timezone.now()
        locked.revocation_reason = reason
        locked.save(update_fields=["status", "revoked_at", "revocation_reason"])
        publish_status_list(locked.status_list)
    log.info("certificate %s revoked by user %s", locked.pk, getattr(by, "pk", None))
    return locked


def _current(user, course_key) -> Certificate | None:
    """The learner's certificate for a course that is not superseded, if any."""
    return (
        Certificate.objects.filter(user=user, course_key=course_key)
        .exclude(status=Certificate.Status.SUPERSEDED)
        .order_by("-issued_at")
        .first()
    )


def _check_name(name: str) -> str:
    """The name as printed (accounts.names), or IssueError saying what is wrong."""
    if not name.strip():
        raise IssueError(_("Add your name to your profile: it is printed as given."))
    try:
        name = names.clean_name(name)
    except ValidationError as error:
        raise IssueError(error.messages[0]) from error
    missing = fonts.missing_characters(name)
    if missing:
        raise IssueError(
            _(
                "This name cannot be printed: no font on the server has these "
                "characters: %(characters)s. Change the name in the profile or "
                "ask a trainer."
            )
            % {"characters": " ".join(f"{c} (U+{ord(c):04X})" for c in missing)}
        )
    return name


def _create(*, user, course_key, name, issued_by, language=None) -> Certificate:
    name = _check_name(name or user.name or "")
    course, language = _course_in(course_key, language or user.preferred_language)
    if course is None:
        raise IssueError(_("The course is no longer published."))
    issued_at = timezone.now().replace(microsecond=0)
    with translation.override(language):
        criteria = course.completion_rule(module_count=len(course.outline().modules))
    for _attempt in range(8):
        index = secrets.randbelow(statuslist.STATUS_LIST_LENGTH)
        list_number = _open_status_list()
        certificate = Certificate(
            code=codes.new_code(),
            user=user,
            course_key=course_key,
            course_revision=course.latest_revision_id,
            name=name,
            course_title=course.title,
            language=language,
            issued_at=issued_at,
            issued_by=issued_by,
            status_list=list_number,
            status_index=index,
        )
        certificate.credential = credential.issue_credential(
            credential.AchievementClaim(
                certificate_id=certificate.id,
                learner_name=name,
                course_title=course.title,
                course_description=course.summary,
                criteria=criteria,
                course_url=_absolute(course.get_url()),
                language=language,
                valid_from=issued_at,
                status_list_url=status_list_url(list_number),
                status_index=index,
            )
        )
        certificate.qr_token = jws.sign_claims(printed_claims(certificate))
        try:
            with transaction.atomic():
                certificate.save(force_insert=True)
        except IntegrityError:
            # Another process won the race for this learner and course (the
            # state guard's backstop), or the random status bit was taken.
            existing = _current(user, course_key)
            if existing is not None and existing.status == Certificate.Status.VALID:
                return existing
            continue
        _enqueue_render(certificate.pk)
        return certificate
    raise IssueError(_("Could not allocate a status entry; try again."))


def _enqueue_render(certificate_id) -> None:
    """Queue the PDF in the transaction that writes the certificate: the
    outbox publishes it after commit, or later if the broker is down."""
    from config import outbox

    outbox.enqueue("certificates.tasks.render_certificate", str(certificate_id))


def printed_claims(certificate: Certificate) -> dict:
    """What the paper says, signed into the QR code (short names keep it small)."""
    return {
        "c": certificate.code,
        "n": certificate.name,
        "t": certificate.course_title,
        "d": certificate.issued_at.date().isoformat(),
    }


def _course_in(course_key, language: str) -> tuple[CoursePage | None, str]:
    """The live course in ``language`` if translated, else in its source language."""
    courses = CoursePage.objects.live().filter(translation_key=course_key)
    courses = list(courses.select_related("locale"))
    for course in courses:
        if course.locale.language_code == language:
            return course, language
    if not courses:
        return None, language
    default = Locale.get_default()
    course = next((c for c in courses if c.locale_id == default.pk), courses[0])
    return course, course.locale.language_code


def _absolute(path: str | None) -> str:
    if path and path.startswith("http"):
        return path
    return f"{settings.PAMOJA_PUBLIC_URL}{path or '/'}"


# --- Status lists -----------------------------------------------------------


def status_list_url(number: int) -> str:
    return f"{settings.PAMOJA_PUBLIC_URL}/credentials/status/{number}"


def _open_status_list() -> int:
    """The list new certificates go into: the first one not yet half full."""
    number = 1
    while Certificate.objects.filter(status_list=number).count() >= STATUS_LIST_FILL:
        number += 1
    if not StatusList.objects.filter(number=number).exists():
        publish_status_list(number)
    return number


def publish_status_list(number: int) -> StatusList:
    """Re-sign status list ``number`` from the database; idempotent.

    Every certificate that is no longer valid has its bit set: a superseded
    credential must not verify as current either.
    """
    with transaction.atomic():
        StatusList.objects.get_or_create(number=number, defaults={"credential": {}})
        row = StatusList.objects.select_for_update().get(number=number)
        revoked = (
            Certificate.objects.filter(status_list=number)
            .exclude(status=Certificate.Status.VALID)
            .values_list("status_index", flat=True)
        )
        unsigned = statuslist.build_status_list_credential(
            url=status_list_url(number),
            revoked=list(revoked),
            valid_from=timezone.now().replace(microsecond=0),
        )
        row.credential = dataintegrity.sign(unsigned, key=keys.get_keyset().current)
        row.save(update_fields=["credential", "updated_at"])
    return row


def status_list_credential(number: int) -> dict | None:
    row = StatusList.objects.filter(number=number).first()
    return row.credential if row else None


# --- Rendering --------------------------------------------------------------


def render_pdf(*, certificate_id) -> Certificate | None:
    """Render, sign and store the certificate's PDF; idempotent.

    Safe under redelivery and two workers at once: the first to record its
    file wins, the other deletes its copy. Nothing is recorded until the
    file is completely written.
    """
    from . import rendering

    certificate = Certificate.objects.filter(pk=certificate_id).first()
    if certificate is None or certificate.is_rendered:
        return certificate
    if certificate.status != Certificate.Status.VALID:
        # Revoked or superseded before its turn came: nobody should be handed
        # a PDF of it (its holder may have withdrawn it with their account).
        return certificate
    pdf = rendering.render_certificate(
        printed_certificate(certificate),
        credential_json=credential_json(certificate),
    )
    digest = hashlib.sha256(pdf).hexdigest()
    folder = f"certificates/{certificate.pk}"
    stored = default_storage.save(
        f"{folder}/pamoja-{certificate.code}.pdf", ContentFile(pdf)
    )
    won = Certificate.objects.filter(pk=certificate.pk, pdf_sha256="").update(
        pdf=stored, pdf_sha256=digest, rendered_at=timezone.now()
    )
    if not won:
        default_storage.delete(stored)
        certificate.refresh_from_db()
        return certificate
    # A worker killed between writing its file and recording it leaves the
    # file behind; the render that is recorded clears them.
    for leftover in default_storage.listdir(folder)[1]:
        if f"{folder}/{leftover}" != stored:
            default_storage.delete(f"{folder}/{leftover}")
    certificate.refresh_from_db()
    _notify(certificate)
    return certificate


def printed_certificate(certificate: Certificate):
    from .rendering import PrintedCertificate

    return PrintedCertificate(
        name=certificate.name,
        course_title=certificate.course_title,
        issued_on=certificate.issued_at.date(),
        issuer_name=settings.PAMOJA_ISSUER_NAME,
        code=certificate.code,
        verify_url=certificate.verify_url,
        qr_url=f"{certificate.verify_url}#{certificate.qr_token}",
        language=certificate.language,
    )


def credential_json(certificate: Certificate) -> bytes:
    """The signed credential exactly as served and embedded in the PDF."""
    return json.dumps(certificate.credential, ensure_ascii=False, indent=2).encode()


def _notify(certificate: Certificate) -> None:
    user = certificate.user
    if user is None or not user.email:
        return
    from django.core.mail import send_mail
    from django.urls import reverse

    with translation.override(certificate.language):
        dashboard = _absolute(reverse("progress:dashboard"))
        send_mail(
            _("Your Pamoja certificate: %(course)s")
            % {"course": certificate.course_title},
            _(
                "Congratulations, %(name)s! Your certificate for %(course)s is "
                "ready. Download it from your dashboard: %(dashboard)s\n\n"
                "Anyone can check it at %(verify)s"
            )
            % {
                "name": certificate.name,
                "course": certificate.course_title,
                "dashboard": dashboard,
                "verify": certificate.verify_url,
            },
            None,
            [user.email],
        )


# --- Reading ----------------------------------------------------------------


def certificates_by_course(*, user) -> dict:
    """The learner's current certificate per course key, in one query."""
    found = {}
    rows = (
        Certificate.objects.for_learner(user)
        .exclude(status=Certificate.Status.SUPERSEDED)
        .order_by("issued_at")
    )
    for certificate in rows:
        found[certificate.course_key] = certificate
    return found


def course_titles(course_keys) -> dict:
    """Course title per key, in the active language where translated."""
    language = translation.get_language()
    titles = {}
    pages = CoursePage.objects.live().filter(translation_key__in=course_keys)
    for page in pages.select_related("locale"):
        if page.translation_key not in titles or page.locale.language_code == language:
            titles[page.translation_key] = page.title
    return titles
